"""`minzheng extract`: an earlier output is never lost, a second writer is refused, bad arguments fail early.

The fault-injection tests start the real CLI as a subprocess on several reports with an
output already in place, kill it mid-run and compare the old output byte for byte.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inference.output import OutputBusy, OutputLock, lock_path, partial_path
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
BAD = ROOT / "tests" / "fixtures" / "bad_inputs"
REPORTS = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
OLD_JSONL = b'{"doc": "earlier-run.txt", "facts": []}\n'
OLD_HTML = b"<html>earlier review page</html>\n"
runner = CliRunner()


@pytest.fixture
def inputs(tmp_path):
    """Twenty-four reports: long enough (seconds) that the run can be stopped in the middle — with
    eight, a fast machine once finished the whole run in the 0.2 s between the partial file and the signal."""
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(6):
        for path in REPORTS:
            shutil.copy(path, folder / f"{k}-{path.name}")
    return folder


def start_extract(inputs: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "minzheng.cli", "extract", str(inputs), "--model", str(MODEL), "--out", str(out),
           "--show", "0", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"COLUMNS": "250"})


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"extract ended before {path.name} appeared: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout} s"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_killed_mid_run_leaves_the_previous_output_byte_identical(inputs, tmp_path, sig):
    out, html = tmp_path / "facts.jsonl", tmp_path / "review.html"
    out.write_bytes(OLD_JSONL)
    html.write_bytes(OLD_HTML)
    proc = start_extract(inputs, out, "--html", str(html))
    wait_for(partial_path(out), proc)  # the model is loaded and the reports are being extracted
    time.sleep(0.2)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert out.read_bytes() == OLD_JSONL and html.read_bytes() == OLD_HTML
    assert partial_path(out).exists()  # what was done is kept for a look
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert lock_path(out).read_text().strip() == str(proc.pid)  # left behind, taken over below
    else:
        assert proc.returncode == (143 if sig == signal.SIGTERM else 130), stdout + stderr
        assert f"{out} left as it was; partial results in {partial_path(out)}" in stderr, stderr
        assert "Traceback" not in stderr
        assert not lock_path(out).exists()
    with OutputLock(out):  # a stale lock (dead pid) is taken over; a released one is simply free
        assert lock_path(out).read_text().strip() == str(os.getpid())
    assert not lock_path(out).exists()


def test_two_concurrent_writers_one_is_refused(tmp_path):
    out = tmp_path / "facts.jsonl"
    out.write_bytes(OLD_JSONL)
    inputs = ROOT / "corpus" / "raw"
    # started together: both reach the lock right after their imports; the winner holds it for
    # the model load and the whole extraction, seconds longer than the start-up skew
    procs = [start_extract(inputs, out) for _ in range(2)]
    results = [(p, *p.communicate(timeout=600)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 2], [(p.returncode, err[-2000:]) for p, _, err in results]
    (winner, _, _), (loser, _, loser_err) = sorted(results, key=lambda r: r[0].returncode)
    assert f"{out.resolve()} is being written by process {winner.pid}" in loser_err, loser_err
    assert "Traceback" not in loser_err and "Loading weights" not in loser_err  # refused before the model
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(REPORTS)  # the winner finished and replaced the old output
    assert not lock_path(out).exists() and not partial_path(out).exists()


def test_lock_of_a_dead_process_is_taken_over_and_a_live_one_is_not(tmp_path):
    out = tmp_path / "facts.jsonl"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(out).write_text(f"{dead.pid}\n")
    with OutputLock(out):
        assert lock_path(out).read_text().strip() == str(os.getpid())
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_path(out).write_text(f"{alive.pid}\n")
        with pytest.raises(OutputBusy, match=f"process {alive.pid}"):
            OutputLock(out).acquire()
        assert lock_path(out).read_text().strip() == str(alive.pid)  # not ours: left alone
    finally:
        alive.kill()
        alive.wait()


def test_a_failed_run_does_not_touch_the_output(tmp_path):
    out = tmp_path / "facts.jsonl"
    out.write_bytes(OLD_JSONL)
    typo = tmp_path / "reprots"
    result = runner.invoke(app, ["extract", str(typo), "--model", str(MODEL), "--out", str(out)])
    assert result.exit_code == 2
    assert f"no such file or directory: {typo}" in result.output
    assert "unsupported extension" not in result.output
    assert out.read_bytes() == OLD_JSONL and not partial_path(out).exists() and not lock_path(out).exists()


def test_a_folder_without_readable_files_warns_and_exits_1(tmp_path):
    out = tmp_path / "facts.jsonl"
    out.write_bytes(OLD_JSONL)
    result = runner.invoke(app, ["extract", str(BAD / "no_readable"), "--model", str(MODEL), "--out", str(out)])
    assert result.exit_code == 1
    assert "no readable files (.txt, .html, .htm, .docx)" in result.output and "left as it was" in result.output
    assert out.read_bytes() == OLD_JSONL


def test_unreadable_files_only_leave_the_output_as_it_was(tmp_path):
    out = tmp_path / "facts.jsonl"
    out.write_bytes(OLD_JSONL)
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip file")
    result = runner.invoke(app, ["extract", str(bad), "--model", str(MODEL), "--out", str(out)])
    assert result.exit_code == 1
    assert "no document could be read" in result.output and "broken.docx" in result.output
    assert out.read_bytes() == OLD_JSONL and not partial_path(out).exists()


@pytest.mark.parametrize("args", [["--linker", "foo"], ["--batch-size", "0"], ["--batch-size", "-5"],
                                  ["--runtime", "tensorrt"], ["--engine", "spark"], ["--show", "-1"]])
def test_bad_option_values_are_refused_before_any_work(tmp_path, args):
    out = tmp_path / "facts.jsonl"
    result = runner.invoke(app, ["extract", str(REPORTS[0]), "--out", str(out), *args])
    assert result.exit_code == 2
    assert f"Invalid value for '{args[0]}'" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_out_that_is_a_directory_or_has_no_known_suffix(tmp_path):
    result = runner.invoke(app, ["extract", str(REPORTS[0]), "--out", str(tmp_path)])
    assert result.exit_code == 2 and f"--out {tmp_path} is a directory" in result.output
    result = runner.invoke(app, ["extract", str(REPORTS[0]), "--out", str(tmp_path / "facts.txt")])
    assert result.exit_code == 2 and "must end in .jsonl, .csv, .parquet" in result.output
    result = runner.invoke(app, ["extract", str(REPORTS[0]), "--out", str(tmp_path / "f.jsonl"), "--html",
                                 str(tmp_path)])
    assert result.exit_code == 2 and f"--html {tmp_path} is a directory" in result.output


def test_the_same_file_twice_is_read_once(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("全县城乡低保对象5126户8731人。", encoding="utf-8")
    relative = os.path.relpath(src / "a.txt")  # the same file, spelled from the working directory
    out = tmp_path / "facts.jsonl"
    result = runner.invoke(app, ["extract", relative, str(src / "a.txt"), str(src), "--model", str(MODEL),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"note: {src / 'a.txt'} is the same file as {relative}: read once" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_chunks_close_at_the_file_limit_or_the_byte_limit_and_keep_file_order(tmp_path):
    """Both engines cut the same chunks (inference/batch.py): a run of many files makes many chunks, so
    Ray's actors all get work; a file bigger than the byte limit is a chunk of its own, never split."""
    from inference.batch import file_chunks

    sizes = [40, 40, 40, 200, 10, 10, 10, 10]
    files = []
    for k, size in enumerate(sizes):
        path = tmp_path / f"{k}.txt"
        path.write_bytes(b"x" * size)
        files.append(path)
    chunks = file_chunks(files, size=3, max_bytes=100)
    assert [[int(p.stem) for p in c] for c in chunks] == [[0, 1], [2], [3], [4, 5, 6], [7]]
    assert [p for c in chunks for p in c] == files
    assert file_chunks([tmp_path / "missing.txt", *files[:1]], size=3, max_bytes=100) == [
        [tmp_path / "missing.txt", files[0]]]  # unreadable counts 0 bytes: it fails later, when read
