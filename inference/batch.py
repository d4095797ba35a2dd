"""Batch extraction: files in, one streaming writer out (.jsonl documents, or .csv / .parquet fact rows).

Memory stays flat: documents are read, extracted and written a chunk of files at a time.
A file that cannot be read is reported and skipped; the rest of the run goes on.
Writers take records (`Document.to_json()`), so the Ray engine (inference/ray_engine.py)
writes through the same code from records made on its workers: the outputs are identical.
The output is written to `OUT.partial` under `OUT.lock` and renamed over OUT only when the run
finished with at least one document (inference/output.py): an earlier OUT is never lost.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from corpus.readers import RawDocument, ReadError, iter_input_files, read_document
from inference.extractor import Document, Extractor
from inference.facts import Fact
from inference.output import OutputLock, check_output_path, commit, partial_path

FACT_COLUMNS = ["path"] + [f.name for f in fields(Fact)]
# Files read and extracted together (their sentences are batched across documents): at most
# CHUNK_FILES files and, once it holds one, no more than CHUNK_BYTES on disk. Enough sentences to
# sort by length, few enough that a run over many files makes many chunks (the Ray engine's actors
# share them out; both engines cut the same chunks, so their batches and outputs are the same).
CHUNK_FILES = 64
CHUNK_BYTES = 128 * 1024


class JsonlWriter:
    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.fh.close()


def _fact_rows(record: dict) -> list[dict]:
    return [{"path": record["path"]} | fact | {"checks": "; ".join(fact["checks"])} for fact in record["facts"]]


class CsvWriter:
    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8-sig", newline="")  # BOM: Excel opens Chinese CSV correctly
        self.writer = csv.DictWriter(self.fh, FACT_COLUMNS)
        self.writer.writeheader()

    def write(self, record: dict) -> None:
        self.writer.writerows(_fact_rows(record))

    def close(self) -> None:
        self.fh.close()


class ParquetWriter:
    """Fact rows, one row group per flush; values stay exact decimal strings."""

    def __init__(self, path: Path, flush_rows: int = 5000):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        types = {"sentence": pa.int64(), "figure_start": pa.int64(), "figure_end": pa.int64(),
                 "program_start": pa.int64(), "program_end": pa.int64(), "score": pa.float64(),
                 "program_score": pa.float64(),
                 "approximate": pa.bool_()}
        self.schema = pa.schema([(c, types.get(c, pa.string())) for c in FACT_COLUMNS])
        self.writer = pq.ParquetWriter(path, self.schema)
        self.rows: list[dict] = []
        self.flush_rows = flush_rows

    def write(self, record: dict) -> None:
        self.rows += _fact_rows(record)
        if len(self.rows) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


WRITERS = {".jsonl": JsonlWriter, ".csv": CsvWriter, ".parquet": ParquetWriter}


def open_writer(path: Path, target: Path | None = None):
    """A writer for the output's format: `.write(record)` with `record = doc.to_json()`, then `.close()`.

    target: the file actually written (default `path`); the format is always `path`'s."""
    check_output_path(path, tuple(WRITERS))
    target = target or path
    target.parent.mkdir(parents=True, exist_ok=True)
    return WRITERS[path.suffix.lower()](target)


class InputError(ValueError):
    """An input path that does not exist."""


