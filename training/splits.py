"""Splits by DOCUMENT, never by sentence: sentences of one report leak into each other.

Written sentences (meta source == "written") always go to training; scores are
reported on real sentences, and on written ones separately.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotation.schema import Example


def is_written(example: Example) -> bool:
    return example.meta.get("source") == "written"


def document_of(example: Example) -> str:
    doc = example.meta.get("doc")
    if not doc:
        raise ValueError(f"example {example.id}: no 'doc' in its meta, so it cannot be split by document")
    return str(doc)


@dataclass
class Split:
    name: str
    train: list[Example]
    dev: list[Example]  # real sentences of the held-out documents
    dev_written: list[Example] = field(default_factory=list)  # held-out written sentences (scored apart)

    @property
    def dev_docs(self) -> list[str]:
        return sorted({document_of(e) for e in self.dev})


def document_folds(examples: Sequence[Example], k: int, seed: int = 42, hold_written: bool = False) -> list[Split]:
    """K folds over the real documents (shuffled with `seed`, dealt round-robin).

    hold_written: also deal the written documents into the K folds and hold each
    fold's share out of its training, so written sentences get an honest score too.
    """
    real_docs = sorted({document_of(e) for e in examples if not is_written(e)})
    if not 2 <= k <= len(real_docs):
        raise ValueError(f"--folds {k}: need 2 ≤ K ≤ {len(real_docs)} (the number of real documents)")
    docs = real_docs[:]
    random.Random(seed).shuffle(docs)
    folds = [docs[i::k] for i in range(k)]
    splits = [split_by_documents(examples, held_out, name=f"fold{i}") for i, held_out in enumerate(folds)]
    if hold_written:
        written_docs = sorted({document_of(e) for e in examples if is_written(e)})
        random.Random(seed).shuffle(written_docs)
        for i, split in enumerate(splits):
            held = set(written_docs[i::k])
            split.dev_written = [e for e in split.train if is_written(e) and document_of(e) in held]
            split.train = [e for e in split.train if not (is_written(e) and document_of(e) in held)]
    return splits


def split_by_documents(examples: Sequence[Example], dev_docs: Sequence[str], name: str = "split") -> Split:
    """Real sentences of `dev_docs` → dev; everything else (written included) → train."""
    held = set(dev_docs)
    known = {document_of(e) for e in examples}
    if missing := held - known:
        raise ValueError(f"dev documents not in the data: {sorted(missing)}")
    train = [e for e in examples if is_written(e) or document_of(e) not in held]
    dev = [e for e in examples if not is_written(e) and document_of(e) in held]
    return Split(name, train, dev)
