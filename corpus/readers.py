"""Readers: a file on disk → `RawDocument`, whose `text` every offset points into.

* ``.txt``: the encoding is detected from the bytes, never from the name: a BOM
  (stripped, not part of `text`), UTF-16 without a BOM (NUL bytes on one side of each
  pair), strict UTF-8, then charset-normalizer's guess and GB18030 / Big5 trials, each
  decoded strictly and scored by how plausible the result is as Chinese text (share of
  common characters).  GB18030 wins whenever it is about as plausible as the best
  (short GBK text such as 低保 also decodes as Big5); Big5 only when it is clearly better.
* UTF-8 with a few undecodable bytes (a stray GBK character): each bad sequence becomes
  U+FFFD, `replaced_bytes` counts the bytes and `warnings` names the file; with
  ``strict=True`` such a file is a ReadError instead.
* ``.html`` / ``.htm``: decoded the same way (a ``<meta charset>`` is tried first);
  `text` is the markup itself, the cleaning pipeline strips it with offsets.
* ``.docx``: headers, body paragraphs and tables, footnotes, footers (corpus.docx_text).

Anything unreadable raises `ReadError(path, reason)`.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".html", ".htm", ".docx")

#: Encodings tried, strictly, after UTF-8.  GB18030 is a superset of GBK/GB2312.
FALLBACK_ENCODINGS: tuple[str, ...] = ("gb18030", "big5")
#: A decoding is accepted only if at least this share of its CJK chars are common ones.
MIN_PLAUSIBILITY = 0.6

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_-]{2,20})""", re.I)


