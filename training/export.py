"""ONNX export of a model folder's tagger, for ONNX Runtime on CPU (`--runtime onnx`, `--quantize`).

The exported graph takes input_ids, attention_mask and feature_ids (batch × tokens
× slots) and returns the tag logits and the last hidden states (the relation head
reads them), with batch and sequence length dynamic. The file goes next to the
weights as `model.onnx`; `--quantize` adds `model.int8.onnx`, made from it by ONNX
Runtime's own dynamic quantiser (int8 weights per output channel, activations
quantised on the fly; the BiGRU stays fp32, ONNX Runtime has no integer GRU).
Each file records the SHA-256 of the weights it was made from, so a folder whose
weights changed (retrained, promoted) is exported again instead of running stale.
ONNX Runtime is an optional dependency (`minzheng[onnx]`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import torch
from torch import nn

from training.model import BertForFigureTagging

ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
WEIGHTS_FILE = "model.safetensors"
_HASH_KEY = "minzheng_weights_sha256"


class _Outputs(nn.Module):
    def __init__(self, model: BertForFigureTagging):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, feature_ids):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, feature_ids=feature_ids,
                         output_hidden_states=True)
        return out.logits, out.hidden_states[-1]


def weights_digest(model_dir: str | Path) -> str:
    digest = hashlib.sha256()
    with open(Path(model_dir) / WEIGHTS_FILE, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path, digest: str) -> None:
    import onnx

    graph = onnx.load(str(path))
    del graph.metadata_props[:]
    graph.metadata_props.add(key=_HASH_KEY, value=digest)
    onnx.save(graph, str(path))


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
    partial = _partial(out)
    with torch.no_grad():
        torch.onnx.export(_Outputs(model), example, str(partial), input_names=list(axes)[:3],
                          output_names=["logits", "hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    _stamp(partial, weights_digest(model_dir))
    os.replace(partial, out)  # a run killed mid-export leaves no half-written model.onnx behind
    return out


def quantize_onnx(source: str | Path, out: str | Path) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of `source` (an exported model.onnx) into `out`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, out = Path(source), Path(out)
    partial = _partial(out)
    # Per channel: each output row of a weight gets its own scale (entity F1 within 0.5 points of fp32,
    # benchmarks/runtimes.py); signed weights, as the x86 kernels expect.
    quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    _stamp(partial, _stamp_of(source))
    os.replace(partial, out)
    return out


def _partial(out: Path) -> Path:
    """Where `out` is written before it is moved into place (one name per process: runs may race)."""
    return out.with_name(f".{out.stem}.{os.getpid()}.partial.onnx")


def _stamp_of(path: Path) -> str:
    import onnx

    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return props.get(_HASH_KEY, "")


def onnx_file(model_dir: str | Path, int8: bool = False) -> Path:
    """model.onnx (or model.int8.onnx) of the folder, exported (quantised) if missing or made from other
    weights; in a temporary folder when the model folder is read-only."""
    model_dir = Path(model_dir)
    digest = weights_digest(model_dir)
    folder = model_dir if os.access(model_dir, os.W_OK) else Path(tempfile.gettempdir()) / f"minzheng-onnx-{digest[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / ONNX_FILE
    if not fp32.exists() or _stamp_of(fp32) != digest:
        export_onnx(model_dir, fp32)
    if not int8:
        return fp32
    quantized = folder / INT8_FILE
    if not quantized.exists() or _stamp_of(quantized) != digest:
        quantize_onnx(fp32, quantized)
    return quantized


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
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @property
    def quantized(self) -> bool:
        """True when the graph multiplies int8 weights (ONNX Runtime's quantised operators)."""
        return self.path.name == INT8_FILE

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, feature_ids: torch.Tensor,
                 hidden: bool = True):
        """(logits, hidden states); hidden is None when not asked for (nothing copied out)."""
        outputs = self.session.run(["logits", "hidden"] if hidden else ["logits"],
                                   {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy(),
                                    "feature_ids": feature_ids.numpy()})
        return torch.from_numpy(outputs[0]), torch.from_numpy(outputs[1]) if hidden else None
