"""Pure scorers over spans and relations: strict and partial entity P/R/F1, relation P/R/F1.

No model code here: inputs are schema Examples (gold and predicted, paired by id).
Strict: a predicted span counts when label, start and end all match. Partial: a
predicted span counts when it overlaps a gold span of the same label, each gold
span matched at most once (greedy by largest overlap).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from annotation.schema import FIGURE_LABELS, LABELS, Example, Span


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self) | {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                               "support": self.tp + self.fn}


def _key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def match_partial(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[Span, Span]]:
    """Pairs (gold, pred) of the same label that overlap, each side used once, largest overlap first."""
    candidates = []
    for g in gold:
        for p in pred:
            overlap = min(g.end, p.end) - max(g.start, p.start)
            if g.label == p.label and overlap > 0:
                candidates.append((overlap, g, p))
    candidates.sort(key=lambda c: (-c[0], _key(c[1]), _key(c[2])))
    used_g, used_p, pairs = set(), set(), []
    for _, g, p in candidates:
        if _key(g) not in used_g and _key(p) not in used_p:
            used_g.add(_key(g))
            used_p.add(_key(p))
            pairs.append((g, p))
    return pairs


def score_entities(pairs: Iterable[tuple[Example, Example]], mode: str = "strict") -> dict[str, PRF]:
    """Per-label PRF and 'micro' over (gold, predicted) example pairs."""
    if mode not in ("strict", "partial"):
        raise ValueError(f"mode must be 'strict' or 'partial', not {mode!r}")
    per = {label: PRF() for label in LABELS}
    for gold, pred in pairs:
        for label in LABELS:
            g = [s for s in gold.spans if s.label == label]
            p = [s for s in pred.spans if s.label == label]
            if mode == "strict":
                tp = len(set(map(_key, g)) & set(map(_key, p)))
            else:
                tp = len(match_partial(g, p))
            per[label].add(PRF(tp, len(p) - tp, len(g) - tp))
    micro = PRF()
    for prf in per.values():
        micro.add(prf)
    return per | {"micro": micro}


def figures_prf(pairs: Iterable[tuple[Example, Example]], mode: str = "strict") -> PRF:
    """COUNT, AMOUNT and PERCENT pooled: how well the figures themselves are found."""
    total = PRF()
    per = score_entities(pairs, mode)
    for label in FIGURE_LABELS:
        total.add(per[label])
    return total


def relation_triples(example: Example) -> Counter:
    """has_value relations as ((head start, end, label), (tail start, end, label), relation label)."""
    spans = example.span_by_id()
    out: Counter = Counter()
    for r in example.relations:
        if r.head in spans and r.tail in spans:
            out[(_key(spans[r.head]), _key(spans[r.tail]), r.label)] += 1
    return out


def score_relations(pairs: Iterable[tuple[Example, Example]]) -> PRF:
    """Strict relation PRF: head and tail spans (offsets and labels) and relation label must match.

    Scored end to end when the predictions carry predicted entities, or 'with gold
    entities' when the predicted examples reuse the gold spans.
    """
    total = PRF()
    for gold, pred in pairs:
        g, p = relation_triples(gold), relation_triples(pred)
        tp = sum((g & p).values())
        total.add(PRF(tp, sum(p.values()) - tp, sum(g.values()) - tp))
    return total


def pair_by_id(gold: Sequence[Example], pred: Sequence[Example]) -> list[tuple[Example, Example]]:
    """Pair predictions with gold by example id; a gold example without prediction scores as empty."""
    by_id = {p.id: p for p in pred}
    unknown = set(by_id) - {g.id for g in gold}
    if unknown:
        raise ValueError(f"predictions for ids not in the gold data: {sorted(unknown)[:5]}")
    return [(g, by_id.get(g.id, Example(id=g.id, text=g.text))) for g in gold]