class ReadError(Exception):
    """A file that cannot be read; `reason` says why in words."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass(frozen=True)
class RawDocument:
    path: Path
    name: str
    text: str  # the ORIGINAL text: all offsets point into it
    format: str  # "txt" | "html" | "docx" | "text" (in memory)
    encoding: str | None  # None for docx / in-memory text
    data: bytes = b""  # the file's bytes (the sentence ids hash them)
    replaced_bytes: int = 0  # undecodable bytes that became U+FFFD
    warnings: tuple[str, ...] = ()  # things to tell the user, each naming the file


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    replaced_bytes: int = 0
    first_bad: int | None = None  # byte offset of the first replaced byte


def _is_common(ch: str) -> bool:
    """A frequent character: GB2312 level 1 (simplified) or Big5 level 1 (traditional)."""
    try:
        b = ch.encode("gb2312")
        if 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
        return 0xA4 <= b[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def plausibility(text: str) -> float:
    """Share of CJK ideographs in `text` that are common; 1.0 when there are none."""
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"]
    if not cjk:
        return 1.0 if all(c.isprintable() or c in "\r\n\t" for c in text) else 0.0
    return sum(map(_is_common, cjk)) / len(cjk)


_replaced = threading.local()


def _count_and_replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    _replaced.spans.append((err.start, err.end))
    return "\ufffd", err.end


codecs.register_error("minzheng-count-replace", _count_and_replace)


def _decode_replacing(data: bytes, encoding: str) -> tuple[str, list[tuple[int, int]]]:
    """Decode with U+FFFD for each bad sequence; also the (start, end) byte spans replaced."""
    _replaced.spans = []
    try:
        text = data.decode(encoding, errors="minzheng-count-replace")
        return text, _replaced.spans
    finally:
        _replaced.spans = []


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes, rather than another encoding."""
    text, spans = _decode_replacing(data, "utf-8")
    bad = len(spans)
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    return multibyte >= 4 and bad <= max(2, multibyte // 20)


def _replaced_or_strict(data: bytes, encoding: str, path: Path | str, strict: bool, what: str) -> Decoded:
    text, spans = _decode_replacing(data, encoding)
    first = spans[0][0]
    if strict:
        raise ReadError(path, f"invalid bytes: {what} with an undecodable byte 0x{data[first]:02x} at offset {first}")
    return Decoded(text, encoding, sum(end - start for start, end in spans), first)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NUL bytes sit on one side of the byte pairs (ASCII, digits
    and line breaks in UTF-16) and the text decodes strictly and reads as text; else None."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for encoding, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros and other <= zeros // 20:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            control = sum(1 for c in text if ord(c) < 0x20 and c not in "\r\n\t")
            if control <= len(text) // 100 and plausibility(text) >= MIN_PLAUSIBILITY:
                return encoding
    return None


#: GB18030 is chosen over a better-scoring candidate unless that one is ahead by more than this.
GB18030_MARGIN = 0.1


def decode(data: bytes, path: Path | str, hints: tuple[str, ...] = (), strict: bool = False) -> Decoded:
    """Decode a text file's bytes (see the module docstring); raises ReadError."""
    if not data.strip():
        raise ReadError(path, "empty file" if not data else "empty file (white space only)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                decoded = _replaced_or_strict(data, encoding, path, strict, f"{encoding} text (BOM)")
                return Decoded(
                    decoded.text.lstrip("\ufeff"), encoding.removesuffix("-sig"), decoded.replaced_bytes,
                    decoded.first_bad,
                )
            return Decoded(text.lstrip("\ufeff"), encoding.removesuffix("-sig"))
    if b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding is not None:
            return Decoded(data.decode(encoding), encoding)
        raise ReadError(path, f"binary file (NUL byte at offset {data.index(0)})")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return _replaced_or_strict(data, "utf-8", path, strict, "UTF-8 text")
    candidates = list(hints)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            candidates.append(best.encoding)
    except Exception:  # detection is only a hint; the trials below decide
        pass
    candidates.extend(FALLBACK_ENCODINGS)
    aliases = {"gbk": "gb18030", "gb2312": "gb18030"}
    scored: dict[str, tuple[float, int, str]] = {}  # encoding → (plausibility, -rank, text)
    for rank, encoding in enumerate(dict.fromkeys(aliases.get(c.lower(), c.lower()) for c in candidates)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        scored[encoding] = (plausibility(text), -rank, text)
    if scored:
        encoding = max(scored, key=lambda e: scored[e][:2])
        gb = scored.get("gb18030")
        # Short GBK text (低保) is also valid, plausible Big5: simplified GB18030 is the norm here.
        if gb is not None and gb[0] >= MIN_PLAUSIBILITY and gb[0] >= scored[encoding][0] - GB18030_MARGIN:
            encoding = "gb18030"
        if scored[encoding][0] >= MIN_PLAUSIBILITY:
            return Decoded(scored[encoding][2], encoding)
    control = sum(1 for b in data if b < 0x09 or 0x0E <= b < 0x20)
    if control > len(data) // 100:
        raise ReadError(path, "binary file (control bytes; not text)")
    raise ReadError(path, "invalid bytes: not valid UTF-8, UTF-16, GB18030 or Big5 text")


def decode_bytes(data: bytes, path: Path | str, hints: tuple[str, ...] = (), strict: bool = False) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes; see `decode`."""
    decoded = decode(data, path, hints, strict)
    return decoded.text, decoded.encoding


def read_document(path: Path | str, strict_encoding: bool = False) -> RawDocument:
    """Read one file by its extension; raises ReadError with a reason in words.

    `strict_encoding`: undecodable bytes are an error instead of U+FFFD (counted, with a warning)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(
            path, f"unsupported extension {suffix or '(none)'!r} (expected {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ReadError(path, f"cannot open: {err.strerror or err}") from None
    if suffix == ".docx":
        return _read_docx(path, data)
    hints: tuple[str, ...] = ()
    if suffix in (".html", ".htm"):
        match = _META_CHARSET.search(data[:4096])
        hints = (match.group(1).decode("ascii"),) if match else ()
    decoded = decode(data, path, hints, strict_encoding)
    warnings: tuple[str, ...] = ()
    if decoded.replaced_bytes:
        warnings = (
            f"{path}: {decoded.replaced_bytes} undecodable byte(s) in {decoded.encoding} text replaced by "
            f"U+FFFD (first at byte {decoded.first_bad}); --strict-encoding rejects such files",
        )
    return RawDocument(
        path=path, name=path.name, text=decoded.text, format="txt" if suffix == ".txt" else "html",
        encoding=decoded.encoding, data=data, replaced_bytes=decoded.replaced_bytes, warnings=warnings,
    )


def _read_docx(path: Path, data: bytes) -> RawDocument:
    if not data:
        raise ReadError(path, "empty file")
    from corpus.docx_text import docx_text

    try:
        text = docx_text(data)
    except Exception as err:  # a broken zip or XML part raises many kinds of error: all are this file's
        raise ReadError(path, f"not a valid .docx file: {_docx_problem(data, err)}") from None
    if not text.strip():
        raise ReadError(path, "empty document (no text in body, tables, headers, footers or notes)")
    return RawDocument(path=path, name=path.name, text=text, format="docx", encoding=None, data=data)


def _docx_problem(data: bytes, err: Exception) -> str:
    """What is wrong, in words: the broken part by name where one is."""
    import io
    import zipfile

    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as zip_err:
        return f"not a zip archive ({zip_err})"
    if "word/document.xml" not in archive.namelist():
        return "no word/document.xml in the archive"
    for name in archive.namelist():
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            etree.fromstring(archive.read(name))
        except etree.XMLSyntaxError as xml_err:
            return f"{name} is not well-formed XML ({xml_err}; the file may be cut off)"
        except Exception as part_err:  # CRC / decompression errors of a damaged archive
            return f"{name} cannot be read ({part_err.__class__.__name__}: {part_err})"
    return f"{err.__class__.__name__}: {err}"


def iter_input_files(paths: list[Path]) -> list[Path]:
    """Files named on the command line, plus supported files under directories (recursively, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)  # missing / unsupported files are reported by read_document
    return list(dict.fromkeys(files))
