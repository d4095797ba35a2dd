"""K-fold cross-validation by document, and the systems compared in every report.

Each fold trains a full model folder on the other documents (written sentences
of the held-out written documents stay out too) and predicts its held-out
sentences from their ORIGINAL text, as inference does; predictions of all folds
are pooled and scored once. The epoch count is fixed by the config: early
stopping on a held-out fold would tune on the test data.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transformers import TrainingArguments

from annotation.rules import RuleAnnotator, link_figures
from annotation.schema import Example
from evaluation.metrics import evaluate_examples
from training.constraints import pointer_mode
from training.data import to_clean_examples
from training.ner import DataArguments, ModelArguments
from training.pipeline import fit_pointer, train_model
from training.pointer import CONFIG_FILE as POINTER_CONFIG
from training.predict import MODEL_INFO, FigureModel, predict_original
from training.splits import document_folds, document_of, is_written

log = logging.getLogger(__name__)

#: The arguments that change a fold model's weights (training_args.json keys). Decoding arguments
#: (constraints, linker) are not among them: re-decoding the same fold models is what the bake-off does.
RECIPE_KEYS = {
    "model": ("base_model", "max_length", "features", "word_features", "lac"),
    "data": ("real_weight", "augment", "augment_names", "augment_novel"),
    "training": ("num_train_epochs", "max_steps", "learning_rate", "per_device_train_batch_size",
                 "gradient_accumulation_steps", "warmup_steps", "weight_decay", "lr_scheduler_type", "seed",
                 "train_sampling_strategy"),
}


#: Recipe keys added after fold folders were first trained, with the value a folder that does not record
#: them was trained with — the option's default, read from its dataclass: such a folder is still reused.
_UNRECORDED = {"augment_novel": DataArguments.augment_novel}

#: the systems every fold predicts: the relation head, and the same entities linked by the heuristic
LINKERS = {"model": "model", "model+heuristic-linker": "heuristic"}


@dataclass
class CrossValidation:
    """Pooled held-out predictions (original text) of every fold, per system.

    predictions[system] and gold_linked[system] (the system's links given the gold
    entities) hold real and written sentences alike; `cv_report` parts them.
    """

    predictions: dict[str, list[Example]] = field(default_factory=lambda: {k: [] for k in LINKERS})
    gold_linked: dict[str, list[Example]] = field(default_factory=lambda: {k: [] for k in LINKERS})
    folds: list[dict] = field(default_factory=list)


def cross_validate(model_args: ModelArguments, data_args: DataArguments, train_args: TrainingArguments,
                   examples: Sequence[Example], k: int, work_dir: Path, resume: bool = True) -> CrossValidation:
    """examples: gold with ORIGINAL text; trains K folders under work_dir/foldI.

    resume: a fold folder that is already complete (minzheng.json written last) and was
    trained on this fold's training sentences is reused, so an interrupted run, or a
    re-scoring, does not retrain it; a fold of an older gold set is retrained.
    """
    clean = {e.id: e for e in to_clean_examples(examples)}
    result = CrossValidation()
    for i, split in enumerate(document_folds(list(clean.values()), k, fold_seed(data_args, train_args),
                                             hold_written=True)):
        folder = work_dir / split.name
        log.info("fold %d/%d: held out %s", i + 1, k, ", ".join(split.dev_docs))
        if resume and _complete_for(folder, split.train, recipe(model_args, data_args, train_args)):
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            if pointer_mode(model_args.constraints) and not (folder / POINTER_CONFIG).exists():  # re-decoding folds trained without it
                model = FigureModel.from_pretrained(folder, linker="heuristic", constraints=[])
                fit_pointer(model, split.train, train_args.seed, data_args.augment).save(folder)
        else:
            args = copy.deepcopy(train_args)
            args.output_dir = str(folder)
            folder, metrics = train_model(model_args, data_args, args, split.train, split.dev)
        held_ids = {e.id for e in split.dev} | {e.id for e in split.dev_written}
        held = [e for e in examples if e.id in held_ids]
        for system, linker in LINKERS.items():
            model = FigureModel.from_pretrained(folder, linker=linker, constraints=model_args.constraints)
            result.predictions[system] += predict_original(model, held)
            encoded = model.encode([clean[e.id].text for e in held])  # gold spans keep their ids in clean text
            result.gold_linked[system] += [Example(e.id, e.text, e.spans, model.link(enc, clean[e.id].spans),
                                                   dict(e.meta)) for e, enc in zip(held, encoded, strict=True)]
        result.folds.append({"fold": split.name, "dev_documents": split.dev_docs,
                             "written_documents": sorted({e.meta["doc"] for e in split.dev_written}),
                             "dev": metrics.get("dev", {})})
    return result


def fold_seed(data_args: DataArguments, train_args: TrainingArguments) -> int:
    """The seed of the document folds: --fold_seed, else the training seed (so a seed comparison can keep
    its folds while the weights' seed changes)."""
    return train_args.seed if data_args.fold_seed is None else data_args.fold_seed


def recipe(model_args: ModelArguments, data_args: DataArguments, train_args: TrainingArguments) -> dict:
    """The RECIPE_KEYS of these arguments, shaped like a model folder's training_args.json."""
    parts = {"model": vars(model_args), "data": vars(data_args), "training": train_args.to_dict()}
    return {part: {key: parts[part].get(key) for key in keys} for part, keys in RECIPE_KEYS.items()}


def _complete_for(folder: Path, train: Sequence[Example], wanted: dict | None = None) -> bool:
    """Whether `folder` is a finished fold model trained on exactly these sentences' documents and count
    and, when `wanted` (a `recipe`) is given, by that recipe: a fold trained before the gold grew, or
    before the recipe changed (more epochs, another base, word features), is retrained, not reused."""
    if not ((folder / "metrics.json").exists() and (folder / "relation_config.json").exists()):
        return False
    info = json.loads((folder / MODEL_INFO).read_text(encoding="utf-8")) if (folder / MODEL_INFO).exists() else {}
    if not (info.get("train_sentences") == len(train)
            and info.get("train_documents") == sorted({document_of(e) for e in train})):
        log.warning("%s was trained on other sentences than this fold's (the gold changed): retraining it", folder)
        return False
    if wanted is not None:
        path = folder / "training_args.json"
        if not path.exists():
            log.warning("%s does not say how it was trained (no training_args.json): retraining it", folder)
            return False
        saved = json.loads(path.read_text(encoding="utf-8"))
        was = {(part, key): saved.get(part, {}).get(key, _UNRECORDED.get(key, "(not recorded)"))
               for part, keys in wanted.items() for key in keys}
        changed = [f"{part}.{key}: {was[part, key]!r} -> {value!r}" for part, values in wanted.items()
                   for key, value in values.items() if was[part, key] != value]
        if changed:
            log.warning("%s was trained by another recipe (%s): retraining it", folder, "; ".join(changed))
            return False
    return True


def rule_predictions(gold: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """The rule baseline: its own entities and links, and its linker on the gold entities."""
    rules = RuleAnnotator()
    own = [rules.annotate(e) for e in gold]
    linked = [Example(e.id, e.text, e.spans, link_figures(e.text, e.spans), dict(e.meta)) for e in gold]
    return own, linked


def score_systems(gold: Sequence[Example], systems: dict[str, tuple[Sequence[Example], Sequence[Example] | None]],
                  normalize: Callable | None = None) -> dict[str, dict]:
    """evaluate_examples for each named system: (predictions, predictions given the gold entities)."""
    return {name: evaluate_examples(list(gold), list(pred), gold_entity_pred=None if linked is None else list(linked),
                                    normalize=normalize)
            for name, (pred, linked) in systems.items()}


def write_predictions(path: Path, examples: Sequence[Example]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")


def read_predictions(path: Path) -> list[Example]:
    out = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
                if line.strip():
                    out.append(Example.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as err:  # UnicodeDecodeError is a ValueError
                raise ValueError(f"{path}:{n}: not a prediction record ({err})") from err
    return out


def cv_report(cv: CrossValidation, gold: Sequence[Example], out_dir: Path, *, title: str,
              normalize: Callable | None = None, meta: dict | None = None) -> dict[str, dict]:
    """Score the pooled fold predictions and the rule baseline on real and written sentences; write reports.

    Returns {"real": {system: results}, "written": {...}}; out_dir gets one report folder per part.
    """
    from evaluation.report import write_report

    out: dict[str, dict] = {}
    for part, wanted in (("real", False), ("written", True)):
        part_gold = [e for e in gold if is_written(e) == wanted]
        ids = {e.id for e in cv.predictions["model"]} & {e.id for e in part_gold}
        if not ids:
            continue
        part_gold = [e for e in part_gold if e.id in ids]
        systems = {name: ([p for p in cv.predictions[name] if p.id in ids],
                          [p for p in cv.gold_linked[name] if p.id in ids]) for name in cv.predictions}
        systems["rules"] = rule_predictions(part_gold)
        results = score_systems(part_gold, systems, normalize)
        write_report(out_dir / part, results, title=f"{title} — {part} sentences",
                     meta=(meta or {}) | {"folds": len(cv.folds), "sentences": len(part_gold)})
        write_predictions(out_dir / part / "predictions.jsonl", systems["model"][0])
        out[part] = results
    return out


def best_linker(cross_validation: dict[str, dict], tolerance: float = 0.005) -> str:
    """The linker with the higher pooled has_value end-to-end F1 on real sentences.

    Within `tolerance` the end-to-end scores are a tie (one relation on the real
    sentences moves them more), and the linker that is better on the gold entities
    wins (then the model)."""
    real = cross_validation["real"]
    e2e = {linker: real[system]["relations"]["end_to_end"]["f1"] for system, linker in LINKERS.items()}
    gold = {linker: (real[system]["relations"].get("gold_entities") or {}).get("f1", 0.0)
            for system, linker in LINKERS.items()}
    top = max(e2e.values())
    tied = [linker for linker in e2e if e2e[linker] >= top - tolerance]
    return max(tied, key=lambda k: (gold[k], k == "model"))
