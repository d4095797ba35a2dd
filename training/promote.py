"""Compare two model folders on the same held-out documents, and promote one to models/default.

Held-out documents are the gold documents that NEITHER model was trained on (each folder's
minzheng.json lists its ``train_documents``), unless they are named. Scores on a model's
own training documents say how well it fits them, not how well it generalises, and a
comparison where one model has seen the documents and the other has not favours the
first: so the default is the documents both have not seen.

`promote` refuses
* a candidate trained on another annotation schema version (minzheng.json
  ``schema_version`` ≠ annotation.schema.SCHEMA_VERSION) — never overridable;
* a candidate whose held-out micro F1 is lower than the current model's on the same
  held-out documents, or when no document is held out from both (``force`` overrides);
and copies the folder atomically: into a temporary sibling folder first, then renamed
into place (the old folder is renamed away first and removed at the end).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from annotation.schema import SCHEMA_VERSION, Example
from evaluation.compare import MICRO, Comparison, compare_predictions
from training.folder import check_model_folder
from training.predict import MODEL_INFO, FigureModel, predict_original
from training.splits import document_of

DEFAULT_MODEL = Path("models/default")
PROMOTION_FILE = "promotion.json"

Log = Callable[[str], None]


class PromoteError(ValueError):
    """The model cannot be compared or promoted; the message says why, with the numbers."""


def model_info(folder: Path | str) -> dict:
    """The folder's minzheng.json (after the model-folder checks)."""
    try:
        return check_model_folder(folder)
    except ValueError as exc:  # ModelFolderError: a broken folder, or a schema of another major version
        raise PromoteError(str(exc)) from exc


def held_out_documents(gold: Sequence[Example], *infos: dict) -> list[str]:
    """Gold documents in no model's training documents."""
    seen = set().union(*(set(info.get("train_documents", [])) for info in infos)) if infos else set()
    return sorted({document_of(e) for e in gold} - seen)


def compare_models(model_a: Path | str, model_b: Path | str, gold: Sequence[Example],
                   docs: Sequence[str] | None = None, resamples: int = 1000, seed: int = 0) -> Comparison:
    """A (e.g. models/default) and B (a candidate) on the same held-out gold sentences."""
    info_a, info_b = model_info(model_a), model_info(model_b)
    known = {document_of(e) for e in gold}
    if docs:
        missing = sorted(set(docs) - known)
        if missing:
            raise PromoteError(f"documents not in the gold data: {', '.join(missing)}")
        held = sorted(set(docs))
    else:
        held = held_out_documents(gold, info_a, info_b)
    if not held:
        raise PromoteError(
            f"no gold document is held out from both models ({Path(model_a)} was trained on "
            f"{len(info_a.get('train_documents', []))} documents, {Path(model_b)} on "
            f"{len(info_b.get('train_documents', []))}; the gold has {len(known)}): train the candidate with "
            "--dev_docs DOC, or name documents with --docs (scores on training documents measure fit)")
    sentences = [e for e in gold if document_of(e) in set(held)]
    preds = []
    for folder in (model_a, model_b):
        model = FigureModel.from_pretrained(folder)
        preds.append(predict_original(model, sentences))
    return compare_predictions(sentences, preds[0], preds[1], name_a=str(model_a), name_b=str(model_b),
                               resamples=resamples, seed=seed)


@dataclass
class PromoteResult:
    to: Path
    comparison: Comparison | None  # None when there was no current model to compare with
    forced: bool = False


def check_schema(folder: Path | str, info: dict) -> None:
    version = info.get("schema_version")
    if version != SCHEMA_VERSION:
        raise PromoteError(
            f"{folder}: trained on annotation schema {version!r} ({MODEL_INFO} schema_version), this "
            f"minzheng's schema is {SCHEMA_VERSION!r}: retrain it on the current gold data; it cannot be promoted")


def promote(candidate: Path | str, gold: Sequence[Example], to: Path | str = DEFAULT_MODEL,
            docs: Sequence[str] | None = None, force: bool = False, resamples: int = 1000, seed: int = 0,
            log: Log = print) -> PromoteResult:
    """Copy `candidate` to `to` (atomically) if it is on this schema and no worse than the model there."""
    candidate, to = Path(candidate), Path(to)
    info = model_info(candidate)
    check_schema(candidate, info)
    if to.exists() and candidate.resolve() == to.resolve():
        raise PromoteError(f"{candidate} is already {to}")
    comparison = None
    forced = False
    if to.exists():
        try:
            comparison = compare_models(to, candidate, gold, docs, resamples, seed)
        except PromoteError as exc:
            if not force:
                raise PromoteError(f"cannot compare {candidate} with {to}: {exc}. --force promotes without "
                                   "a comparison") from exc
            log(f"warning: promoting without a comparison ({exc})")
            forced = True
        if comparison is not None:
            micro = comparison.row(MICRO)
            numbers = (f"held-out micro F1 {micro.f1_b:.3f} for {candidate} against {micro.f1_a:.3f} for {to} "
                       f"({micro.diff:+.3f}, 95 % CI [{micro.ci_low:+.3f}, {micro.ci_high:+.3f}]) on "
                       f"{comparison.sentences} sentences of {len(comparison.documents)} documents "
                       f"({', '.join(comparison.documents)})")
            if micro.f1_b < micro.f1_a:
                if not force:
                    raise PromoteError(f"{candidate} is worse than {to}: {numbers}. Not promoted (--force "
                                       "overrides)")
                log(f"warning: promoting a worse model (--force): {numbers}")
                forced = True
            else:
                log(f"{candidate} is no worse than {to}: {numbers}")
    copy_atomically(candidate, to, {
        "promoted_from": str(candidate), "promoted_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "schema_version": SCHEMA_VERSION, "forced": forced,
        "comparison": comparison.as_dict() if comparison is not None else None,
    })
    log(f"promoted {candidate} to {to}")
    return PromoteResult(to, comparison, forced)


def copy_atomically(source: Path, to: Path, record: dict) -> None:
    """Copy the folder next to `to` under a temporary name, then rename it into place."""
    to.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = to.parent / f".{to.name}.promote-{tag}"
    old = to.parent / f".{to.name}.old-{tag}"
    try:
        shutil.copytree(source, tmp, ignore=shutil.ignore_patterns("checkpoint-*"))
        (tmp / PROMOTION_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
        if to.exists():
            to.rename(old)
        tmp.rename(to)
    except BaseException:
        if not to.exists() and old.exists():
            old.rename(to)  # put the current model back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
