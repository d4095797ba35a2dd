"""The corpus stage's Python API, shared by the CLI and (later) the inference stage.

* `process_document(path_or_doc, config) -> (CleanDocument, list[Sentence])`:
  read (if given a path), clean, segment.  Sentence offsets point into the file's
  original text.
* `segment_text(text, config, name="<text>") -> list[Sentence]`: the same on an
  in-memory string (offsets into that string; ids hash its UTF-8 bytes).
* `build_corpus(paths, out_dir, config) -> BuildResult`: many files →
  ``out/dataset`` (datasets.save_to_disk), ``out/sentences.jsonl``,
  ``out/documents.jsonl``; unreadable files are collected in `errors`, not raised, and
  what the user should know about a file that was read (bytes replaced, a cleaning step
  withheld) in `warnings`, each naming the file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus.cleaning import CleanDocument, CleaningConfig, clean_document
from corpus.readers import RawDocument, ReadError, iter_input_files, read_document
from corpus.sentences import Sentence, make_sentences

SENTENCE_FIELDS: tuple[str, ...] = ("id", "doc", "index", "text", "start", "end")


@dataclass(frozen=True)
class CorpusConfig:
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    max_chars: int = 200
    #: Undecodable bytes make a file an error instead of U+FFFD (counted, with a warning).
    strict_encoding: bool = False


def process_document(
    source: Path | str | RawDocument, config: CorpusConfig | None = None
) -> tuple[CleanDocument, list[Sentence]]:
    """Read (unless already a RawDocument), clean and segment one document."""
    config = config or CorpusConfig()
    doc = source if isinstance(source, RawDocument) else read_document(source, config.strict_encoding)
    clean = clean_document(doc, config.cleaning)
    data = doc.data or doc.text.encode("utf-8")
    sentences = make_sentences(
        clean.text, clean.offsets, doc.name, hashlib.sha1(data).hexdigest(), config.max_chars
    )
    return clean, sentences


def segment_text(text: str, config: CorpusConfig | None = None, name: str = "<text>") -> list[Sentence]:
    """Clean and segment an in-memory string; offsets point into `text`."""
    doc = RawDocument(
        path=Path(name), name=name, text=text, format="text", encoding=None, data=text.encode("utf-8")
    )
    return process_document(doc, config)[1]


@dataclass
class BuildResult:
    documents: list[dict] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    @property
    def characters(self) -> int:
        return sum(d["chars"] for d in self.documents)


def build_corpus(
    paths: list[Path], out_dir: Path, config: CorpusConfig | None = None, progress=None
) -> BuildResult:
    """Process every supported file under `paths` and write the outputs to `out_dir`.

    `progress` wraps the file list (e.g. a tqdm factory); unreadable files go to
    `result.errors` and the rest are still written.
    """
    config = config or CorpusConfig()
    files = iter_input_files([Path(p) for p in paths])
    result = BuildResult()
    for path in progress(files) if progress else files:
        try:
            doc = read_document(path, config.strict_encoding)
            clean, sentences = process_document(doc, config)
        except ReadError as err:
            result.errors.append(err)
            continue
        except Exception as err:  # any other failure is this file's too: the batch goes on
            result.errors.append(ReadError(path, f"cannot process: {err.__class__.__name__}: {err}"))
            continue
        result.sentences.extend(sentences)
        result.stats.update(clean.stats)
        result.warnings += doc.warnings
        result.warnings += [f"{doc.path}: {warning}" for warning in clean.warnings]
        result.documents.append(
            {
                "name": doc.name,
                "path": str(doc.path),
                "format": doc.format,
                "encoding": doc.encoding,
                "replaced_bytes": doc.replaced_bytes,
                "chars": len(doc.text),
                "clean_chars": len(clean.text),
                "sentences": len(sentences),
                "stats": clean.stats,
                "deleted": clean.deleted,
                "withheld": clean.withheld,
                "warnings": [*doc.warnings, *clean.warnings],
            }
        )
    write_outputs(result, Path(out_dir))
    return result


def write_outputs(result: BuildResult, out_dir: Path) -> None:
    import datasets

    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [s.to_dict() for s in result.sentences]
    with (out_dir / "sentences.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    with (out_dir / "documents.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(doc, ensure_ascii=False) + "\n" for doc in result.documents)
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "doc": datasets.Value("string"),
            "index": datasets.Value("int32"),
            "text": datasets.Value("string"),
            "start": datasets.Value("int32"),
            "end": datasets.Value("int32"),
        }
    )
    columns = {name: [row[name] for row in rows] for name in SENTENCE_FIELDS}
    datasets.Dataset.from_dict(columns, features=features).save_to_disk(str(out_dir / "dataset"))
