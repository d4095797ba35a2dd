"""Throughput: minzheng's Extractor.pipe against a transformers token-classification pipeline, and FLOP/s.

Builds --sentences sentences by cycling a shuffled pool of the gold sentences and the corpus/raw
sentences (both cut by corpus.build.segment_text, so none exceeds the model window), then in ONE run:

(a) minzheng: Extractor.pipe over documents of --per-doc sentences joined by line breaks — cleaning,
    segmentation, features, tagging, linking, facts and checks all included;
(b) baseline: pipeline("token-classification", aggregation_strategy="simple", device=-1) on the same
    sentences, one call, same batch size, with the model class itself (BertForFigureTagging.from_pretrained:
    every weight — BERT, the LAC branch, the classifier — runs; the pipeline passes no feature ids, so only
    the feature embeddings sit idle). It does LESS work than minzheng (no features, no relation linking, no
    facts), so the ratio is conservative. Target: ratio ≥ 3×;
(c) the machine's fp32 matmul FLOP/s (1024×1024 matmuls for ~2 s) and the model's achieved FLOP/s
    during (a), summed over the padded batch shapes the encoder actually received:
    2 × non-embedding parameters × tokens + 2·2·layers·hidden·length² per sequence (QKᵀ and AV).
    Target: ≥ 50 % of the peak over the whole run;
(d) time outside the encoder: the share of (a)'s wall time not spent in the model's forward. Target ≤ 20 %.

Usage: .venv/bin/python benchmarks/throughput.py [--model DIR] [--sentences 2000] [--batch-size 32] [--json OUT]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from pathlib import Path

import torch
from transformers.utils import logging as transformers_logging

from corpus.build import segment_text
from corpus.readers import read_document
from inference.extractor import Extractor, default_model
from training.base import load_tokenizer
from training.data import load_gold

ROOT = Path(__file__).resolve().parent.parent


def build_sentences(n: int) -> list[str]:
    pool = [s.text for e in load_gold([ROOT / "annotation" / "gold"]) for s in segment_text(e.text)]
    for path in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
        pool += [s.text for s in segment_text(read_document(path).text, name=path.name)]
    random.Random(0).shuffle(pool)
    return list(itertools.islice(itertools.cycle(pool), n))


def measure(model: torch.nn.Module, work) -> tuple[object, dict]:
    """Runs work(); records the (batch, length) of each forward call of `model` and the seconds inside it."""
    shapes, inside, t0 = [], [0.0], [0.0]

    def pre(module, args, kwargs):
        shapes.append(tuple((kwargs["input_ids"] if "input_ids" in kwargs else args[0]).shape))
        t0[0] = time.perf_counter()

    def post(*_):
        inside[0] += time.perf_counter() - t0[0]

    hooks = [model.register_forward_pre_hook(pre, with_kwargs=True), model.register_forward_hook(post)]
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    for h in hooks:
        h.remove()
    cfg = model.config
    dense = sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)
    attention = 2 * 2 * cfg.num_hidden_layers * cfg.hidden_size  # QKᵀ and AV, per layer, per length²
    flops = float(sum(2 * dense * b * t + attention * b * t * t for b, t in shapes))
    return result, {"seconds": seconds, "batches": len(shapes), "encoder_seconds": inside[0],
                    "padded_tokens": sum(b * t for b, t in shapes), "model_flops": flops}


def matmul_peak(seconds: float = 2.0, n: int = 1024) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        a @ b
        count += 1
    return 2 * n**3 * count / elapsed


def run_minzheng(model_dir: str, sentences: list[str], batch_size: int, per_doc: int) -> dict:
    extractor = Extractor.from_pretrained(model_dir, batch_size=batch_size)
    docs = ["\n".join(sentences[i : i + per_doc]) for i in range(0, len(sentences), per_doc)]
    list(extractor.pipe(docs[:1]))  # warm-up
    out, stats = measure(extractor.model.ner, lambda: list(extractor.pipe(docs, batch_size=batch_size)))
    return stats | {"documents": len(docs), "segments": sum(len(d.sentences) for d in out),
                    "entities": sum(len(d.entities) for d in out), "facts": sum(len(d.facts) for d in out)}


def run_pipeline(model_dir: str, sentences: list[str], batch_size: int) -> dict:
    from transformers import pipeline

    from training.model import BertForFigureTagging

    # The model class itself, so that every weight runs (BERT, the LAC branch, the classifier); the pipeline
    # passes no feature ids, so only the feature embeddings sit idle.
    model, info = BertForFigureTagging.from_pretrained(model_dir, output_loading_info=True)
    clf = pipeline("token-classification", model=model.eval(), tokenizer=load_tokenizer(model_dir),
                   aggregation_strategy="simple", device=-1)
    clf(sentences[:batch_size], batch_size=batch_size)  # warm-up
    out, stats = measure(model, lambda: clf(sentences, batch_size=batch_size))
    return stats | {"entities": sum(map(len, out)), "missing_keys": sorted(info["missing_keys"]),
                    "dropped_keys": sorted(info["unexpected_keys"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(default_model()))
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--per-doc", type=int, default=20, help="sentences per minzheng document")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    transformers_logging.set_verbosity(transformers_logging.CRITICAL)  # "not supported for token-classification"
    transformers_logging.disable_progress_bar()
    sentences = build_sentences(args.sentences)
    chars = sum(map(len, sentences))
    ours = run_minzheng(args.model, sentences, args.batch_size, args.per_doc)
    base = run_pipeline(args.model, sentences, args.batch_size)
    peak = matmul_peak()
    for r in (ours, base):
        r |= {"sentences": len(sentences), "characters": chars, "sentences_per_s": len(sentences) / r["seconds"],
              "chars_per_s": chars / r["seconds"], "model_flops_per_s": r["model_flops"] / r["seconds"]}
    ratio = ours["sentences_per_s"] / base["sentences_per_s"]
    print(f"model {args.model}; batch size {args.batch_size}; torch threads {torch.get_num_threads()}")
    print(f"{'':22}{'sentences':>10}{'seconds':>10}{'sentences/s':>13}{'chars/s':>11}")
    for name, r in (("minzheng", ours), ("pipeline (baseline)", base)):
        print(f"{name:22}{r['sentences']:>10}{r['seconds']:>10.2f}{r['sentences_per_s']:>13.1f}"
              f"{r['chars_per_s']:>11.0f}")
    outside = 1 - ours["encoder_seconds"] / ours["seconds"]
    share = ours["model_flops_per_s"] / peak
    print(f"ratio minzheng/pipeline: {ratio:.2f}× (target ≥ 3×) — {'OK' if ratio >= 3 else 'BELOW TARGET'}")
    print(f"minzheng: {ours['documents']} documents ({args.per_doc} sentences each) → {ours['segments']} "
          f"segments, {ours['entities']} entities, {ours['facts']} facts; encoder {ours['encoder_seconds']:.2f} s "
          f"of {ours['seconds']:.2f} s: {100 * outside:.1f}% outside the encoder (target ≤ 20%) — "
          f"{'OK' if outside <= 0.2 else 'ABOVE TARGET'}")
    print(f"baseline: the same model class and weights in the pipeline (not loaded: "
          f"{', '.join(base['dropped_keys']) or 'nothing'}; missing: {', '.join(base['missing_keys']) or 'nothing'}); "
          f"{base['entities']} entity groups; encoder {base['encoder_seconds']:.2f} s of {base['seconds']:.2f} s.\n"
          "  It does LESS work than minzheng (no features, no relation linking, no facts): the ratio is conservative.")
    print(f"FLOP/s: fp32 matmul peak (1024², {torch.get_num_threads()} threads) {peak / 1e9:.1f} GFLOP/s")
    for name, r in (("minzheng", ours), ("baseline", base)):
        print(f"  {name:9} model {r['model_flops'] / 1e9:.1f} GFLOP over {r['batches']} batches "
              f"({r['padded_tokens']} padded tokens): {r['model_flops_per_s'] / 1e9:.2f} GFLOP/s = "
              f"{100 * r['model_flops_per_s'] / peak:.1f}% of peak ({100 * r['model_flops'] / r['encoder_seconds'] / peak:.1f}% "
              "inside the encoder)")
    print(f"minzheng over the whole run: {100 * share:.1f}% of the matmul peak (target ≥ 50%) — "
          f"{'OK' if share >= 0.5 else 'BELOW TARGET'}")
    if args.json:
        result = {"model": args.model, "batch_size": args.batch_size, "threads": torch.get_num_threads(),
                  "matmul_flops_per_s": peak, "ratio": ratio, "outside_encoder": outside, "peak_share": share,
                  "minzheng": ours, "pipeline": base}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
