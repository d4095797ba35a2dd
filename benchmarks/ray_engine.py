"""`minzheng extract --engine ray --workers 2` against `--engine local` on the same files, in one run.

Copies the corpus/raw reports --copies times into a temporary folder (default 40 × 4 = 160 files),
then runs the two commands as a user would, each in a fresh process, and times the whole command:
Python start, imports, Ray start-up and model loading included. Checks that both outputs are
byte-identical. Target: Ray with 2 workers within 1.2× of local on this machine.

    .venv/bin/python benchmarks/ray_engine.py [--copies 40] [--workers 2] [--model DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from minzheng.cli import app; app()"]


def run(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"minzheng {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    reports = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for k in range(args.copies):
            for report in reports:
                shutil.copy(report, folder / f"{k:03d}_{report.name}")
        size = sum(p.stat().st_size for p in folder.iterdir())
        common = ["extract", str(folder), "--model", args.model, "--show", "0"]
        local = run([*common, "--out", f"{tmp}/local.jsonl"])
        ray = run([*common, "--out", f"{tmp}/ray.jsonl", "--engine", "ray", "--workers", str(args.workers)])
        identical = Path(f"{tmp}/local.jsonl").read_bytes() == Path(f"{tmp}/ray.jsonl").read_bytes()
        documents = sum(1 for _ in Path(f"{tmp}/local.jsonl").open(encoding="utf-8"))
    ratio = ray / local
    print(f"{documents} documents ({size / 1e6:.2f} MB), whole commands: local {local:.1f} s, "
          f"ray --workers {args.workers} {ray:.1f} s → ray/local {ratio:.2f}× (target ≤ 1.2×) — "
          f"{'OK' if ratio <= 1.2 else 'ABOVE TARGET'}; outputs {'byte-identical' if identical else 'DIFFERENT'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"documents": documents, "bytes": size, "local_seconds": local,
                                         "ray_seconds": ray, "workers": args.workers, "ratio": ratio,
                                         "identical": identical}, indent=2) + "\n", encoding="utf-8")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
