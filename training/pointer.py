"""A figure-conditioned program pointer: for each figure, where its program starts and ends (UIE's question).

The tagger + linker can only link a figure to a program the tagger marked, and a
one-off program the tagger never saw (驻村队员 before 10人, 工作专班 after 8个) is
lost with its fact. The pointer asks the other way round, as UIE extracts
relations: given this figure, point at the first and the last character of its
program, or at [CLS] when it has none. Each token is scored from its encoder
state, the figure's, their product, the tagger's tag probabilities (which say
where the tagger sees a program) and a few things a reader uses: distance and
side, a clause break in between, jieba word edges, whether the token lies in a
figure or unit. Like the relation head it reads the frozen fine-tuned encoder,
so it trains in seconds on the gold figures of the training sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from annotation.schema import FIGURE_LABELS, HAS_VALUE, PROGRAM, Example, Span
from training.relations import SavedHead, pool_spans

CONFIG_FILE = "pointer_config.json"
WEIGHTS_FILE = "pointer_head.pt"
_BREAKS = set("，,；;。！？!?：:")
_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)
N_FEATURES = 2 * (len(_BUCKETS) + 1) + 7
_EXTRA = 2 * (len(_BUCKETS) + 1)  # where the non-distance features start


@dataclass
class PointerConfig:
    hidden_size: int
    n_tags: int
    features: int = N_FEATURES
    inner: int = 128
    max_chars: int = 24  # the longest program the pointer may return
    threshold: float = 0.5  # the least probability (start × end) of a program the pointer returns


def token_features(text: str, offsets: Sequence[tuple[int, int]], figure: Span, spans: Sequence[Span],
                   bounds: frozenset[int]) -> np.ndarray:
    """tokens × N_FEATURES: side and distance buckets, break in between, word edges, figure/unit, special."""
    taken = np.zeros(len(text) + 1, dtype=bool)
    for s in spans:
        if s.label != PROGRAM:
            taken[s.start : s.end] = True
    breaks = np.cumsum([0] + [ch in _BREAKS for ch in text])  # breaks[k]: breaks in text[:k]
    out = np.zeros((len(offsets), N_FEATURES), dtype=np.float32)
    width = len(_BUCKETS) + 1
    for i, (s, e) in enumerate(offsets):
        if e <= s:
            out[i, -1] = 1.0  # [CLS] / [SEP]
            continue
        if e <= figure.start:
            out[i, int(np.searchsorted(_BUCKETS, figure.start - e, side="right"))] = 1.0
            lo, hi = e, figure.start
        elif s >= figure.end:
            out[i, width + int(np.searchsorted(_BUCKETS, s - figure.end, side="right"))] = 1.0
            lo, hi = figure.end, s
        else:
            lo = hi = s
        row = out[i, _EXTRA:]
        row[0] = float(breaks[hi] > breaks[lo])
        row[1] = float(s in bounds)
        row[2] = float(e in bounds)
        row[3] = float(taken[s])
        row[4] = float(figure.start <= s < figure.end)
        row[5] = float(text[s] in _BREAKS)
    return out


class ProgramPointer(SavedHead):
    config_file, weights_file, config_class = CONFIG_FILE, WEIGHTS_FILE, PointerConfig

    def __init__(self, config: PointerConfig):
        super().__init__()
        self.config = config
        width = 3 * config.hidden_size + config.n_tags + config.features
        self.start = nn.Sequential(nn.Linear(width, config.inner), nn.ReLU(), nn.Dropout(0.1), nn.Linear(config.inner, 1))
        self.end = nn.Sequential(nn.Linear(width, config.inner), nn.ReLU(), nn.Dropout(0.1), nn.Linear(config.inner, 1))

    def forward(self, hidden: torch.Tensor, figure: torch.Tensor, probs: torch.Tensor, features: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden M×n×H, figure M×H, probs M×n×T, features M×n×F, mask M×n → start and end logits M×n."""
        x = torch.cat([hidden, figure[:, None].expand_as(hidden), hidden * figure[:, None], probs, features], -1)
        fill = torch.finfo(x.dtype).min
        return (self.start(x).squeeze(-1).masked_fill(~mask, fill), self.end(x).squeeze(-1).masked_fill(~mask, fill))


@dataclass
class PointerItem:
    """One figure of one text with the pointer's inputs (and, in training, the target token indices)."""

    figure: Span
    hidden: torch.Tensor
    figure_state: torch.Tensor
    probs: torch.Tensor
    features: torch.Tensor
    mask: torch.Tensor
    target: tuple[int, int] = (0, 0)


