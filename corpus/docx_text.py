"""The text of a .docx file: everything a reader sees, in reading order, as one string.

* headers (each header part once), then the body, then footnotes and endnotes, then footers;
* the body in document order: paragraphs and tables interleaved as they stand (content
  controls are looked into);
* a table row ends with a line break and its cells are separated by a tab (a cell with
  several paragraphs keeps its line breaks).  Cells are read from the XML, not `row.cells`:
  a merged cell is one cell, not repeated, and a cell never runs into its neighbour.

Footnotes and endnotes are not exposed by python-docx: their parts are parsed here.
All offsets of a docx document point into the string built here (its "original text").
"""

from __future__ import annotations

import io

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_NOTE_TYPES_SKIPPED = ("separator", "continuationSeparator", "continuationNotice")


def docx_text(data: bytes) -> str:
    """The document's text; raises whatever python-docx / lxml raise on a broken file."""
    import docx

    document = docx.Document(io.BytesIO(data))
    related = sorted(
        (rel.target_part.partname, rel.reltype, rel.target_part)
        for rel in document.part.rels.values()
        if not rel.is_external
    )
    headers = [_lines(part.element) for _, reltype, part in related if reltype == RT.HEADER]
    footers = [_lines(part.element) for _, reltype, part in related if reltype == RT.FOOTER]
    notes = [
        _note_lines(parse_xml(part.blob), tag)
        for _, reltype, part in related
        for note_type, tag in ((RT.FOOTNOTES, "w:footnote"), (RT.ENDNOTES, "w:endnote"))
        if reltype == note_type
    ]
    blocks = [*headers, _lines(document.element.body), *notes, *footers]
    body_index = len(headers)
    # the body always counts (its empty paragraphs are kept); other parts only when they say something
    return "\n".join(
        "\n".join(lines) for i, lines in enumerate(blocks) if i == body_index or any(line.strip() for line in lines)
    )


def _lines(container) -> list[str]:
    """Lines of a block container (body, cell, header, note): paragraphs and table rows in order."""
    lines: list[str] = []
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, None).text)
        elif child.tag == qn("w:tbl"):
            lines.extend(_table_lines(child))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_lines(content))
    return lines


def _table_lines(table) -> list[str]:
    """A row's cells joined by a tab and the row ended by a line break; a cell with several
    paragraphs (or a nested table) keeps its own line breaks, in order."""
    return [
        "\t".join("\n".join(_lines(cell)) for cell in row.iterchildren(qn("w:tc")))
        for row in table.iterchildren(qn("w:tr"))
    ]


def _note_lines(root, tag: str) -> list[str]:
    lines: list[str] = []
    for note in root.iterchildren(qn(tag)):
        if note.get(qn("w:type")) in _NOTE_TYPES_SKIPPED:
            continue  # the separator lines Word draws above the notes
        lines.extend(_lines(note))
    return lines
