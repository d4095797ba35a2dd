"""Shared fixtures for the corpus-stage tests: the four real reports, read and processed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.build import process_document
from corpus.readers import read_document

RAW = Path(__file__).resolve().parents[2] / "corpus" / "raw"
REPORTS = sorted(p.name for p in RAW.glob("*.txt"))


@pytest.fixture(scope="session")
def processed() -> dict[str, tuple]:
    """name → (RawDocument, CleanDocument, sentences) for every report in corpus/raw."""
    out = {}
    for name in REPORTS:
        doc = read_document(RAW / name)
        clean, sentences = process_document(doc)
        out[name] = (doc, clean, sentences)
    return out
