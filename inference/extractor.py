"""The Extractor: documents in, entities, relations and facts out — every offset into the ORIGINAL text.

A pipeline of named stages: read → clean (OffsetMap) → segment → predict
(batched across documents, sorted by length) → map to original offsets →
facts (normalised values) → checks (totals and their parts).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.schema import FIGURE_LABELS, UNIT, Example, Span
from corpus.build import CorpusConfig
from corpus.cleaning import clean_document
from corpus.readers import RawDocument
from corpus.sentences import sentence_spans
from inference.checks import check_totals
from inference.digit_groups import join_digit_groups
from inference.enrich import enrich_document
from inference.facts import KIND_OF, Fact
from inference.normalize import NormalizationError, normalize_figure
from training.predict import FigureModel


def default_model() -> Path:
    """models/default of the checkout (MINZHENG_MODEL overrides)."""
    import os

    return Path(os.environ.get("MINZHENG_MODEL", Path(__file__).resolve().parent.parent / "models" / "default"))


# Sentences per model.predict call: bounds memory on long reports (each sentence holds its tag
# probabilities until it is decoded) while leaving enough sentences to sort by length (less padding).
PREDICT_GROUP = 2048
_RANGE_SEPARATORS = ("-", "—", "–", "~", "～", "至", "到")


@dataclass
class Document:
    doc: str
    path: str
    text: str  # the original text
    entities: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)  # original offsets
    period: dict[str, Any] | None = None  # the report's period and place, with original offsets (enrich.py)
    place: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSONL record (inference/README.md documents the schema)."""
        return {"doc": self.doc, "path": self.path, "entities": self.entities, "relations": self.relations,
                "facts": [f.as_dict() for f in self.facts], "checks": self.checks, "errors": self.errors,
                "period": self.period, "place": self.place}


@dataclass
class _Piece:
    """One sentence of one document on its way through the model."""

    doc_index: int
    index: int
    clean_start: int
    text: str


class Extractor:
    """`Extractor.from_pretrained(DIR)`; `extractor(text) -> Document`; `extractor.pipe(texts)`."""

    def __init__(self, model: FigureModel, corpus_config: CorpusConfig | None = None, batch_size: int = 32):
        self.model = model
        self.corpus_config = corpus_config or CorpusConfig()
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(cls, path: str | Path, linker: str | None = None, runtime: str = "torch",
                        quantize: bool = False, **kwargs) -> Extractor:
        """runtime torch|onnx, and quantize (ONNX Runtime's int8, with runtime onnx): benchmarks/runtimes.py."""
        extractor = cls(FigureModel.from_pretrained(path, linker=linker, runtime=runtime, quantize=quantize), **kwargs)
        # The model, torch and transformers are hundreds of thousands of objects that never become garbage;
        # every full collection during extraction walked them all again (a tenth of the time outside the
        # encoder). Frozen, the collector skips them; new garbage is collected as before.
        gc.freeze()
        return extractor

    def __call__(self, text: str, doc: str = "<text>") -> Document:
        if not isinstance(text, str | RawDocument):
            raise TypeError(_not_a_text(text, "extractor() takes a str"))
        return next(iter(self.pipe([text], docs=[doc])))

    def pipe(self, texts: Iterable[str | RawDocument], batch_size: int | None = None,
             docs: Sequence[str] | None = None, chunk_docs: int = 64) -> Iterator[Document]:
        """Documents in input order; sentences are batched across up to `chunk_docs` documents at a time.

        One Document per input, in order. An input that is not a str (None, bytes, a number) is a
        TypeError naming its index: for a list or other sequence before any work is done; for an
        iterator when it is reached (the documents of earlier chunks have been yielded by then).
        Checked at the call, not at the first next(): a bad list fails where it is passed."""
        if isinstance(texts, str | bytes):
            raise TypeError("pipe() takes an iterable of texts, not a single text: use extractor(text)")
        if isinstance(texts, Sequence):
            for i, item in enumerate(texts):
                _check_text(i, item)
            if docs is not None and len(docs) != len(texts):
                raise ValueError(f"pipe(): {len(texts)} texts but {len(docs)} doc names")
        return self._pipe(texts, batch_size, docs, chunk_docs)

    def _pipe(self, texts: Iterable[str | RawDocument], batch_size: int | None, docs: Sequence[str] | None,
              chunk_docs: int) -> Iterator[Document]:
        chunk: list[RawDocument] = []
        for i, item in enumerate(texts):
            _check_text(i, item)
            if isinstance(item, RawDocument):
                chunk.append(item)
            else:
                if docs is not None and i >= len(docs):
                    raise ValueError(f"pipe(): more texts than the {len(docs)} doc names")
                name = docs[i] if docs is not None else f"text-{i}"
                chunk.append(RawDocument(Path(name), name, item, "text", None, item.encode("utf-8")))
            if len(chunk) >= chunk_docs:
                yield from self._process(chunk, batch_size or self.batch_size)
                chunk = []
        if chunk:
            yield from self._process(chunk, batch_size or self.batch_size)

    def _process(self, raws: Sequence[RawDocument], batch_size: int) -> list[Document]:
        cleaned = [clean_document(raw, self.corpus_config.cleaning) for raw in raws]
        pieces = [
            _Piece(d, k, start, clean.text[start:end])
            for d, clean in enumerate(cleaned)
            for k, (start, end) in enumerate(sentence_spans(clean.text, self.corpus_config.max_chars))
        ]
        # the model splits 27 482 at the space: figures are widened over their digit groups.
        # A bounded group of sentences at a time: predict() holds every hidden state it computes
        # (~1 KB a character), so one long report must not go in at once (corpus issue 11, item 8).
        texts = [p.text for p in pieces]
        predicted = [join_digit_groups(e) for g in range(0, len(texts), PREDICT_GROUP)
                     for e in self.model.predict(texts[g : g + PREDICT_GROUP], batch_size)]
        out = [Document(raw.name, str(raw.path), raw.text) for raw in raws]
        for piece, example in zip(pieces, predicted, strict=True):
            self._add_sentence(out[piece.doc_index], cleaned[piece.doc_index], piece, example)
        for doc, clean in zip(out, cleaned, strict=True):  # taxonomy programs, period, place, plausibility
            enrich_document(doc, clean)
        return out

    def _add_sentence(self, doc: Document, clean, piece: _Piece, example: Example) -> None:
        to_orig = clean.offsets.to_original
        doc.sentences.append(to_orig(piece.clean_start, piece.clean_start + len(piece.text)))
        ids: dict[str, str] = {}
        for span in example.spans:
            ids[span.id] = f"e{len(doc.entities) + 1}"
            start, end = to_orig(piece.clean_start + span.start, piece.clean_start + span.end)
            doc.entities.append({"id": ids[span.id], "label": span.label, "start": start, "end": end,
                                 "text": doc.text[start:end], "score": span.score, "sentence": piece.index})
        for rel in example.relations:
            doc.relations.append({"head": ids[rel.head], "tail": ids[rel.tail], "label": rel.label,
                                  "score": rel.score})
        facts = sentence_facts(doc, piece, example, ids, to_orig)
        doc.facts += facts
        doc.checks += check_totals(doc.text, facts)


