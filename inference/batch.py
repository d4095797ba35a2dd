"""Batch extraction: files in, one streaming writer out (.jsonl documents, or .csv / .parquet fact rows).

Memory stays flat: documents are read, extracted and written a chunk at a time.
A file that cannot be read is reported and skipped; the rest of the run goes on.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from corpus.readers import RawDocument, ReadError, iter_input_files, read_document
from inference.extractor import Document, Extractor
from inference.facts import Fact

FACT_COLUMNS = ["path"] + [f.name for f in fields(Fact)]


class JsonlWriter:
    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8")

    def write(self, doc: Document) -> None:
        self.fh.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.fh.close()


def _fact_row(doc: Document, fact: Fact) -> dict:
    row = {"path": doc.path} | fact.as_dict()
    row["checks"] = "; ".join(fact.checks)
    return row


class CsvWriter:
    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8-sig", newline="")  # BOM: Excel opens Chinese CSV correctly
        self.writer = csv.DictWriter(self.fh, FACT_COLUMNS)
        self.writer.writeheader()

    def write(self, doc: Document) -> None:
        self.writer.writerows(_fact_row(doc, f) for f in doc.facts)

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
                 "approximate": pa.bool_()}
        self.schema = pa.schema([(c, types.get(c, pa.string())) for c in FACT_COLUMNS])
        self.writer = pq.ParquetWriter(path, self.schema)
        self.rows: list[dict] = []
        self.flush_rows = flush_rows

    def write(self, doc: Document) -> None:
        self.rows += [_fact_row(doc, f) for f in doc.facts]
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


def open_writer(path: Path):
    try:
        cls = WRITERS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"{path}: output must end in {', '.join(WRITERS)}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    return cls(path)


@dataclass
class RunSummary:
    files: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def read_all(paths: Sequence[Path], summary: RunSummary) -> Iterator[RawDocument]:
    for path in paths:
        try:
            yield read_document(path)
        except ReadError as err:
            summary.failed.append((str(path), str(err)))
        except OSError as err:
            summary.failed.append((str(path), f"cannot read: {err}"))


def extract_paths(extractor: Extractor, inputs: Sequence[Path], out: Path, batch_size: int = 32,
                  on_document: Callable[[Document], None] | None = None, progress=None) -> RunSummary:
    """Extract every supported file under `inputs` into `out`; returns what happened."""
    started = time.perf_counter()
    files = iter_input_files(list(inputs))
    summary = RunSummary(files=len(files))
    writer = open_writer(out)
    task = progress.add_task("extracting", total=len(files)) if progress is not None else None
    try:
        for doc in extractor.pipe(read_all(files, summary), batch_size=batch_size):
            writer.write(doc)
            summary.counts.update(documents=1, sentences=len(doc.sentences), entities=len(doc.entities),
                                  facts=len(doc.facts), linked=sum(bool(f.program) for f in doc.facts),
                                  checks_failed=sum(c.get("ok") is False for c in doc.checks),
                                  characters=len(doc.text))
            if on_document is not None:
                on_document(doc)
            if task is not None:
                progress.update(task, completed=summary.counts["documents"] + len(summary.failed))
    finally:
        writer.close()
    summary.seconds = time.perf_counter() - started
    return summary