def collect_inputs(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """The files to read (folders expanded) and the duplicates dropped, as (dropped, kept) pairs.

    A path named twice (relative and absolute, or a file inside a folder also given) is read once:
    files are compared by their resolved path. A path that does not exist is an InputError."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError("; ".join(f"no such file or directory: {p}" for p in missing))
    kept: dict[Path, Path] = {}
    duplicates = []
    for path in iter_input_files(list(paths)):
        real = path.resolve()
        if real in kept:
            duplicates.append((path, kept[real]))
        else:
            kept[real] = path
    return list(kept.values()), duplicates


@dataclass
class RunSummary:
    files: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    written: bool = False  # whether the output file was replaced (False: no document, or an earlier stop)
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)  # (dropped, kept): the same file twice

    @property
    def ok(self) -> bool:
        return not self.failed


def read_all(paths: Sequence[Path], failed: list[tuple[str, str]]) -> Iterator[RawDocument]:
    """The documents that can be read; the others go into `failed` as (path, reason)."""
    for path in paths:
        try:
            document = read_document(path)
        except ReadError as err:
            failed.append((str(path), str(err)))
        except OSError as err:
            failed.append((str(path), f"cannot read: {err}"))
        else:
            for warning in document.warnings:  # e.g. undecodable bytes replaced (each names the file)
                print(f"warning: {warning}", file=sys.stderr)
            yield document


def file_chunks(files: Sequence[Path], size: int | None = None, max_bytes: int | None = None) -> list[list[Path]]:
    """Consecutive files, in order: a chunk closes at `size` files or when adding a file would take it past
    `max_bytes` (file sizes on disk; a file that cannot be stat'ed counts 0 — reading it fails later)."""
    size, max_bytes = size or CHUNK_FILES, max_bytes or CHUNK_BYTES
    chunks: list[list[Path]] = []
    current: list[Path] = []
    held = 0
    for path in files:
        try:
            nbytes = path.stat().st_size
        except OSError:
            nbytes = 0
        if current and (len(current) >= size or held + nbytes > max_bytes):
            chunks.append(current)
            current, held = [], 0
        current.append(path)
        held += nbytes
    if current:
        chunks.append(current)
    return chunks


def extract_chunk(extractor: Extractor, paths: Sequence[Path],
                  batch_size: int = 32) -> tuple[list[Document], list[tuple[str, str]]]:
    """One chunk of files, read and extracted together: (documents in file order, failed files).

    Both engines run exactly this on the same chunks, so their batches, and outputs, are the same."""
    failed: list[tuple[str, str]] = []
    docs = list(extractor.pipe(read_all(paths, failed), batch_size=batch_size, chunk_docs=max(len(paths), 1)))
    return docs, failed


def document_counts(doc: Document) -> dict[str, int]:
    return {"sentences": len(doc.sentences), "entities": len(doc.entities), "facts": len(doc.facts),
            "linked": sum(bool(f.program) for f in doc.facts),
            "checks_failed": sum(c.get("ok") is False for c in doc.checks), "characters": len(doc.text)}


class RunWriter:
    """The output file and the run's summary, fed chunk by chunk in file order (by either engine).

    Writes OUT.partial under OUT.lock; on leaving the `with` block without an exception and with at
    least one document, OUT.partial replaces OUT. Otherwise OUT is left as it was: after an
    exception (Ctrl-C included) the partial file is kept and named in a note on the exception."""

    def __init__(self, out: Path, files: Sequence[Path], progress=None):
        self.started = time.perf_counter()
        self.summary = RunSummary(files=len(files))
        self.out, self.partial = out, partial_path(out)
        check_output_path(out, tuple(WRITERS))
        self.lock = OutputLock(out).acquire()
        try:
            self.writer = open_writer(out, self.partial)
        except BaseException:
            self.lock.release()
            raise
        self.progress = progress
        self.task = progress.add_task("extracting", total=len(files)) if progress is not None else None

    def add(self, record: dict, counts: dict[str, int]) -> None:
        self.writer.write(record)
        self.summary.counts.update(documents=1, **counts)
        self._advance()

    def fail(self, failed: Sequence[tuple[str, str]]) -> None:
        self.summary.failed += failed
        self._advance()

    def _advance(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.summary.counts["documents"] + len(self.summary.failed))

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.writer.close()
            self.summary.seconds = time.perf_counter() - self.started
            if exc is not None:
                exc.add_note(f"{self.out} was left as it was; partial results "
                             f"({self.summary.counts['documents']} documents) are in {self.partial}")
            elif self.summary.counts["documents"]:
                commit(self.partial, self.out)
                self.summary.written = True
            else:  # nothing could be read: an empty file must not replace earlier results
                self.partial.unlink(missing_ok=True)
        finally:
            self.lock.release()


def extract_paths(extractor: Extractor, inputs: Sequence[Path], out: Path, batch_size: int = 32,
                  on_document: Callable[[Document], None] | None = None, progress=None) -> RunSummary:
    """Extract every supported file under `inputs` into `out`; returns what happened.

    Each file is read once however often it is named; a missing input raises InputError before
    `out` is touched."""
    files, duplicates = collect_inputs(inputs)
    with RunWriter(out, files, progress) as run:
        run.summary.duplicates = duplicates
        for chunk in file_chunks(files):
            docs, failed = extract_chunk(extractor, chunk, batch_size)
            run.fail(failed)
            for doc in docs:
                run.add(doc.to_json(), document_counts(doc))
                if on_document is not None:
                    on_document(doc)
    return run.summary
