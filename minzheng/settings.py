"""Shared settings: where the project keeps state, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """Folder for local state (Label Studio venv and data, caches). MINZHENG_STATE_DIR overrides."""
    path = Path(os.environ.get("MINZHENG_STATE_DIR", PROJECT_ROOT / ".state"))
    path.mkdir(parents=True, exist_ok=True)
    return path
