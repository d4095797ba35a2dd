"""Readers: a file on disk → `RawDocument`, whose `text` every offset points into.

* ``.txt``: the encoding is detected from the bytes, never from the name: a BOM
  (stripped, not part of `text`), strict UTF-8, then charset-normalizer's guess and
  GB18030 / Big5 trials, each decoded strictly and scored by how plausible the
  result is as Chinese text (share of common characters).
* ``.html`` / ``.htm``: decoded the same way (a ``<meta charset>`` is tried first);
  `text` is the markup itself, the cleaning pipeline strips it with offsets.
* ``.docx``: paragraphs joined by ``"\\n"`` (python-docx).

Anything unreadable raises `ReadError(path, reason)`.
"""

from __future__ import annotations

import codecs
import re
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


def _first_bad_utf8(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start
    return None


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes, rather than another encoding."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for c in text if ord(c) > 0x7F) - bad
    return multibyte >= 4 and bad <= max(2, multibyte // 20)


def decode_bytes(data: bytes, path: Path | str, hints: tuple[str, ...] = ()) -> tuple[str, str]:
    """Decode a text file's bytes; returns (text, encoding) or raises ReadError."""
    if not data.strip():
        raise ReadError(path, "empty file" if not data else "empty file (white space only)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                raise ReadError(path, f"invalid bytes for {encoding} at byte {err.start}") from None
            return text.lstrip("\ufeff"), encoding.removesuffix("-sig")
    if b"\x00" in data:
        raise ReadError(path, f"binary file (NUL byte at offset {data.index(0)})")
    bad_at = _first_bad_utf8(data)
    if bad_at is None:
        return data.decode("utf-8"), "utf-8"
    candidates = list(hints)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            candidates.append(best.encoding)
    except Exception:  # detection is only a hint; the trials below decide
        pass
    candidates.extend(FALLBACK_ENCODINGS)
    scored: list[tuple[float, int, str, str]] = []
    for rank, encoding in enumerate(dict.fromkeys(c.lower() for c in candidates)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((plausibility(text), -rank, encoding, text))
    scored.sort(reverse=True)
    if scored and scored[0][0] >= MIN_PLAUSIBILITY and not _mostly_utf8(data):
        score, _, encoding, text = scored[0]
        return text, {"gbk": "gb18030", "gb2312": "gb18030"}.get(encoding, encoding)
    if _mostly_utf8(data):
        raise ReadError(
            path,
            f"invalid bytes: UTF-8 text with an undecodable byte 0x{data[bad_at]:02x} at offset {bad_at}",
        )
    control = sum(1 for b in data if b < 0x09 or 0x0E <= b < 0x20)
    if control > len(data) // 100:
        raise ReadError(path, "binary file (control bytes; not text)")
    raise ReadError(path, "invalid bytes: not valid UTF-8, GB18030 or Big5 text")


def read_document(path: Path | str) -> RawDocument:
    """Read one file by its extension; raises ReadError with a reason in words."""
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
    text, encoding = decode_bytes(data, path, hints)
    fmt = "txt" if suffix == ".txt" else "html"
    return RawDocument(path=path, name=path.name, text=text, format=fmt, encoding=encoding, data=data)


def _read_docx(path: Path, data: bytes) -> RawDocument:
    if not data:
        raise ReadError(path, "empty file")
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise ReadError(path, f"not a valid .docx file ({err.__class__.__name__}: {err})") from None
    text = "\n".join(p.text for p in document.paragraphs)
    if not text.strip():
        raise ReadError(path, "empty document (no paragraph text)")
    return RawDocument(path=path, name=path.name, text=text, format="docx", encoding=None, data=data)


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
