"""Where an extraction run's time goes: wall time per pipeline stage, and the share outside the encoder.

Runs `Extractor.pipe` over the throughput benchmark's documents (same sentences, --per-doc per
document) with a timer around each stage — cleaning, sentence segmentation, tokenisation, features,
the encoder's forward pass, decoding constraints, Viterbi, span decoding, linking, facts, totals
checks, enrichment — and prints seconds and shares. Stages nest inside `predict` / `total`; the
encoder share is the figure the speed goal reads (time outside it ≤ 20 %).

    .venv/bin/python benchmarks/stages.py [--sentences 1000] [--json OUT]
    # the flame graph of benchmarks/README.md:
    .venv/bin/py-spy record -o benchmarks/flamegraph.svg -- .venv/bin/python benchmarks/stages.py --repeat 5
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import build_sentences  # noqa: E402

import inference.extractor as extractor_module  # noqa: E402
import training.predict as predict_module  # noqa: E402
from inference.extractor import Extractor, default_model  # noqa: E402

SECONDS: collections.Counter = collections.Counter()


def timed(owner, name: str, stage: str) -> None:
    """Replace owner.name (a module function or a method) by a wrapper adding its wall time to `stage`;
    names a version of the code does not have are left alone (the script also measures older checkouts)."""
    inner = getattr(owner, name, None)
    if inner is None:
        return

    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SECONDS[stage] += time.perf_counter() - started

    setattr(owner, name, wrapper)


STAGES = [(extractor_module, "clean_document", "clean"), (extractor_module, "sentence_spans", "segment"),
          (predict_module.FigureModel, "tokenize", "tokenize"), (predict_module, "token_features", "features"),
          (predict_module, "span_constraints", "constraints"),
          (predict_module, "programs_on_word_edges", "constraints"), (predict_module, "viterbi_batch", "viterbi"),
          (predict_module, "decode_spans", "decode spans"), (predict_module, "viterbi_tags", "viterbi"),
          (predict_module, "token_view", "tokenize"), (predict_module.FigureModel, "link", "link"),
          (extractor_module, "join_digit_groups", "digit groups"), (extractor_module, "sentence_facts", "facts"),
          (extractor_module, "check_totals", "check totals"), (extractor_module, "enrich_document", "enrich"),
          (predict_module.FigureModel, "predict", "predict (nests the model stages)"),
          (Extractor, "_process", "total")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(default_model()))
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--per-doc", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sentences = build_sentences(args.sentences)
    docs = ["\n".join(sentences[i : i + args.per_doc]) for i in range(0, len(sentences), args.per_doc)]
    extractor = Extractor.from_pretrained(args.model)
    for owner, name, stage in STAGES:
        timed(owner, name, stage)
    started = [0.0]
    extractor.model.ner.register_forward_pre_hook(lambda *_: started.__setitem__(0, time.perf_counter()))
    extractor.model.ner.register_forward_hook(
        lambda *_: SECONDS.update({"encoder (forward pass)": time.perf_counter() - started[0]}))
    list(extractor.pipe(docs[:1]))  # warm-up
    SECONDS.clear()
    for _ in range(args.repeat):
        list(extractor.pipe(docs))
    total = SECONDS["total"]
    outside = total - SECONDS["encoder (forward pass)"]
    print(f"{len(sentences)} sentences in {len(docs)} documents × {args.repeat}; {total:.2f} s")
    print(f"{'stage':<34}{'seconds':>9}{'share':>8}")
    for stage, seconds in SECONDS.most_common():
        print(f"{stage:<34}{seconds:>9.3f}{100 * seconds / total:>7.1f}%")
    print(f"outside the encoder: {outside:.2f} s = {100 * outside / total:.1f}% (target ≤ 20%)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"seconds": dict(SECONDS), "outside_encoder": outside / total}, indent=2)
                             + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