def pointer_items(text: str, offsets: Sequence[tuple[int, int]], hidden: torch.Tensor, probs: np.ndarray,
                  spans: Sequence[Span], figures: Sequence[Span] | None = None) -> list[PointerItem]:
    """An item per figure of `spans` (or of `figures`); tokens inside a figure or unit cannot be pointed at."""
    from training.words import word_boundaries

    figures = [s for s in spans if s.label in FIGURE_LABELS] if figures is None else list(figures)
    if not figures:
        return []
    bounds = word_boundaries(text)
    states = pool_spans(hidden, offsets, figures)
    tag_probs = torch.as_tensor(np.asarray(probs, dtype=np.float32))
    items = []
    for figure, state in zip(figures, states, strict=True):
        feats = token_features(text, offsets, figure, spans, bounds)
        mask = torch.as_tensor((feats[:, -1] == 0) & (feats[:, _EXTRA + 3] == 0))
        mask[0] = True  # [CLS]: no program
        items.append(PointerItem(figure, hidden, state, tag_probs, torch.as_tensor(feats), mask))
    return items


def _stack(items: Sequence[PointerItem]) -> tuple[torch.Tensor, ...]:
    n = max(len(it.mask) for it in items)

    def pad(t: torch.Tensor) -> torch.Tensor:
        return nn.functional.pad(t, (0, 0, 0, n - t.shape[0]))

    mask = torch.zeros(len(items), n, dtype=torch.bool)
    for row, it in enumerate(items):
        mask[row, : len(it.mask)] = it.mask
    return (torch.stack([pad(it.hidden) for it in items]), torch.stack([it.figure_state for it in items]),
            torch.stack([pad(it.probs) for it in items]), torch.stack([pad(it.features) for it in items]), mask)


def targets_of(example: Example, offsets: Sequence[tuple[int, int]], items: Sequence[PointerItem]) -> None:
    """Set each item's target: the tokens holding the first and last character of its gold program."""
    by_id = {s.id: s for s in example.spans}
    program_of = {r.tail: by_id.get(r.head) for r in example.relations if r.label == HAS_VALUE}
    for it in items:
        program = program_of.get(it.figure.id)
        if program is None:
            continue
        first = next((i for i, (s, e) in enumerate(offsets) if e > s and s <= program.start < e), None)
        last = next((i for i, (s, e) in enumerate(offsets) if e > s and s < program.end <= e), None)
        if first is not None and last is not None and first <= last and it.mask[first] and it.mask[last]:
            it.target = (first, last)


def train_pointer(items: Sequence[PointerItem], hidden_size: int, n_tags: int, epochs: int = 40, seed: int = 42,
                  batch: int = 64) -> ProgramPointer:
    torch.manual_seed(seed)
    head = ProgramPointer(PointerConfig(hidden_size, n_tags))
    if not items:
        return head.eval()
    order = sorted(range(len(items)), key=lambda i: len(items[i].mask))
    batches = [order[k : k + batch] for k in range(0, len(order), batch)]
    stacked = [(_stack([items[i] for i in b]), torch.tensor([items[i].target for i in b])) for b in batches]
    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=0.01)
    generator = torch.Generator().manual_seed(seed)
    head.train()
    for _ in range(epochs):
        for k in torch.randperm(len(stacked), generator=generator).tolist():
            inputs, target = stacked[k]
            start, end = head(*inputs)
            loss = nn.functional.cross_entropy(start, target[:, 0]) + nn.functional.cross_entropy(end, target[:, 1])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return head.eval()


@torch.no_grad()
def point(head: ProgramPointer, items: Sequence[PointerItem], offsets: Sequence[tuple[int, int]]
          ) -> list[tuple[int, int, float] | None]:
    """Per item: the program's (start, end) characters and its probability, or None when [CLS] wins."""
    if not items:
        return []
    start, end = head(*_stack(items))
    ls, le = torch.log_softmax(start, -1).numpy(), torch.log_softmax(end, -1).numpy()
    out: list[tuple[int, int, float] | None] = []
    floor = np.log(head.config.threshold) if head.config.threshold > 0 else -np.inf
    for it, a, b in zip(items, ls, le, strict=True):
        feats = it.features.numpy()
        # a program holds no clause break and, like the tagger's, starts and ends on word edges
        mask = it.mask.numpy() & (feats[:, _EXTRA + 5] == 0)
        start_ok, end_ok = mask & (feats[:, _EXTRA + 1] > 0), mask & (feats[:, _EXTRA + 2] > 0)
        n = len(mask)
        best, where = max(a[0] + b[0], floor), None
        for i in np.flatnonzero(start_ok[1:n]) + 1:
            for j in range(i, n):
                if not mask[j] or offsets[j][1] - offsets[i][0] > head.config.max_chars:
                    break
                if end_ok[j] and a[i] + b[j] > best:
                    best, where = a[i] + b[j], (i, j)
        out.append(None if where is None else (offsets[where[0]][0], offsets[where[1]][1], float(np.exp(best))))
    return out
