"""Fast CPU paths against torch fp32, in one run: end-to-end extraction speed, entity and has_value F1.

Paths: torch fp32 (the reference), ONNX Runtime fp32 (`--runtime onnx`), ONNX Runtime int8
(`--quantize`: ONNX Runtime's own dynamic quantiser, per-channel int8 weights). Each path
(a) extracts the throughput benchmark's documents with `Extractor.pipe` — cleaning, features,
decoding, linking, facts all counted — best of --repeat passes, and (b) tags the gold sentences
(real and written, original text), scored strictly: entity micro F1 and has_value F1. A path
ships only if both F1 stay within 0.5 points of torch fp32. Target: int8 ≥ 2.5× torch fp32.

    python benchmarks/runtimes.py [--model models/default] [--sentences 1000] [--repeat 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import build_sentences  # noqa: E402

from evaluation.scoring import score_entities, score_relations  # noqa: E402
from inference.extractor import Extractor, default_model  # noqa: E402
from training.data import load_gold  # noqa: E402
from training.predict import predict_original  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"torch fp32": {"runtime": "torch"}, "onnx fp32": {"runtime": "onnx"},
         "onnx int8": {"runtime": "onnx", "quantize": True}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(default_model()))
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--per-doc", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes per path (the best is kept)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sentences = build_sentences(args.sentences)
    docs = ["\n".join(sentences[i : i + args.per_doc]) for i in range(0, len(sentences), args.per_doc)]
    gold = load_gold([ROOT / "annotation" / "gold"])
    results = {}
    for name, options in PATHS.items():
        extractor = Extractor.from_pretrained(args.model, batch_size=args.batch_size, **options)
        list(extractor.pipe(docs[:2]))  # warm-up (and the ONNX export / quantisation on first use)
        seconds = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            facts = sum(len(d.facts) for d in extractor.pipe(docs))
            seconds = min(seconds, time.perf_counter() - started)
        pred = predict_original(extractor.model, gold, args.batch_size)
        results[name] = {"seconds": seconds, "sentences_per_s": len(sentences) / seconds, "facts": facts,
                         "entity_f1": score_entities(zip(gold, pred, strict=True))["micro"].f1,
                         "has_value_f1": score_relations(zip(gold, pred, strict=True)).f1}
    base = results["torch fp32"]
    print(f"model {args.model}; {len(sentences)} sentences in {len(docs)} documents, best of {args.repeat}; "
          f"F1 on {len(gold)} gold sentences; torch threads {torch.get_num_threads()}")
    print(f"{'path':<11} {'seconds':>8} {'sent/s':>8} {'speed-up':>9} {'entity F1':>10} {'Δ pts':>7} "
          f"{'has_value F1':>13} {'Δ pts':>7}  ships")
    for name, r in results.items():
        r["speedup"] = base["seconds"] / r["seconds"]
        r["delta_entity_points"] = 100 * (r["entity_f1"] - base["entity_f1"])
        r["delta_has_value_points"] = 100 * (r["has_value_f1"] - base["has_value_f1"])
        r["ships"] = abs(r["delta_entity_points"]) <= 0.5 and abs(r["delta_has_value_points"]) <= 0.5
        print(f"{name:<11} {r['seconds']:>8.2f} {r['sentences_per_s']:>8.1f} {r['speedup']:>8.2f}× "
              f"{r['entity_f1']:>10.4f} {r['delta_entity_points']:>+7.2f} {r['has_value_f1']:>13.4f} "
              f"{r['delta_has_value_points']:>+7.2f}  {'yes' if r['ships'] else 'no'}")
    int8 = results["onnx int8"]["speedup"]
    print(f"int8 end to end: {int8:.2f}× torch fp32 (target ≥ 2.5×) — {'OK' if int8 >= 2.5 else 'BELOW TARGET'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
