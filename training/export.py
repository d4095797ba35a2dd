"""ONNX export of a model folder's tagger, for ONNX Runtime on CPU (`--runtime onnx`).

The exported graph takes input_ids, attention_mask and feature_ids (batch × tokens
× slots) and returns the tag logits and the last hidden states (the relation head
reads them), with batch and sequence length dynamic. The file goes next to the
weights as `model.onnx`; ONNX Runtime is an optional dependency (`minzheng[onnx]`).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from training.model import BertForFigureTagging

ONNX_FILE = "model.onnx"


class _Outputs(nn.Module):
    def __init__(self, model: BertForFigureTagging):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, feature_ids):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, feature_ids=feature_ids,
                         output_hidden_states=True)
        return out.logits, out.hidden_states[-1]


def export_onnx(model_dir: str | Path, out: str | Path | None = None) -> Path:
    model_dir = Path(model_dir)
    out = Path(out) if out else model_dir / ONNX_FILE
    model = BertForFigureTagging.from_pretrained(str(model_dir)).eval()
    slots = len(model.config.feature_sizes)
    example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long),
               torch.ones(2, 16, slots, dtype=torch.long))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "feature_ids": {0: "batch", 1: "tokens"}, "logits": {0: "batch", 1: "tokens"},
            "hidden": {0: "batch", 1: "tokens"}}
    with torch.no_grad():
        torch.onnx.export(_Outputs(model), example, str(out), input_names=list(axes)[:3],
                          output_names=["logits", "hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    return out


class OnnxTagger:
    """Callable like the torch model's forward, on ONNX Runtime: (ids, mask, features) → (logits, hidden)."""

    def __init__(self, path: str | Path, threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError("the ONNX runtime needs onnxruntime: pip install 'minzheng[onnx]'") from err
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, feature_ids: torch.Tensor):
        logits, hidden = self.session.run(None, {"input_ids": input_ids.numpy(),
                                                 "attention_mask": attention_mask.numpy(),
                                                 "feature_ids": feature_ids.numpy()})
        return torch.from_numpy(logits), torch.from_numpy(hidden)
