"""`minzheng evaluate`: run a model (or read any system's predictions), score against gold, write reports.

Scores are always given for real sentences and, apart, for written ones; the
rule baseline is scored on the same sentences and shown beside the system.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from annotation.schema import UNIT, Example, Span
from evaluation.report import write_report
from inference.normalize import NormalizationError, normalize_figure
from training.crossval import read_predictions, rule_predictions, score_systems, write_predictions
from training.splits import is_written


def figure_value(example: Example, span: Span):
    """(value, low, high, unit) of a figure span as inference normalises it; None if it cannot."""
    unit = next((s for s in example.spans if s.label == UNIT and s.start == span.end), None)
    try:
        v = normalize_figure(example.span_text(span), span.label,
                             unit=example.span_text(unit) if unit else None,
                             before=example.text[max(0, span.start - 4) : span.start])
    except (NormalizationError, ValueError, ArithmeticError):
        return None
    return (v.value, v.low, v.high, v.unit)


def parts(gold: Sequence[Example]) -> dict[str, list[Example]]:
    out = {"real": [e for e in gold if not is_written(e)], "written": [e for e in gold if is_written(e)]}
    return {k: v for k, v in out.items() if v}


def evaluate_predictions(gold: Sequence[Example], predictions: dict[str, tuple[list[Example], list[Example] | None]],
                         out_dir: Path, title: str, meta: dict | None = None) -> dict[str, dict]:
    """Score each part (real, written) for the given systems plus the rule baseline; write one report a part."""
    results: dict[str, dict] = {}
    for part, part_gold in parts(gold).items():
        ids = {e.id for e in part_gold}
        systems = {}
        for name, (pred, linked) in predictions.items():
            pred_part = [p for p in pred if p.id in ids]
            if not pred_part:
                continue
            systems[name] = (pred_part, None if linked is None else [p for p in linked if p.id in ids])
        if not systems:
            continue
        systems["rules"] = rule_predictions(part_gold)
        results[part] = score_systems(part_gold, systems, normalize=figure_value)
        write_report(out_dir / part, results[part], title=f"{title} — {part} sentences",
                     meta=(meta or {}) | {"sentences": len(part_gold)})
        for name, (pred, _) in systems.items():
            if name != "rules":
                write_predictions(out_dir / part / f"predictions-{name}.jsonl", pred)
    return results


def training_overlap(model_dir: Path, gold: Sequence[Example]) -> str | None:
    """A warning when gold documents were among the model's training documents (minzheng.json lists them):
    scores on its own training data say how well it fits, not how well it generalises."""
    info_path = Path(model_dir) / "minzheng.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    seen = set(info.get("train_documents", []))
    docs = {str(e.meta.get("doc")) for e in gold}
    overlap = sorted(docs & seen)
    if not overlap:
        return None
    return (f"WARNING: {len(overlap)} of {len(docs)} evaluated documents were in the model's training data "
            "(fit, not generalisation; use --folds K for held-out scores)")


def evaluate_model(model_dir: Path, gold: Sequence[Example], out_dir: Path) -> dict[str, dict]:
    from training.data import to_clean_examples
    from training.predict import FigureModel, predict_original

    model = FigureModel.from_pretrained(model_dir)
    pred = predict_original(model, gold)
    clean = to_clean_examples(gold)
    encoded = model.encode([c.text for c in clean])
    linked = [Example(g.id, g.text, g.spans, model.link(enc, c.spans), dict(g.meta))
              for g, c, enc in zip(gold, clean, encoded, strict=True)]
    warning = training_overlap(model_dir, gold)
    title = f"Evaluation of {model_dir}" + (f" — {warning}" if warning else "")
    return evaluate_predictions(gold, {"model": (pred, linked)}, out_dir, title,
                                {"model": str(model_dir), "linker": model.linker})


def load_predictions(path: Path) -> list[Example]:
    return read_predictions(path)


def training_arguments(model_dir: Path):
    """The (ModelArguments, DataArguments, TrainingArguments) a model folder was trained with."""
    from transformers import HfArgumentParser, TrainingArguments

    from training.ner import DataArguments, ModelArguments

    saved = json.loads((model_dir / "training_args.json").read_text(encoding="utf-8"))
    model_args = ModelArguments(**saved["model"])
    data_args = DataArguments(**saved["data"])
    keep = {k: v for k, v in saved["training"].items() if not k.startswith("_") and v is not None}
    (train_args,) = HfArgumentParser(TrainingArguments).parse_dict(keep, allow_extra_keys=True)
    return model_args, data_args, train_args
