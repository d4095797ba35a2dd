"""Peak memory: does batch extraction stay flat as the number of documents grows?

For each size (--small, --large) a FRESH subprocess (`memory.py --child N`) writes N small documents
(--per-doc corpus/raw sentences each, cycled) to a temporary folder, runs
inference.batch.extract_paths over it into a JSONL file in another temporary folder, and prints its
RSS high-water mark (resource.getrusage(RUSAGE_SELF).ru_maxrss, KiB on Linux) as one JSON line. The
parent prints both peaks and their ratio large/small. Target: ratio ≤ 1.2 (model loading is included
in both, so the ratio shows what the extra documents cost).

Usage: .venv/bin/python benchmarks/memory.py [--model DIR] [--small 100] [--large 1000] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(n: int, model: str, per_doc: int, batch_size: int) -> None:
    import resource
    import tempfile

    from corpus.build import segment_text
    from corpus.readers import read_document
    from inference.batch import extract_paths
    from inference.extractor import Extractor

    pool = [s.text for path in sorted((ROOT / "corpus" / "raw").glob("*.txt"))
            for s in segment_text(read_document(path).text, name=path.name)]
    extractor = Extractor.from_pretrained(model)
    with tempfile.TemporaryDirectory() as docs_dir, tempfile.TemporaryDirectory() as out_dir:
        for i in range(n):
            text = "\n".join(pool[(i * per_doc + k) % len(pool)] for k in range(per_doc))
            (Path(docs_dir) / f"doc{i:06d}.txt").write_text(text + "\n", encoding="utf-8")
        out = Path(out_dir) / "out.jsonl"
        summary = extract_paths(extractor, [Path(docs_dir)], out, batch_size=batch_size)
        lines = sum(1 for _ in out.open(encoding="utf-8"))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"documents": n, "written": lines, "failed": len(summary.failed),
                      "sentences": summary.counts["sentences"], "facts": summary.counts["facts"],
                      "seconds": round(summary.seconds, 3), "max_rss_kib": peak_kib}))


def run_child(n: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), "--model", args.model, "--per-doc", str(args.per_doc),
           "--batch-size", str(args.batch_size)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child for {n} documents failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    from inference.extractor import default_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(default_model()))
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--large", type=int, default=1000)
    ap.add_argument("--per-doc", type=int, default=10, help="sentences per document")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.model, args.per_doc, args.batch_size)
        return

    runs = [run_child(n, args) for n in (args.small, args.large)]
    ratio = runs[1]["max_rss_kib"] / runs[0]["max_rss_kib"]
    print(f"model {args.model}; {args.per_doc} sentences per document; each size in a fresh process")
    print(f"{'documents':>10}{'written':>9}{'sentences':>11}{'seconds':>9}{'peak RSS MiB':>14}")
    for r in runs:
        print(f"{r['documents']:>10}{r['written']:>9}{r['sentences']:>11}{r['seconds']:>9.1f}"
              f"{r['max_rss_kib'] / 1024:>14.1f}")
        if r["failed"] or r["written"] != r["documents"]:
            print(f"  warning: {r['failed']} failed, {r['written']} of {r['documents']} written")
    print(f"ratio {args.large}/{args.small} documents: {ratio:.3f} (target ≤ 1.2) — "
          f"{'OK' if ratio <= 1.2 else 'ABOVE TARGET'}")
    if args.json:
        result = {"model": args.model, "per_doc": args.per_doc, "small": runs[0], "large": runs[1], "ratio": ratio}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
