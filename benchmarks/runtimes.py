"""Fast CPU paths against torch fp32, in one run: throughput and entity F1 of each.

Paths: torch fp32 (the reference), torch with dynamic int8 quantisation of the
linear layers, ONNX Runtime fp32. Every path tags the same gold sentences (real
and written, clean text); entity F1 is strict micro F1 against the gold. A path
ships only if its F1 stays within 0.5 points of torch fp32.

    python benchmarks/runtimes.py [--model models/default] [--repeat 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from evaluation.scoring import score_entities
from training.data import load_gold, to_clean_examples
from training.predict import FigureModel

PATHS = {"torch fp32": {"runtime": "torch"}, "torch int8": {"runtime": "torch", "quantize": True},
         "onnx fp32": {"runtime": "onnx"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the gold sentences per path")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    gold = to_clean_examples(load_gold(["annotation/gold"]))
    texts = [e.text for e in gold]
    results = {}
    for name, options in PATHS.items():
        model = FigureModel.from_pretrained(args.model, **options)
        model.predict(texts[:64], args.batch_size)  # warm-up (and the ONNX export on first use)
        started = time.perf_counter()
        for _ in range(args.repeat):
            pred = model.predict(texts, args.batch_size, ids=[e.id for e in gold])
        seconds = time.perf_counter() - started
        f1 = score_entities(zip(gold, pred, strict=True))["micro"].f1
        results[name] = {"sentences_per_s": args.repeat * len(texts) / seconds, "entity_f1": f1}
    base = results["torch fp32"]
    print(f"model {args.model}; {len(texts)} gold sentences × {args.repeat}; torch threads {torch.get_num_threads()}")
    print(f"{'path':<12} {'sent/s':>9} {'speed-up':>9} {'entity F1':>10} {'ΔF1 (pts)':>10}  ships")
    for name, r in results.items():
        r["speedup"] = r["sentences_per_s"] / base["sentences_per_s"]
        r["delta_f1_points"] = 100 * (r["entity_f1"] - base["entity_f1"])
        r["ships"] = abs(r["delta_f1_points"]) <= 0.5
        print(f"{name:<12} {r['sentences_per_s']:>9.1f} {r['speedup']:>8.2f}× {r['entity_f1']:>10.4f} "
              f"{r['delta_f1_points']:>+10.2f}  {'yes' if r['ships'] else 'no'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
