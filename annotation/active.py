"""Active learning: which unannotated sentences should a person annotate next?

`uncertainty` scores a sentence by the model's tag distribution over its word-start
tokens (the tokens the tagger decides on; [CLS]/[SEP]/padding and continuation
pieces are left out). A sentence's score is the MEAN over those tokens of

* ``entropy``: -Σ p log p of the tag softmax, or
* ``margin``: 1 − (p1 − p2), one minus the gap between the two likeliest tags.

The mean (not the max) is used: one odd character (a stray digit) makes the max
high for many sentences, while the mean ranks sentences whose figures the model
is unsure of in general; it does favour short sentences with a doubtful figure over
long mostly-prose ones, which is what an annotator wants too (cheap to check).

`select_uncertain` takes the most uncertain sentences under a diversity guard: no
document gives more than its cap (``per_doc_cap``, else the smallest cap that can
still fill ``n``: ⌈n / documents⌉ when every document has that many sentences), and
exact duplicate texts are taken once. `select_random` is the baseline.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

STRATEGIES = ("entropy", "margin")
Row = dict[str, Any]


def token_uncertainty(probs: np.ndarray, strategy: str = "entropy") -> np.ndarray:
    """Per-token uncertainty of a (tokens × tags) probability matrix."""
    if strategy == "entropy":
        p = np.clip(probs, 1e-12, 1.0)
        return -(p * np.log(p)).sum(-1)
    if strategy == "margin":
        top2 = np.sort(probs, -1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")


def uncertainty(model, texts: Sequence[str], strategy: str = "entropy", batch_size: int = 32) -> list[float]:
    """Mean token uncertainty of each text under `model` (a training.predict.FigureModel).

    A text longer than the model's window is scored on its first window (sentences are
    ≤ 200 characters, the window is 200); an empty text scores 0.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
    clipped = [t[: model.window] for t in texts]
    scores = [0.0] * len(texts)
    todo = [i for i, t in enumerate(clipped) if t]
    for i, enc in zip(todo, model.encode([clipped[i] for i in todo], batch_size), strict=True):
        keep = [bool(w) and e > s for w, (s, e) in zip(enc.word_starts, enc.offsets, strict=True)]
        if any(keep):
            scores[i] = float(token_uncertainty(enc.probs[np.array(keep)], strategy).mean())
    return scores


def unique_texts(rows: Sequence[Row]) -> list[Row]:
    """The rows with each exact text once (first occurrence kept), empty texts dropped."""
    seen: set[str] = set()
    out = []
    for row in rows:
        text = row["text"]
        if text and text not in seen:
            seen.add(text)
            out.append(row)
    return out


def document_cap(sizes: Sequence[int], n: int) -> int:
    """The smallest per-document cap c with Σ min(c, size) ≥ n (or the largest size if none)."""
    if not sizes:
        return 0
    c = -(-n // len(sizes))  # ⌈n / documents⌉
    while sum(min(c, s) for s in sizes) < n and c < max(sizes):
        c += 1
    return c


def select_uncertain(model, rows: Sequence[Row], n: int, strategy: str = "entropy",
                     per_doc_cap: int | None = None) -> list[Row]:
    """The `n` most uncertain rows (dicts with "text" and "doc"), most uncertain first.

    Rows are taken in order of uncertainty, passing over a row whose document has
    reached its cap. Ties keep the input order.
    """
    if n <= 0:
        return []
    pool = unique_texts(rows)
    scores = uncertainty(model, [r["text"] for r in pool], strategy)
    return [{**pool[i], "uncertainty": round(scores[i], 6)} for i in take_capped(pool, scores, n, per_doc_cap)]


def take_capped(pool: Sequence[Row], scores: Sequence[float], n: int, per_doc_cap: int | None = None) -> list[int]:
    """Indices of the `n` highest-scoring rows, passing over a row whose document reached its cap
    (by default the smallest cap that can still fill n); ties keep the input order."""
    docs = [str(r.get("doc", "")) for r in pool]
    sizes: dict[str, int] = defaultdict(int)
    for d in docs:
        sizes[d] += 1
    cap = per_doc_cap if per_doc_cap is not None else document_cap(list(sizes.values()), n)
    taken: dict[str, int] = defaultdict(int)
    chosen: list[int] = []
    for i in sorted(range(len(pool)), key=lambda i: (-scores[i], i)):
        if len(chosen) == n:
            break
        if taken[docs[i]] < cap:
            taken[docs[i]] += 1
            chosen.append(i)
    return chosen


def select_random(rows: Sequence[Row], n: int, seed: int = 0) -> list[Row]:
    """`n` rows drawn uniformly (exact duplicate texts once); the same seed gives the same rows."""
    pool = unique_texts(rows)
    return random.Random(seed).sample(pool, min(max(n, 0), len(pool)))
