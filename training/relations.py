"""The has_value relation model: a small classifier over (PROGRAM, figure) pairs on the NER encoder.

Candidates are every PROGRAM × figure pair in a sentence. A pair is represented
by the encoder's pooled token states of both spans (and their product) plus a
few structural features a reader uses — distance and direction, programs and
clause breaks in between, 其中, parentheses — and the heuristic linker's own
choice, so the classifier starts from the baseline and learns where it errs.
The encoder is the fine-tuned NER encoder, frozen: features are computed once,
which keeps training to seconds on a CPU. Each figure takes its best-scoring
program when that score passes the threshold (at most one program per figure).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from annotation.rules import link_figures
from annotation.schema import FIGURE_LABELS, HAS_VALUE, PROGRAM, Example, Relation, Span

CONFIG_FILE = "relation_config.json"
WEIGHTS_FILE = "relation_head.pt"
_BREAKS = set("，,；;。！？!?：:")
_DISTANCE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
N_FEATURES = 2 * (len(_DISTANCE_BUCKETS) + 1) + 8


@dataclass
class RelationConfig:
    hidden_size: int
    features: int = N_FEATURES
    inner: int = 128
    threshold: float = 0.5
    linker: str = "model"  # "model" or "heuristic": which one inference uses (decided on dev F1)


def candidate_pairs(spans: Sequence[Span]) -> list[tuple[Span, Span]]:
    programs = [s for s in spans if s.label == PROGRAM]
    return [(p, f) for f in spans if f.label in FIGURE_LABELS for p in programs]


def pair_features(text: str, spans: Sequence[Span], pairs: Sequence[tuple[Span, Span]]) -> torch.Tensor:
    """Structural features per candidate pair (see module docstring)."""
    heuristic = {(r.head, r.tail) for r in link_figures(text, spans)}
    programs = sorted(s.start for s in spans if s.label == PROGRAM)
    figures = sorted(s.start for s in spans if s.label in FIGURE_LABELS)
    rows = []
    for prog, fig in pairs:
        before = prog.end <= fig.start
        lo, hi = (prog.end, fig.start) if before else (fig.end, prog.start)
        gap = text[lo:hi] if hi > lo else ""
        distance = max(hi - lo, 0)
        bucket = [0.0] * (len(_DISTANCE_BUCKETS) + 1)
        bucket[sum(distance >= b for b in _DISTANCE_BUCKETS)] = 1.0
        direction = bucket if before else [0.0] * len(bucket)
        after = [0.0] * len(bucket) if before else bucket
        depth_fig = _paren_depth(text, fig.start)
        depth_prog = _paren_depth(text, prog.start)
        rows.append(direction + after + [
            float((prog.id, fig.id) in heuristic),
            min(sum(lo <= p < hi for p in programs), 3) / 3,
            min(sum(lo <= f < hi for f in figures), 5) / 5,
            float(any(ch in _BREAKS for ch in gap)),
            float("其中" in gap),
            float(depth_fig > depth_prog),
            float(depth_fig == depth_prog),
            float(distance == 0 or gap == "的"),
        ])
    return torch.tensor(rows, dtype=torch.float32).reshape(len(rows), N_FEATURES)


def _paren_depth(text: str, pos: int) -> int:
    depth = 0
    for ch in text[:pos]:
        depth += ch in "(（"
        depth -= ch in ")）" and depth > 0
    return depth


def pool_spans(hidden: torch.Tensor, offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> torch.Tensor:
    """Mean of the token states overlapping each span (hidden: tokens × H for one text)."""
    out = []
    for span in spans:
        idx = [i for i, (s, e) in enumerate(offsets) if e > s and s < span.end and e > span.start]
        out.append(hidden[idx].mean(0) if idx else torch.zeros(hidden.shape[-1]))
    return torch.stack(out) if out else torch.zeros(0, hidden.shape[-1])


class SavedHead(nn.Module):
    """A small head saved in a model folder as its state dict beside its config (JSON); a folder
    without the config has no such head. Subclasses name the two files and the config class."""

    config_file: str
    weights_file: str
    config_class: type

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        torch.save(self.state_dict(), folder / self.weights_file)
        (folder / self.config_file).write_text(json.dumps(asdict(self.config), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path):
        """The head saved in `folder`, in eval mode, or None when the folder has none."""
        folder = Path(folder)
        if not (folder / cls.config_file).exists():
            return None
        config = cls.config_class(**json.loads((folder / cls.config_file).read_text(encoding="utf-8")))
        head = cls(config)
        head.load_state_dict(torch.load(folder / cls.weights_file, map_location="cpu", weights_only=True))
        return head.eval()


class RelationHead(SavedHead):
    config_file, weights_file, config_class = CONFIG_FILE, WEIGHTS_FILE, RelationConfig

    def __init__(self, config: RelationConfig):
        super().__init__()
        self.config = config
        self.mlp = nn.Sequential(
            nn.Linear(3 * config.hidden_size + config.features, config.inner),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(config.inner, 1),
        )

    def forward(self, head: torch.Tensor, tail: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return self.mlp(torch.cat([head, tail, head * tail, features], dim=-1)).squeeze(-1)


@dataclass
class PairBatch:
    """Candidate pairs of one text with their inputs to the head."""

    pairs: list[tuple[Span, Span]]
    head: torch.Tensor
    tail: torch.Tensor
    features: torch.Tensor


def make_pairs(text: str, spans: Sequence[Span], hidden: torch.Tensor,
               offsets: Sequence[tuple[int, int]]) -> PairBatch:
    pairs = candidate_pairs(spans)
    return PairBatch(pairs, pool_spans(hidden, offsets, [p for p, _ in pairs]),
                     pool_spans(hidden, offsets, [f for _, f in pairs]), pair_features(text, spans, pairs))


def decode_relations(batch: PairBatch, scores: torch.Tensor, threshold: float) -> list[Relation]:
    """Each figure takes its best program if that pair's probability passes the threshold."""
    best: dict[str, tuple[float, Span]] = {}
    for (prog, fig), score in zip(batch.pairs, scores.tolist(), strict=True):
        if score >= threshold and score > best.get(fig.id, (-1.0, None))[0]:
            best[fig.id] = (score, prog)
    return [Relation(prog.id, fig_id, HAS_VALUE, round(score, 4)) for fig_id, (score, prog) in best.items()]


def train_relation_head(batches: Sequence[PairBatch], gold: Sequence[Example], hidden_size: int,
                        epochs: int = 300, seed: int = 42) -> RelationHead:
    """Full-batch training on the candidate pairs of the training sentences (labels from gold relations)."""
    torch.manual_seed(seed)
    labels = []
    for batch, example in zip(batches, gold, strict=True):
        positive = {(r.head, r.tail) for r in example.relations if r.label == HAS_VALUE}
        labels += [float((p.id, f.id) in positive) for p, f in batch.pairs]
    head = RelationHead(RelationConfig(hidden_size))
    non_empty = [b for b in batches if b.pairs]
    if not non_empty:
        return head.eval()
    h = torch.cat([b.head for b in non_empty])
    t = torch.cat([b.tail for b in non_empty])
    x = torch.cat([b.features for b in non_empty])
    y = torch.tensor(labels)
    optimiser = torch.optim.AdamW(head.parameters(), lr=2e-3, weight_decay=0.01)
    loss_fn = nn.BCEWithLogitsLoss()
    head.train()
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = loss_fn(head(h, t, x), y)
        loss.backward()
        optimiser.step()
    return head.eval()
