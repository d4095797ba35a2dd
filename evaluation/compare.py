"""Two systems on the same gold sentences: per-label F1 side by side, with a bootstrap CI on the difference.

Strict entity F1 per label and micro, and has_value relation F1 (end to end), for system
A (the current model) and system B (the candidate). The uncertainty of F1(B) − F1(A) is
estimated by a paired bootstrap over SENTENCES: draw the sentences with replacement
(``resamples`` times, fixed ``seed``), recompute both F1s on each draw, and take the
2.5th and 97.5th percentiles of the difference. A CI that excludes 0 says the gap is
larger than the sentence sample explains; sentences of one report are correlated, so
read it as a lower bound on the uncertainty.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from annotation.schema import HAS_VALUE, LABELS, Example
from evaluation.scoring import pair_by_id, score_entities, score_relations

MICRO = "micro"
ROWS: tuple[str, ...] = (*LABELS, MICRO, HAS_VALUE)


@dataclass
class CompareRow:
    name: str  # a label, "micro" or "has_value"
    support: int  # gold items
    f1_a: float
    f1_b: float
    diff: float  # f1_b - f1_a
    ci_low: float
    ci_high: float

    @property
    def verdict(self) -> str:
        if self.ci_low > 0:
            return "B better"
        if self.ci_high < 0:
            return "A better"
        return "no clear difference"


@dataclass
class Comparison:
    name_a: str
    name_b: str
    sentences: int
    documents: list[str]
    resamples: int
    seed: int
    rows: list[CompareRow]

    def row(self, name: str) -> CompareRow:
        return next(r for r in self.rows if r.name == name)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "rows"} | {
            "rows": {r.name: {k: v for k, v in asdict(r).items() if k != "name"} | {"verdict": r.verdict}
                     for r in self.rows}}


def sentence_counts(gold: Sequence[Example], pred: Sequence[Example]) -> np.ndarray:
    """(sentences × ROWS × 3) tp, fp, fn per sentence; gold and pred paired by id."""
    pairs = pair_by_id(gold, pred)
    out = np.zeros((len(pairs), len(ROWS), 3), dtype=np.int64)
    for i, pair in enumerate(pairs):
        per = score_entities([pair])
        rel = score_relations([pair])
        for j, name in enumerate(ROWS):
            prf = rel if name == HAS_VALUE else per[name]
            out[i, j] = (prf.tp, prf.fp, prf.fn)
    return out


def _f1(counts: np.ndarray) -> np.ndarray:
    """F1 from (..., 3) summed tp, fp, fn; 0 where undefined (as evaluation.scoring.PRF)."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def compare_predictions(gold: Sequence[Example], pred_a: Sequence[Example], pred_b: Sequence[Example],
                        name_a: str = "A", name_b: str = "B", resamples: int = 1000, seed: int = 0) -> Comparison:
    """Per-row F1 of A and B on `gold`, and a paired-bootstrap 95 % CI on F1(B) − F1(A)."""
    if not gold:
        raise ValueError("no gold sentences to compare on")
    a, b = sentence_counts(gold, pred_a), sentence_counts(gold, pred_b)
    f1_a, f1_b = _f1(a.sum(0)), _f1(b.sum(0))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(gold), size=(resamples, len(gold)))
    diffs = np.empty((resamples, len(ROWS)))
    for k in range(0, resamples, 100):  # chunks bound memory: 100 × sentences × rows × 3
        idx = draws[k : k + 100]
        diffs[k : k + len(idx)] = _f1(b[idx].sum(1)) - _f1(a[idx].sum(1))
    low, high = np.percentile(diffs, [2.5, 97.5], axis=0)
    gold_counts = a.sum(0)
    rows = [CompareRow(name, int(gold_counts[j, 0] + gold_counts[j, 2]), round(float(f1_a[j]), 4),
                       round(float(f1_b[j]), 4), round(float(f1_b[j] - f1_a[j]), 4),
                       round(float(low[j]), 4), round(float(high[j]), 4)) for j, name in enumerate(ROWS)]
    docs = sorted({str(e.meta["doc"]) for e in gold if e.meta.get("doc")})
    return Comparison(name_a, name_b, len(gold), docs, resamples, seed, rows)


def comparison_table(comparison: Comparison, title: str | None = None):
    """A rich Table: one row per label, micro and has_value."""
    from rich.table import Table

    c = comparison
    table = Table(title=title or f"{c.name_b} (B) against {c.name_a} (A): {c.sentences} held-out sentences, "
                                 f"{len(c.documents)} documents; 95 % CI of F1(B) − F1(A), "
                                 f"{c.resamples} bootstrap resamples over sentences")
    for column in ("", "gold", "F1 A", "F1 B", "B − A", "95 % CI", ""):
        table.add_column(column, justify="left" if column == "" else "right")
    for r in c.rows:
        style = "bold" if r.name == MICRO else None
        table.add_row(r.name, str(r.support), f"{r.f1_a:.3f}", f"{r.f1_b:.3f}", f"{r.diff:+.3f}",
                      f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}]", r.verdict, style=style)
    return table


def comparison_markdown(comparison: Comparison) -> str:
    c = comparison
    lines = [f"# {c.name_b} (B) against {c.name_a} (A)", "",
             f"{c.sentences} held-out sentences from {len(c.documents)} documents: {', '.join(c.documents)}.",
             f"95 % confidence interval of F1(B) − F1(A): paired bootstrap over sentences, {c.resamples} "
             f"resamples, seed {c.seed}. Strict entity F1; has_value end to end.", "",
             "| | gold | F1 A | F1 B | B − A | 95 % CI | |", "|---|---|---|---|---|---|---|"]
    for r in c.rows:
        lines.append(f"| {r.name} | {r.support} | {r.f1_a:.3f} | {r.f1_b:.3f} | {r.diff:+.3f} | "
                     f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}] | {r.verdict} |")
    return "\n".join(lines) + "\n"


def write_comparison(comparison: Comparison, out_dir: Path | str) -> Path:
    """compare.json and compare.md in out_dir; returns the folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(comparison.as_dict(), ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    (out / "compare.md").write_text(comparison_markdown(comparison), encoding="utf-8")
    return out

