"""Evaluation summaries over (gold, predicted) Example pairs: confusion, value accuracy, one results dict.

No model code here: the caller passes predictions (and, for value accuracy, the
normaliser that turns a figure span into a comparable value), so evaluation never
imports inference or training.

The dict from evaluate_examples is plain JSON (str keys, ints, floats, None)::

    {"sentences": int,
     "entities": {"strict": {label: prf, ..., "micro": prf}, "partial": {...}},
     "figures": {"strict": prf, "partial": prf},  (COUNT, AMOUNT and PERCENT pooled)
     "relations": {"end_to_end": prf, "gold_entities": prf | None},
     "values": {"correct": int, "total": int, "accuracy": float} | None,
     "confusion": {gold label | "O": {predicted label | "O": int}}}

where prf is PRF.as_dict(): tp, fp, fn, precision, recall, f1, support.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from annotation.schema import FIGURE_LABELS, LABELS, Example, Span
from evaluation.scoring import figures_prf, pair_by_id, score_entities, score_relations

OUTSIDE = "O"

#: normalize(example, span) -> a comparable value, or None when the span cannot be read.
Normalizer = Callable[[Example, Span], Hashable | None]


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _skey(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def _match_indices(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    candidates = [
        (ov, gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if (ov := _overlap(g, p)) > 0
    ]
    # Largest overlap first; ties prefer the same label, then offsets.
    candidates.sort(key=lambda c: (-c[0], gold[c[1]].label != pred[c[2]].label,
                                   _skey(gold[c[1]]), _skey(pred[c[2]])))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def match_any_label(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[Span, Span]]:
    """Pairs (gold, pred) that overlap whatever their labels: largest overlap first, each span used once.

    Ties prefer a pair with the same label. Spans are told apart by position in their
    list, so duplicate spans are each used once.
    """
    return [(gold[gi], pred[pi]) for gi, pi in _match_indices(gold, pred)]


def label_confusion(pairs: Iterable[tuple[Example, Example]]) -> dict[str, dict[str, int]]:
    """Span-level confusion: rows gold label + "O", columns predicted label + "O".

    Overlapping gold and predicted spans pair up (match_any_label); an unpaired gold
    span counts as (label, "O"), an unpaired predicted span as ("O", label). The
    ("O", "O") cell is always 0. Labels outside LABELS are appended in order seen.
    """
    counts: dict[tuple[str, str], int] = {}
    labels = list(LABELS)
    for gold, pred in pairs:
        matched = _match_indices(gold.spans, pred.spans)
        paired_g = {gi for gi, _ in matched}
        paired_p = {pi for _, pi in matched}
        cells = [(gold.spans[gi].label, pred.spans[pi].label) for gi, pi in matched]
        cells += [(g.label, OUTSIDE) for gi, g in enumerate(gold.spans) if gi not in paired_g]
        cells += [(OUTSIDE, p.label) for pi, p in enumerate(pred.spans) if pi not in paired_p]
        for cell in cells:
            counts[cell] = counts.get(cell, 0) + 1
            labels += [x for x in cell if x != OUTSIDE and x not in labels]
    axis = labels + [OUTSIDE]
    return {g: {p: counts.get((g, p), 0) for p in axis} for g in axis}


def value_accuracy(pairs: Iterable[tuple[Example, Example]], normalize: Normalizer) -> dict[str, Any]:
    """Share of gold figure spans (FIGURE_LABELS) whose value the prediction got right.

    A gold figure is correct when some predicted span of the same label overlaps it
    and normalises to the same value, which is not None.
    """
    correct = total = 0
    for gold, pred in pairs:
        for g in gold.spans:
            if g.label not in FIGURE_LABELS:
                continue
            total += 1
            want = normalize(gold, g)
            if want is None:
                continue
            if any(p.label == g.label and _overlap(g, p) > 0 and normalize(pred, p) == want
                   for p in pred.spans):
                correct += 1
    return {"correct": correct, "total": total, "accuracy": correct / total if total else 0.0}


def evaluate_examples(
    gold: Sequence[Example],
    pred: Sequence[Example],
    *,
    gold_entity_pred: Sequence[Example] | None = None,
    normalize: Normalizer | None = None,
) -> dict[str, Any]:
    """Every score for one system on one gold set, as a JSON-able dict (see the module docstring).

    gold_entity_pred is the system's output when given the gold entities: relations
    scored on it are "gold_entities"; without it that entry is None. Without
    normalize, "values" is None.
    """
    pairs = pair_by_id(gold, pred)
    entities = {
        mode: {label: prf.as_dict() for label, prf in score_entities(pairs, mode).items()}
        for mode in ("strict", "partial")
    }
    figures = {mode: figures_prf(pairs, mode).as_dict() for mode in ("strict", "partial")}
    gold_rel = None
    if gold_entity_pred is not None:
        gold_rel = score_relations(pair_by_id(gold, gold_entity_pred)).as_dict()
    return {
        "sentences": len(gold),
        "entities": entities,
        "figures": figures,
        "relations": {"end_to_end": score_relations(pairs).as_dict(), "gold_entities": gold_rel},
        "values": value_accuracy(pairs, normalize) if normalize is not None else None,
        "confusion": label_confusion(pairs),
    }
