"""A displaCy page for people to review: every document's entities, then its facts table."""

from __future__ import annotations

import html
from pathlib import Path

from spacy import displacy

from annotation.schema import COLOURS
from inference.extractor import Document
from inference.output import write_text_atomic

_FACT_COLUMNS = ("sentence", "program", "kind", "value", "low", "high", "unit", "approximate", "figure", "score",
                 "checks")


def _facts_table(doc: Document) -> str:
    head = "".join(f"<th>{c}</th>" for c in _FACT_COLUMNS)
    rows = []
    for f in doc.facts:
        cells = f.as_dict()
        cells["checks"] = "; ".join(f.checks)
        style = ' style="background:#fdd"' if f.checks else ""
        rows.append(f"<tr{style}>" + "".join(f"<td>{html.escape(str(cells[c] if cells[c] is not None else ''))}</td>"
                                             for c in _FACT_COLUMNS) + "</tr>")
    return f'<table class="facts"><tr>{head}</tr>{"".join(rows)}</table>'


def document_html(doc: Document) -> str:
    data = {"text": doc.text, "title": f"{doc.doc} — {len(doc.entities)} entities, {len(doc.facts)} facts",
            "ents": [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in doc.entities]}
    ents = displacy.render(data, style="ent", manual=True, page=False,
                           options={"colors": COLOURS, "ents": list(COLOURS)})
    errors = "".join(f"<li>{html.escape(e)}</li>" for e in doc.errors)
    return f"<section>{ents}{_facts_table(doc)}{f'<ul class=errors>{errors}</ul>' if errors else ''}</section>"


class ReviewPage:
    """Collects documents as they stream by and writes one HTML page."""

    def __init__(self, path: Path):
        self.path = path
        self.parts: list[str] = []

    def add(self, doc: Document) -> None:
        self.parts.append(document_html(doc))

    def write(self) -> Path:
        style = ("body{font-family:sans-serif;margin:2em} table.facts{border-collapse:collapse;margin:1em 0 3em}"
                 "table.facts td,table.facts th{border:1px solid #ccc;padding:2px 6px;font-size:13px}")
        page = (f"<!doctype html><html lang=zh><head><meta charset=utf-8><title>minzheng review</title>"
                f"<style>{style}</style></head><body><h1>minzheng review: {len(self.parts)} documents</h1>"
                + "".join(self.parts) + "</body></html>")
        return write_text_atomic(self.path, page)  # a page cut short never replaces the last good one
