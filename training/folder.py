"""Check a model folder before loading it: every problem named by folder, file and what is wrong.

Loading a broken folder used to end deep in transformers or torch (a 40-line traceback for a
mistyped --model). `check_model_folder` looks at what the folder must hold, cheaply (JSON files,
the safetensors header, the small relation head and program pointer), and raises ModelFolderError
with one line a user can act on. Files that training writes late (minzheng.json's schema_version, label_map.json,
the relation head) are checked when present: `train_model` loads its folder before writing them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotation.schema import SCHEMA_VERSION
from training.align import LABEL2ID

MODEL_INFO = "minzheng.json"  # = training.predict.MODEL_INFO (predict imports this module)
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
TOKENIZER = ("tokenizer.json", "vocab.txt")


class ModelFolderError(ValueError):
    """A model folder that cannot be used; the message names the folder, the file and the problem."""


def _fail(folder: Path, file: str | None, problem: str) -> ModelFolderError:
    return ModelFolderError(f"model folder {folder}: {file + ': ' if file else ''}{problem}")


def _read_json(folder: Path, name: str) -> Any:
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise _fail(folder, name, f"not valid JSON ({err})") from None
    except OSError as err:
        raise _fail(folder, name, f"cannot be read ({err.strerror or err})") from None


def _major(version: Any) -> int | None:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


def _check_weights(folder: Path) -> None:
    name = next((w for w in WEIGHTS if (folder / w).is_file()), None)
    if name is None:
        raise _fail(folder, None, f"no weights ({' or '.join(WEIGHTS)})")
    try:
        if name.endswith(".safetensors"):
            from safetensors import safe_open

            with safe_open(str(folder / name), "pt") as fh:  # reads the header; a truncated file fails here
                if not list(fh.keys()):
                    raise ValueError("no tensors in it")
        else:
            import torch

            torch.load(folder / name, map_location="cpu", weights_only=True, mmap=True)
    except Exception as err:  # safetensors and torch raise their own types; all mean "unusable"
        raise _fail(folder, name, f"cannot be loaded, truncated or corrupt? ({str(err)[:200]})") from None


def _check_saved_head(folder: Path, config_file: str, weights_file: str) -> None:
    """A head saved beside its config (training.relations.SavedHead): both files there, both readable."""
    if not (folder / config_file).exists():
        return  # no such head: no relation head means the heuristic linker, no pointer means none asked for
    _read_json(folder, config_file)
    if not (folder / weights_file).is_file():
        raise _fail(folder, weights_file, f"missing, but {config_file} is there (copy both, or neither)")
    import torch

    try:
        torch.load(folder / weights_file, map_location="cpu", weights_only=True)
    except Exception as err:  # see _check_weights
        raise _fail(folder, weights_file, f"cannot be loaded, truncated or corrupt? ({str(err)[:200]})") from None


def check_model_folder(path: str | Path) -> dict[str, Any]:
    """The parsed minzheng.json ({} when the folder has none yet), or ModelFolderError."""
    folder = Path(path)
    if not folder.exists():
        raise _fail(folder, None, "no such folder")
    if not folder.is_dir():
        raise _fail(folder, None, "not a folder")
    if not (folder / "config.json").is_file():
        raise _fail(folder, "config.json", "missing: not a model folder")
    if not isinstance(_read_json(folder, "config.json"), dict):
        raise _fail(folder, "config.json", "not a JSON object")
    if not any((folder / t).is_file() for t in TOKENIZER):
        raise _fail(folder, None, f"no tokenizer ({' or '.join(TOKENIZER)})")
    if (folder / "tokenizer.json").is_file():
        _read_json(folder, "tokenizer.json")
    info: dict[str, Any] = {}
    if (folder / MODEL_INFO).exists():
        info = _read_json(folder, MODEL_INFO)
        if not isinstance(info, dict):
            raise _fail(folder, MODEL_INFO, "not a JSON object")
    if "schema_version" in info and _major(info["schema_version"]) != _major(SCHEMA_VERSION):
        raise _fail(folder, MODEL_INFO, f"schema_version {info['schema_version']!r} does not match this "
                                        f"minzheng's annotation schema {SCHEMA_VERSION} (retrain the model)")
    if (folder / "label_map.json").exists():
        label_map = _read_json(folder, "label_map.json")
        found = label_map.get("label2id") if isinstance(label_map, dict) else None
        if found != LABEL2ID:
            raise _fail(folder, "label_map.json", f"label2id {found!r} differs from this minzheng's tags "
                                                  f"{LABEL2ID!r} (the model was trained for other labels)")
    _check_weights(folder)
    from training.pointer import ProgramPointer
    from training.relations import RelationHead

    for head in (RelationHead, ProgramPointer):
        _check_saved_head(folder, head.config_file, head.weights_file)
    return info
