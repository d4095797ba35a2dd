"""Long documents: do time and memory per character stay flat as ONE report grows?

The worst case for the corpus stage and the model is a long run with no sentence end at all (a
table dump, a page saved as one line): the text of the corpus/raw reports with every punctuation
mark and white space removed, repeated to --small and --large megabytes of UTF-8 (about 3 bytes a
character). For each size a FRESH subprocess (`long_documents.py --child MB`) writes the report to a
temporary folder, loads the model, runs inference.batch.extract_paths over it into a JSONL file and
prints one JSON line: characters, sentences, entities, seconds, µs per character (wall and CPU), the RSS
high-water mark (VmHWM) and the RSS after loading the model. The parent prints both and the
ratios large/small. Targets: peak RSS ratio ≤ 1.5, time per character flat (ratio ≈ 1).

Usage: .venv/bin/python benchmarks/long_documents.py [--model DIR] [--small 1] [--large 10] [--json OUT]
       --corpus-only: clean and segment only (corpus.build.process_document), no model
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def long_report(megabytes: float) -> str:
    """corpus/raw without punctuation or white space, repeated to `megabytes` of UTF-8."""
    source = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "raw").glob("*.txt")))
    run = re.sub(r"[\s。，、；：？！“”‘’（）《》【】!?,;:()\"'\-—…·]", "", source)  # "." stays: 27.482
    target = int(megabytes * 1_000_000)
    repeats = target // len(run.encode("utf-8")) + 1
    return (run * repeats).encode("utf-8")[:target].decode("utf-8", errors="ignore")


def rss_mib() -> float:
    """This process's peak RSS in MiB: VmHWM, which starts afresh at exec (ru_maxrss can carry the
    parent's peak over a fork), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(megabytes: float, model: str, corpus_only: bool) -> None:
    import tempfile

    text = long_report(megabytes)
    with tempfile.TemporaryDirectory() as docs_dir, tempfile.TemporaryDirectory() as out_dir:
        path = Path(docs_dir) / "long.txt"
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size
        del text
        if corpus_only:
            from corpus.build import process_document

            loaded = rss_mib()
            started, cpu_started = time.perf_counter(), time.process_time()
            clean, sentences = process_document(path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            counts = {"characters": len(clean.original), "sentences": len(sentences), "entities": None}
        else:
            from inference.batch import extract_paths
            from inference.extractor import Extractor

            extractor = Extractor.from_pretrained(model)
            loaded = rss_mib()
            out = Path(out_dir) / "out.jsonl"
            started, cpu_started = time.perf_counter(), time.process_time()
            summary = extract_paths(extractor, [path], out)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            if summary.failed:
                raise SystemExit(f"extraction failed: {summary.failed}")
            counts = {k: summary.counts[k] for k in ("characters", "sentences", "entities")}
    print(json.dumps({"megabytes": megabytes, "bytes": size, **counts, "seconds": round(seconds, 2),
                      "us_per_char": round(seconds / counts["characters"] * 1e6, 2),
                      "cpu_us_per_char": round(cpu / counts["characters"] * 1e6, 2),
                      "rss_after_load_mib": round(loaded, 1), "peak_rss_mib": round(rss_mib(), 1)}))


def run_child(megabytes: float, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", str(megabytes), "--model", args.model]
    if args.corpus_only:
        cmd.append("--corpus-only")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child for {megabytes} MB failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    import os

    # the parent stays light (no torch): the children's peaks are theirs alone
    default_model = os.environ.get("MINZHENG_MODEL", str(ROOT / "models" / "default"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=default_model)
    ap.add_argument("--small", type=float, default=1.0, help="megabytes")
    ap.add_argument("--large", type=float, default=10.0, help="megabytes")
    ap.add_argument("--corpus-only", action="store_true", help="clean and segment only, no model")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.model, args.corpus_only)
        return

    runs = []
    for mb in (args.small, args.large):
        runs.append(run_child(mb, args))
        print(json.dumps(runs[-1]), flush=True)  # each size as soon as it is done: the large one is slow
    what = "corpus only (clean + segment)" if args.corpus_only else f"model {args.model}"
    print(f"{what}; one unpunctuated report per size, each in a fresh process")
    print(f"{'MB':>6}{'chars':>10}{'sentences':>11}{'seconds':>10}{'µs/char':>9}{'CPU µs/char':>13}"
          f"{'RSS load MiB':>14}{'peak MiB':>10}")
    for r in runs:
        print(f"{r['megabytes']:>6g}{r['characters']:>10}{r['sentences']:>11}{r['seconds']:>10.1f}"
              f"{r['us_per_char']:>9.1f}{r['cpu_us_per_char']:>13.1f}{r['rss_after_load_mib']:>14.1f}"
              f"{r['peak_rss_mib']:>10.1f}")
    rss_ratio = runs[1]["peak_rss_mib"] / runs[0]["peak_rss_mib"]
    time_ratio = runs[1]["us_per_char"] / runs[0]["us_per_char"]
    cpu_ratio = runs[1]["cpu_us_per_char"] / runs[0]["cpu_us_per_char"]
    if args.corpus_only:  # the text itself is held, ~60 bytes a character: linear, no model to dwarf it
        print(f"peak RSS {args.large:g} MB / {args.small:g} MB: {rss_ratio:.2f} (the target is for extraction)")
    else:
        print(f"peak RSS {args.large:g} MB / {args.small:g} MB: {rss_ratio:.2f} (target ≤ 1.5) — "
              f"{'OK' if rss_ratio <= 1.5 else 'ABOVE TARGET'}")
    print(f"time per character {args.large:g} MB / {args.small:g} MB: {time_ratio:.2f} wall, {cpu_ratio:.2f} CPU "
          "(flat ≈ 1; CPU time is the fairer one on a shared machine)")
    if args.json:
        result = {"what": what, "small": runs[0], "large": runs[1], "rss_ratio": rss_ratio, "time_ratio": time_ratio,
                  "cpu_time_ratio": cpu_ratio}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
