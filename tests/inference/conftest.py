"""The shipped model, loaded once for the inference tests."""

from pathlib import Path

import pytest

from inference.extractor import Extractor

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    assert (DEFAULT_MODEL / "model.safetensors").is_file(), "models/default is part of the repository"
    return Extractor.from_pretrained(DEFAULT_MODEL)