def _not_a_text(item: Any, what: str) -> str:
    hint = (": decode it first, e.g. data.decode('utf-8'); for files in GB18030 or Big5 use "
            "corpus.readers.read_document, which detects the encoding") if isinstance(item, bytes | bytearray) else ""
    return f"{what}, not {type(item).__name__}{hint}"


def _check_text(index: int, item: Any) -> None:
    # Bytes are refused, not decoded: guessing UTF-8 would silently garble GB18030 reports.
    if not isinstance(item, str | RawDocument):
        raise TypeError(_not_a_text(item, f"pipe(): item {index} must be a str or RawDocument"))


def _unit_after(spans: Sequence[Span], end: int) -> Span | None:
    return next((s for s in spans if s.label == UNIT and s.start == end), None)


def _range_partner(text: str, spans: Sequence[Span], first: Span) -> Span | None:
    """The second figure of a range 200-600元 / 1000元至5000元, if `first` opens one."""
    pos = first.end
    unit = _unit_after(spans, pos)
    if unit is not None:
        pos = unit.end
    for sep in _RANGE_SEPARATORS:
        if text.startswith(sep, pos):
            return next((s for s in spans if s.label == first.label and s.start == pos + len(sep)), None)
    return None


def sentence_facts(doc: Document, piece: _Piece, example: Example, ids: dict[str, str], to_orig) -> list[Fact]:
    """One fact per figure (a range's two figures make one fact), linked or not."""
    text, spans = example.text, example.spans
    by_id = example.span_by_id()
    program_of = {r.tail: (by_id[r.head], r.score) for r in example.relations if r.head in by_id}
    figures = sorted((s for s in spans if s.label in FIGURE_LABELS), key=lambda s: s.start)
    consumed: set[str] = set()
    facts = []
    for fig in figures:
        if fig.id in consumed:
            continue
        last = fig
        partner = _range_partner(text, spans, fig)
        if partner is not None:
            consumed.add(partner.id)
            last = partner
        unit = _unit_after(spans, last.end)
        end = unit.end if unit else last.end
        figure_text = text[fig.start : last.end]
        try:
            value = normalize_figure(figure_text, fig.label, unit=text[unit.start : unit.end] if unit else None,
                                     before=text[max(0, fig.start - 4) : fig.start], after=text[end : end + 3])
            values = value.as_dict()
        except (NormalizationError, ValueError, ArithmeticError) as err:
            doc.errors.append(f"sentence {piece.index}: figure {figure_text!r} not normalised ({err})")
            values = {"value": None, "low": None, "high": None, "unit": text[unit.start : unit.end] if unit else None,
                      "approximate": False}
        prog, link_score = program_of.get(fig.id) or program_of.get(last.id) or (None, None)
        f_start, f_end = to_orig(piece.clean_start + fig.start, piece.clean_start + last.end)
        p_start = p_end = None
        if prog is not None:
            p_start, p_end = to_orig(piece.clean_start + prog.start, piece.clean_start + prog.end)
        score = fig.score if fig.score is not None else 1.0
        facts.append(Fact(
            doc=doc.doc, sentence=piece.index,
            program=doc.text[p_start:p_end] if prog is not None else "",
            program_simplified=text[prog.start : prog.end] if prog is not None else "",
            kind=KIND_OF[fig.label], value=values["value"], low=values["low"], high=values["high"],
            unit=values["unit"], approximate=bool(values["approximate"]),
            figure=doc.text[f_start:f_end], figure_start=f_start, figure_end=f_end,
            program_start=p_start, program_end=p_end,
            score=round(score * (link_score if link_score is not None else 1.0), 4),
            figure_id=ids[fig.id], program_entity_id=ids[prog.id] if prog is not None else "",
        ))
    return facts
