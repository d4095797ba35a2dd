"""Inference stage: Extractor API, number normalisation, linking, facts, batch extraction."""

from __future__ import annotations

from pathlib import Path


def load_predictor(model_dir: str | Path):
    """A callable text → Example for `minzheng annotate push --predictions MODEL_DIR` (pre-annotations)."""
    from training.predict import FigureModel

    model = FigureModel.from_pretrained(model_dir)
    model.model_version = Path(model_dir).name
    return model
