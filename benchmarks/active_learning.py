"""Simulated active learning on the gold data: uncertainty sampling against random sampling.

Test set: the real sentences of document 004 plus a fixed 20 % of the written
documents (whole documents, seed 42). Pool: every other gold sentence, whose gold
annotation stands in for the annotator. Both strategies start from the same random
seed set; each round adds --step sentences chosen by the strategy (uncertain: the
current model's annotation.active.select_uncertain; random: select_random), retrains
a small model from the same freshly initialised base (2 layers, width 128) and
scores strict entity micro F1 on the test set.

    .venv/bin/python benchmarks/active_learning.py                      # the default run
    .venv/bin/python benchmarks/active_learning.py --rounds 1 --step 20 --seed-size 20 --epochs 1  # smoke

Writes annotation/active_learning.json and annotation/active_learning.png.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from transformers import TrainingArguments  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from annotation.active import select_random, select_uncertain  # noqa: E402
from evaluation.scoring import score_entities  # noqa: E402
from training.base import init_base  # noqa: E402
from training.data import load_gold, to_clean_examples  # noqa: E402
from training.ner import DataArguments, ModelArguments  # noqa: E402
from training.pipeline import train_model  # noqa: E402
from training.predict import FigureModel  # noqa: E402
from training.splits import document_of, is_written  # noqa: E402

SMALL_BASE = {"vocab": "gb2312", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
              "intermediate_size": 256, "max_position_embeddings": 256, "hidden_dropout_prob": 0.1,
              "attention_probs_dropout_prob": 0.1, "seed": 42}
TEST_REAL_DOC = "004"


def split(examples, seed: int = 42):
    """(pool, test): test = real sentences of document 004 + 20 % of the written documents."""
    written_docs = sorted({document_of(e) for e in examples if is_written(e)})
    held = set(random.Random(seed).sample(written_docs, round(0.2 * len(written_docs))))

    def in_test(e):
        doc = document_of(e)
        return doc in held if is_written(e) else doc.startswith(TEST_REAL_DOC)

    return [e for e in examples if not in_test(e)], [e for e in examples if in_test(e)], sorted(held)


def train_and_score(base: Path, train, test, out: Path, epochs: float):
    args = TrainingArguments(output_dir=str(out), use_cpu=True, num_train_epochs=epochs, learning_rate=5e-4,
                             per_device_train_batch_size=16, eval_strategy="no", save_strategy="no",
                             report_to=[], seed=42, train_sampling_strategy="group_by_length",
                             logging_strategy="no", disable_tqdm=True)
    folder, _ = train_model(ModelArguments(base_model=str(base), linker="heuristic"), DataArguments(), args,
                            train, [])
    model = FigureModel.from_pretrained(folder)
    pred = model.predict([e.text for e in test], ids=[e.id for e in test])
    return model, score_entities(zip(test, pred, strict=True))["micro"].f1


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, points in results.items():
        ax.plot([p["train_size"] for p in points], [p["f1"] for p in points], marker="o", label=name)
    ax.set_xlabel("training sentences")
    ax.set_ylabel("entity micro F1 (test)")
    ax.set_title("Active learning: uncertainty vs random sampling")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", nargs="+", default=[str(ROOT / "annotation" / "gold")])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--step", type=int, default=60)
    ap.add_argument("--seed-size", type=int, default=60)
    ap.add_argument("--epochs", type=float, default=8)
    ap.add_argument("--strategy", default="entropy", choices=["entropy", "margin"])
    ap.add_argument("--seed", type=int, default=0, help="Seed of the seed set and of random sampling.")
    ap.add_argument("--out", default=str(ROOT / "annotation" / "active_learning"),
                    help="Path stem of the .json and .png written.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    examples = to_clean_examples(load_gold(args.gold))
    pool, test, held = split(examples)
    rows = [{"id": e.id, "text": e.text, "doc": document_of(e)} for e in pool]
    by_id = {e.id: e for e in pool}
    print(f"pool {len(pool)} sentences, test {len(test)} (real {TEST_REAL_DOC} + written {', '.join(held)})")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="al-") as tmp:
        tmp = Path(tmp)
        cfg = tmp / "small.yaml"
        cfg.write_text(yaml.safe_dump(SMALL_BASE), encoding="utf-8")
        base = init_base(tmp / "base", cfg)
        seed_rows = select_random(rows, args.seed_size, args.seed)
        model0, f1 = train_and_score(base, [by_id[r["id"]] for r in seed_rows], test, tmp / "seed", args.epochs)
        results = {name: [{"round": 0, "train_size": len(seed_rows), "f1": f1}] for name in ("uncertain", "random")}
        print(f"round 0: {len(seed_rows)} sentences, F1 {f1:.3f} ({time.perf_counter() - started:.0f} s)")
        state = {name: (list(seed_rows), model0) for name in results}
        for r in range(1, args.rounds + 1):
            for name, (chosen, model) in state.items():
                have = {c["id"] for c in chosen}
                rest = [row for row in rows if row["id"] not in have]
                if name == "uncertain":
                    more = select_uncertain(model, rest, args.step, strategy=args.strategy)
                else:
                    more = select_random(rest, args.step, args.seed + r)
                chosen = chosen + more
                model, f1 = train_and_score(base, [by_id[c["id"]] for c in chosen], test, tmp / f"{name}{r}",
                                            args.epochs)
                state[name] = (chosen, model)
                results[name].append({"round": r, "train_size": len(chosen), "f1": f1})
                print(f"round {r} {name:9s}: {len(chosen)} sentences, F1 {f1:.3f} "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    print("\n| training sentences | " + " | ".join(results) + " |\n|---|" + "---|" * len(results))
    for i, point in enumerate(results["random"]):
        print(f"| {point['train_size']} | " + " | ".join(f"{results[n][i]['f1']:.3f}" for n in results) + " |")
    print(f"\n{seconds:.0f} s in all")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = {k: v for k, v in vars(args).items() if k not in ("gold", "out")}
    report = {"settings": settings, "base": SMALL_BASE, "pool": len(pool), "test": len(test),
              "test_documents": [f"{TEST_REAL_DOC}* (real)", *held], "seconds": round(seconds), "results": results}
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    plot(results, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
