"""The speed goals, measured in one run: every benchmark in a fresh process, one after the other, one table.

Runs throughput.py (ratio to the transformers pipeline, share of the matmul peak, time outside the
encoder), stages.py (where the time goes), runtimes.py (ONNX Runtime int8 against torch fp32, end to
end, F1 deltas), ray_engine.py (Ray with 2 workers against local, byte-identical output) and
long_documents.py (1 MB against 10 MB of unpunctuated text: peak RSS and time per character), then
prints the goals as a Markdown table (also written to --markdown). Run it on an idle machine:
about 20 minutes on 2 cores, most of it the 10 MB report (--long-mb 0.1 1 for a quick look).

    .venv/bin/python benchmarks/goals.py [--markdown out/goals.md] [--long-mb 1 10]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bench(script: str, out: Path, *args: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / script), "--json", str(out), *args], cwd=HERE.parent,
                          capture_output=True, text=True)
    print(done.stdout.rstrip(), flush=True)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    print(f"[{script}: {time.perf_counter() - started:.0f} s]\n", flush=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--long-mb", type=float, nargs=2, default=[1.0, 10.0], metavar=("SMALL", "LARGE"))
    ap.add_argument("--ray-copies", type=int, default=40, help="copies of the corpus/raw reports for the Ray run")
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    n = str(args.sentences)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        throughput = bench("throughput.py", t / "throughput.json", "--sentences", n)
        stages = bench("stages.py", t / "stages.json", "--sentences", n)
        runtimes = bench("runtimes.py", t / "runtimes.json", "--sentences", n)
        ray = bench("ray_engine.py", t / "ray.json", "--copies", str(args.ray_copies))
        small, large = args.long_mb
        long = bench("long_documents.py", t / "long.json", "--small", f"{small:g}", "--large", f"{large:g}")
    int8 = runtimes["onnx int8"]
    rows = [
        ("time outside the encoder", "≤ 20 %", f"{100 * throughput['outside_encoder']:.1f} % "
         f"(stages.py: {100 * stages['outside_encoder']:.1f} %)", throughput["outside_encoder"] <= 0.2),
        ("minzheng / transformers pipeline, same weights and sentences", "≥ 3×", f"{throughput['ratio']:.2f}×",
         throughput["ratio"] >= 3),
        ("ONNX Runtime int8 / torch fp32, end to end", "≥ 2.5×", f"{int8['speedup']:.2f}×", int8["speedup"] >= 2.5),
        ("int8 entity F1 / has_value F1 against fp32", "within 0.5 pt",
         f"{int8['delta_entity_points']:+.2f} / {int8['delta_has_value_points']:+.2f} pt", int8["ships"]),
        ("share of the fp32 matmul peak over the whole run", "≥ 50 %",
         f"{100 * throughput['peak_share']:.1f} % of {throughput['matmul_flops_per_s'] / 1e9:.0f} GFLOP/s",
         throughput["peak_share"] >= 0.5),
        (f"peak RSS {large:g} MB / {small:g} MB report", "≤ 1.5 (bounded)",
         f"{long['rss_ratio']:.2f} ({long['small']['peak_rss_mib']:.0f} → {long['large']['peak_rss_mib']:.0f} MiB)",
         long["rss_ratio"] <= 1.5),
        (f"CPU time per character {large:g} MB / {small:g} MB", "≈ 1 (linear)", f"{long['cpu_time_ratio']:.2f}",
         long["cpu_time_ratio"] <= 1.2),
        (f"Ray 2 workers / local, {ray['documents']} documents, whole commands", "≤ 1.2×",
         f"{ray['ratio']:.2f}× ({ray['local_seconds']:.1f} s → {ray['ray_seconds']:.1f} s)"
         f"{', byte-identical' if ray['identical'] else ', OUTPUT DIFFERS'}", ray["ratio"] <= 1.2 and ray["identical"]),
    ]
    lines = [f"Measured {time.strftime('%Y-%m-%d')} in one run of benchmarks/goals.py ({platform.machine()}, "
             f"{throughput['threads']} torch threads, models/default):", "",
             "| goal | target | measured | met |", "|---|---|---|---|"]
    lines += [f"| {goal} | {target} | {measured} | {'yes' if met else '**no**'} |" for goal, target, measured, met in rows]
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
