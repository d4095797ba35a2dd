"""Strip HTML markup while recording every edit, so offsets still point into the markup.

Hand-written rather than a parser library because we need, for every visible
character, the position of the markup it came from.  What it does:

* comments, ``<!DOCTYPE …>``, ``<?…?>`` and CDATA are deleted;
* ``<script>``/``<style>``/``<noscript>``/``<template>`` elements are deleted with their content;
* block-level tags (``<p>``, ``<div>``, ``<br>``, ``<li>``, ``<tr>``, headings …) become one
  line break (mapped to the tag), other tags are deleted;
* entities (``&amp;``, ``&nbsp;``, ``&#20013;``, ``&#x4e2d;``) become the character they name;
* line breaks and tabs inside text are markup layout, not content: they become spaces
  (white-space folding later drops spaces between CJK characters).

The visible text matches BeautifulSoup's ``get_text()`` up to white space (tested).
"""

from __future__ import annotations

import html
import re

from corpus.offsets import EditBuilder

BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p pre section table tbody td tfoot th "
    "thead title tr ul".split()
)
#: Elements whose content is not visible text.
HIDDEN_ELEMENTS = ("script", "style", "noscript", "template")

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)(?:\s[^<>]*?)?/?>", re.S)
_LAYOUT_WS = re.compile(r"[\r\n\t]+")


def decode_entity(entity: str) -> str | None:
    """The text an entity stands for, or None when it is not a known entity.

    `html.unescape` follows the browsers: legacy names also work without ";" (`&nbsp`).
    """
    decoded = html.unescape(entity)
    return decoded if decoded != entity else None


def _skip_special(markup: str, pos: int) -> int | None:
    """End of a comment / doctype / processing instruction / CDATA starting at pos, else None."""
    for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<!", ">"), ("<?", ">")):
        if markup.startswith(opener, pos):
            end = markup.find(closer, pos + len(opener))
            return len(markup) if end < 0 else end + len(closer)
    return None


def strip_markup(markup: str, builder: EditBuilder) -> None:
    """Record into `builder` the edits that turn `markup` into its visible text."""
    pos, n = 0, len(markup)
    text_start = 0  # start of the current run of text between tags
    while pos < n:
        lt = markup.find("<", pos)
        if lt < 0:
            break
        special_end = _skip_special(markup, lt)
        tag = None if special_end is not None else _TAG.match(markup, lt)
        if special_end is None and tag is None:
            pos = lt + 1  # a lone "<" is text
            continue
        _text_run(markup, text_start, lt, builder)
        if special_end is not None:
            builder.delete(lt, special_end)
            pos = text_start = special_end
            continue
        assert tag is not None
        name = tag.group(1).lower()
        end = tag.end()
        is_closing = markup.startswith("</", lt)
        if not is_closing and name in HIDDEN_ELEMENTS:
            close = re.compile(rf"</{name}\s*>", re.I).search(markup, end)
            end = close.end() if close else n
            builder.delete(lt, end)
        elif name in BLOCK_TAGS:
            builder.replace(lt, end, "\n")
        else:
            builder.delete(lt, end)
        pos = text_start = end
    _text_run(markup, text_start, n, builder)


def _text_run(markup: str, start: int, end: int, builder: EditBuilder) -> None:
    """Decode entities and turn layout white space into spaces within markup[start:end]."""
    for match in _ENTITY.finditer(markup, start, end):
        decoded = decode_entity(match.group())
        if decoded is not None:
            builder.replace(match.start(), match.end(), decoded.replace("\xa0", " "))
    for match in _LAYOUT_WS.finditer(markup, start, end):
        builder.replace(match.start(), match.end(), " ")
