"""Train a complete model folder: NER fine-tuning, then the relation head on the frozen encoder.

The folder holds the `save_pretrained` files and tokenizer, `relation_head.pt` +
`relation_config.json`, `label_map.json`, `minzheng.json` (schema version,
window, data, linker), `training_args.json`, `train_log.jsonl`, `metrics.json`
and a README.md model card.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from transformers import TrainingArguments

from annotation.schema import SCHEMA_VERSION, Example
from evaluation.scoring import score_entities, score_relations
from training.align import ID2LABEL, LABEL2ID
from training.augment import augment, program_names
from training.constraints import pointer_mode
from training.ner import DataArguments, ModelArguments, train_ner, write_log
from training.pointer import pointer_items, targets_of, train_pointer
from training.predict import MODEL_INFO, FigureModel
from training.relations import make_pairs, train_relation_head
from training.splits import document_of, is_written

log = logging.getLogger(__name__)


def fit_relation_head(model: FigureModel, train: Sequence[Example], seed: int):
    """Relation head on gold entities of the training sentences, features from `model`'s encoder."""
    encoded = model.encode([e.text for e in train], hidden=True)
    batches = [make_pairs(e.text, e.spans, enc.hidden, enc.offsets) for e, enc in zip(train, encoded, strict=True)]
    return train_relation_head(batches, train, model.ner.config.hidden_size, seed=seed)


def fit_pointer(model: FigureModel, train: Sequence[Example], seed: int, copies: int = 0):
    """The program pointer on the gold figures of the training sentences (and `copies` program-swapped
    copies of each: the pointer should find a program by where it stands, not by its name)."""
    examples = list(train) + augment(train, copies, seed)
    encoded = model.encode([e.text for e in examples], hidden=True)
    items = []
    for example, enc in zip(examples, encoded, strict=True):
        found = pointer_items(example.text, enc.offsets, enc.hidden, enc.probs, example.spans)
        targets_of(example, enc.offsets, found)
        items += found
    return train_pointer(items, model.ner.config.hidden_size, model.ner.config.num_labels, seed=seed)


def with_gold_entities(model: FigureModel, gold: Sequence[Example]) -> list[Example]:
    """The linker's relations when given the gold entities (relation F1 'with gold entities')."""
    encoded = model.encode([e.text for e in gold])
    return [Example(e.id, e.text, e.spans, model.link(enc, e.spans)) for e, enc in zip(gold, encoded, strict=True)]


def dev_scores(model: FigureModel, dev: Sequence[Example]) -> dict:
    """Entity and relation scores of `model` on dev (clean) sentences, for each linker."""
    out: dict = {}
    for linker in ("model", "heuristic"):
        model.linker = linker
        pred = model.predict([e.text for e in dev], ids=[e.id for e in dev])
        entities = score_entities(zip(dev, pred, strict=True))
        out[linker] = {
            "entities": {label: prf.as_dict() for label, prf in entities.items()},
            "has_value_end_to_end": score_relations(zip(dev, pred, strict=True)).as_dict(),
            "has_value_gold_entities": score_relations(zip(dev, with_gold_entities(model, dev), strict=True)).as_dict(),
        }
    return out


def augment_names(paths: Sequence[str]) -> list[str]:
    """PROGRAM names (clean text) of the gold at `paths`, for augmentation only."""
    if not paths:
        return []
    from training.data import load_gold, to_clean_examples

    return program_names(to_clean_examples(load_gold(paths)))


def train_model(model_args: ModelArguments, data_args: DataArguments, train_args: TrainingArguments,
                train: Sequence[Example], dev: Sequence[Example]) -> tuple[Path, dict]:
    """Train and save a model folder to train_args.output_dir; returns (folder, dev metrics or {})."""
    started = time.perf_counter()
    weighted = [e for e in train for _ in range(1 if is_written(e) else max(data_args.real_weight, 1))]
    weighted += augment(train, data_args.augment, train_args.seed, augment_names(data_args.augment_names),
                        data_args.augment_novel)
    trainer = train_ner(model_args, train_args, weighted, dev)
    out = Path(train_args.output_dir)
    trainer.save_model(out)
    write_log(trainer, out / "train_log.jsonl")
    (out / MODEL_INFO).write_text(json.dumps({"max_length": model_args.max_length}) + "\n", encoding="utf-8")
    model = FigureModel.from_pretrained(out, linker="heuristic", constraints=model_args.constraints)
    head = fit_relation_head(model, train, train_args.seed)
    model.relation_head = head
    if pointer_mode(model_args.constraints):  # opt-in: it did not win the bake-off
        model.pointer = fit_pointer(model, train, train_args.seed, data_args.augment)
        model.pointer.save(out)
    metrics: dict = {}
    linker = model_args.linker
    if dev:
        metrics["dev"] = dev_scores(model, dev)
        if linker == "auto":
            f1 = {k: v["has_value_end_to_end"]["f1"] for k, v in metrics["dev"].items()}
            linker = max(f1, key=lambda k: (f1[k], k == "model"))
    if linker == "auto":
        linker = "model"
    head.config.linker = linker
    head.save(out)
    seconds = time.perf_counter() - started
    info = {
        "schema_version": SCHEMA_VERSION,
        "max_length": model_args.max_length,
        "base_model": model_args.base_model,
        "linker": linker,
        "constraints": model_args.constraints,
        "train_sentences": len(train),
        "train_documents": sorted({document_of(e) for e in train}),
        "dev_documents": sorted({document_of(e) for e in dev}),
        "training_seconds": round(seconds, 1),
    }
    (out / MODEL_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "label_map.json").write_text(json.dumps({"label2id": LABEL2ID, "id2label": ID2LABEL}, indent=2) + "\n",
                                        encoding="utf-8")
    arguments = {"model": asdict(model_args), "data": asdict(data_args), "training": train_args.to_dict()}
    (out / "training_args.json").write_text(json.dumps(arguments, ensure_ascii=False, indent=2, default=str) + "\n",
                                            encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for junk in out.glob("checkpoint-*"):
        _rmtree(junk)
    (out / "training_args.bin").unlink(missing_ok=True)
    log.info("model written to %s in %.0f s (linker: %s)", out, seconds, linker)
    return out, metrics


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
