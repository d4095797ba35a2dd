"""A bake-off: the same K-fold cross-validation by document for several recipes, one table.

Each variant is the model's recipe (a YAML of training arguments) plus flags;
every variant is cross-validated on the same folds (fold models under
out/bakeoff/NAME, resumable) and scored like `minzheng evaluate --folds`: strict
entity F1 per label and has_value end to end, real and written sentences apart,
with the rule baseline. `python -m training.bakeoff --help`.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import time
from pathlib import Path

from training.crossval import cross_validate, cv_report
from training.data import load_gold
from training.ner import parse_arguments

LABEL_COLUMNS = ("PROGRAM", "COUNT", "AMOUNT", "PERCENT", "UNIT")


def row_of(name: str, results: dict, system: str, seconds: float | None) -> dict:
    strict = results[system]["entities"]["strict"]
    figures = (results[system].get("figures") or {}).get("strict", {}).get("f1")
    row = {"variant": name, "system": system}
    row |= {label: strict[label]["f1"] for label in LABEL_COLUMNS if label in strict}
    row |= {"micro": strict["micro"]["f1"], "figures": figures,
            "has_value": results[system]["relations"]["end_to_end"]["f1"],
            "has_value_gold": (results[system]["relations"].get("gold_entities") or {}).get("f1")}
    if seconds is not None:
        row["cv_seconds"] = round(seconds)
    return row


def markdown(rows: list[dict]) -> str:
    cols = ["variant", "system", *LABEL_COLUMNS, "figures", "micro", "has_value", "has_value_gold"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols)
                   + " |")
    return "\n".join(out) + "\n"


def collect_rows(out: Path, names: list[str] | None = None) -> list[dict]:
    """Table rows from the variants' report folders (out/NAME/report/PART/metrics.json), rules once per part."""
    rows: list[dict] = []
    folders = sorted(p.parents[2] for p in out.glob("*/report/*/metrics.json"))
    for folder in dict.fromkeys(folders):
        if names and folder.name not in names:
            continue
        info = json.loads((folder / "variant.json").read_text(encoding="utf-8")) if (folder / "variant.json").exists() else {}
        for part_dir in sorted((folder / "report").iterdir()):
            metrics = json.loads((part_dir / "metrics.json").read_text(encoding="utf-8"))["systems"]
            for system in metrics:
                if system == "rules" and any(r["system"] == "rules" and r["part"] == part_dir.name for r in rows):
                    continue
                name = "rules" if system == "rules" else folder.name
                rows.append(row_of(name, metrics, system, info.get("cv_seconds")) | {
                    "part": part_dir.name, "flags": info.get("flags", "")})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="training/configs/ner-default.yaml")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--out", default="out/bakeoff")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=FLAGS",
                        help="a name and its training flags, e.g. --variant 'lac=--lac true'; NAME@OTHER=FLAGS "
                        "re-decodes OTHER's fold models (decoding flags such as --constraints)")
    parser.add_argument("--table", help="Also write the table (markdown) of every variant under --out here.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = Path(args.out)
    for spec in args.variant:
        name, _, flag_text = spec.partition("=")
        name, _, models_of = name.partition("@")  # NAME@OTHER: decode OTHER's fold models with these flags
        flags = shlex.split(flag_text)
        model_args, data_args, train_args = parse_arguments(args.config, flags)
        gold = load_gold(data_args.gold)
        started = time.perf_counter()
        cv = cross_validate(model_args, data_args, train_args, gold, args.folds, out / (models_of or name))
        seconds = time.perf_counter() - started
        cv_report(cv, gold, out / name / "report", title=f"{args.folds}-fold CV — {name}")
        (out / name / "variant.json").write_text(json.dumps({"flags": flag_text, "cv_seconds": round(seconds),
                                                              "models_of": models_of or name}) + "\n",
                                                  encoding="utf-8")
    rows = collect_rows(out)
    for part in ("real", "written"):
        print(f"\n{part} sentences\n" + markdown([r for r in rows if r["part"] == part]))
    if args.table:
        Path(args.table).write_text("\n".join(f"### {part} sentences\n\n" + markdown(
            [r for r in rows if r["part"] == part]) for part in ("real", "written")), encoding="utf-8")


if __name__ == "__main__":
    main()
