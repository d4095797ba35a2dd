"""The cleaning steps, registered by name in `STEPS` (the pipeline in `corpus.cleaning` runs them).

A step is ``fn(text, builder, config, doc_format) -> None``: it looks at `text` (the
output of the previous step) and records its edits into `builder`; it never builds
strings or offsets itself.  Each step is one concern and can be switched off by name.
Character-level labels need 1 char → 1 char wherever possible, so every step that
changes characters replaces them one by one.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from corpus.html_strip import decode_entity, strip_markup
from corpus.mojibake import find_mojibake
from corpus.offsets import EditBuilder

if TYPE_CHECKING:
    from corpus.cleaning import CleaningConfig

Step = Callable[[str, EditBuilder, "CleaningConfig", str], None]
#: name → step, in the default order of the pipeline.
STEPS: dict[str, Step] = {}


def step(name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        STEPS[name] = fn
        return fn

    return register


@step("html_markup")
def html_markup(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Tags, comments, script/style → visible text (HTML documents only)."""
    if doc_format == "html":
        strip_markup(text, builder)


_REMNANT_TAG = re.compile(
    r"</?(?:a|b|br|center|div|em|font|h[1-6]|i|img|li|ol|p|span|strong|sub|sup|table|tbody|td|th|tr|u|ul)"
    r"(?:\s[^<>\n]{0,200})?\s*/?>",
    re.I,
)
_LINE_TAGS = re.compile(r"</?(?:br|p|div|tr|li|h[1-6])\b", re.I)
_REMNANT_ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};|nbsp\b)")


@step("html_remnants")
def html_remnants(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Stray tags and entities in plain text (`</font>`, `<br>`, `&nbsp;`, `&amp;`)."""
    tag_starts: list[int] = []  # in order: finditer goes left to right
    tag_ends: list[int] = []
    for match in _REMNANT_TAG.finditer(text):
        tag_starts.append(match.start())
        tag_ends.append(match.end())
        builder.replace(match.start(), match.end(), "\n" if _LINE_TAGS.match(match.group()) else "")
    for match in _REMNANT_ENTITY.finditer(text):
        k = bisect_right(tag_starts, match.start()) - 1  # a bisection, not a scan: linear on long texts
        if k >= 0 and match.start() < tag_ends[k]:
            continue  # inside a tag that is already gone
        decoded = decode_entity(match.group())
        if decoded is not None:
            builder.replace(match.start(), match.end(), decoded.replace("\xa0", " "))


@step("mojibake")
def mojibake(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Runs of UTF-8-read-as-GBK garbage (see corpus.mojibake); runs before width/t2s change chars."""
    for start, end in find_mojibake(text, config.mojibake):
        builder.delete(start, end)


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜḿńňǹ"
_GLOSS = re.compile(rf"(?<=\S)[(（]([a-zü{_TONED}]{{1,6}})[)）]")
_SYLLABLE = re.compile(r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:[aeiouüv][a-zü]{0,4}|ng?|m)")


def _is_toned_syllable(word: str) -> bool:
    if sum(ch in _TONED for ch in word) != 1:
        return False
    base = "".join(unicodedata.normalize("NFD", ch)[0] if ch != "ü" else "ü" for ch in word)
    return _SYLLABLE.fullmatch(base) is not None


@step("pinyin_glosses")
def pinyin_glosses(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """`發(fā)` → `發`: a parenthesised pinyin syllable WITH a tone mark right after a char.

    Requiring the tone mark keeps ordinary Latin in brackets, (PPP), (试行), (a), (xxx).
    """
    for match in _GLOSS.finditer(text):
        if _is_toned_syllable(match.group(1)):
            builder.delete(match.start(), match.end())


#: Chinese punctuation that stays full width: it is the norm in Chinese text.
KEEP_WIDE = frozenset("。，、；：？！")


@lru_cache(maxsize=4096)
def _narrow(ch: str) -> str:
    """NFKC restricted to 1→1 mappings of width variants, spaces and compatibility ideographs."""
    if ch in KEEP_WIDE or ord(ch) < 0x80:
        return ch
    if unicodedata.category(ch) == "Zs":
        return " "
    decomposition = unicodedata.decomposition(ch)
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        return ch  # ㈠ → (一), … → ..., ½ → 1⁄2 would change the length: keep
    if decomposition.startswith(("<wide>", "<narrow>")):
        return folded
    if "\u4e00" <= folded <= "\u9fff" and not decomposition.startswith(("<super>", "<sub>", "<circle>")):
        return folded  # CJK compatibility ideographs and Kangxi radicals → unified ideographs
    return ch


@step("width")
def width(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Full-width letters/digits/symbols → ASCII (１２３ → 123, （ → (), odd spaces → ' '."""
    for i, ch in enumerate(text):
        narrow = _narrow(ch)
        if narrow != ch:
            builder.replace(i, i + 1, narrow)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@step("t2s")
def t2s(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Traditional → simplified (OpenCC t2s), per line; per char where a phrase changes length."""
    converter = _t2s()
    offset = 0
    for line in text.split("\n"):
        converted = converter.convert(line)
        if len(converted) != len(line):
            converted = "".join(c if len(c := converter.convert(ch)) == 1 else ch for ch in line)
        for i, (old, new) in enumerate(zip(line, converted, strict=True)):
            if old != new:
                builder.replace(offset + i, offset + i + 1, new)
        offset += len(line) + 1


DEFAULT_BOILERPLATE: tuple[str, ...] = (
    r"扫一扫在手机上?(?:打开|查看)当前页面?",
    r"(?:【\s*)?我要打印\s*(?:】\s*)?(?:【\s*)?关闭窗口(?:\s*】)?",
    r"(?:【\s*)?(?:打印本页|打印)\s*(?:】\s*)?(?:【\s*)?关闭(?:本页|窗口)?(?:\s*】)?",
    r"当前位置\s*[:：][^，,；;。！？!]*",  # a navigation trail has no clause punctuation: report text does
    r".*免责声明.*",
    r"由互联网用户整理提供.*",
    r"(?:https?://|www\.)\S+",
)
#: The longest stretch a boilerplate pattern may delete.  Page furniture is short (当前位置：首页 >
#: 政务公开, 本站免责声明：…); a longer sentence that matches is report text that happens to
#: contain the words, or a whole document with no breaks, which `.*免责声明.*` would erase.
MAX_FURNITURE_CHARS = 120
_LINE = re.compile(r"[^\n]*(?:\n|$)")
#: Patterns are matched a sentence at a time (with its terminators), never across a sentence end.
_LINE_SENTENCE = re.compile(r"[^。！？!\n]+[。！？!]*")
_DIGIT = re.compile(r"[0-9０-９]")


@step("boilerplate")
def boilerplate(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """Page furniture, a sentence at a time: a sentence of at most MAX_FURNITURE_CHARS that a
    pattern matches entirely goes — in a line of several sentences only if it has no figure
    (there it is more likely report text).  A line that was all furniture goes with its break."""
    patterns = [re.compile(p) for p in config.boilerplate_patterns]
    for line in _LINE.finditer(text):
        stretches = []
        for sentence in _LINE_SENTENCE.finditer(text, line.start(), line.end()):
            piece = sentence.group()
            stripped = piece.strip()
            if stripped:
                start = sentence.start() + len(piece) - len(piece.lstrip())
                stretches.append((start, start + len(stripped), stripped))
        furniture = [
            (start, end)
            for start, end, stripped in stretches
            if len(stripped) <= MAX_FURNITURE_CHARS
            and (len(stretches) == 1 or not _DIGIT.search(stripped))
            and any(p.fullmatch(stripped) for p in patterns)
        ]
        if furniture and len(furniture) == len(stretches):
            builder.delete(line.start(), line.end())
        else:
            for start, end in furniture:
                builder.delete(start, end)


def is_cjk(ch: str) -> bool:
    """Ideographs, CJK symbols/punctuation and full-width forms: no spaces needed around them."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or ch in "“”‘’—…·"
    )


_BREAKS = r"(?:\r\n|\r|\n)"
_WHITESPACE = re.compile(
    rf"(?P<brk>[^\S\r\n]*{_BREAKS}(?:[^\S\r\n]*{_BREAKS})*[^\S\r\n]*)|(?P<sp>[^\S\r\n]+)|(?P<zw>[\u200b-\u200d\u2060\ufeff]+)"
)


@step("whitespace")
def whitespace(text: str, builder: EditBuilder, config: CleaningConfig, doc_format: str) -> None:
    """\\r\\n → \\n; spaces next to CJK → none, else one; blank-line runs → one; trim lines/text."""
    for match in _WHITESPACE.finditer(text):
        start, end = match.span()
        if match.lastgroup == "zw" or start == 0 or end == len(text):
            builder.delete(start, end)
        elif match.lastgroup == "brk":
            breaks = len(re.findall(_BREAKS, match.group()))
            builder.replace(start, end, "\n" if breaks == 1 else "\n\n")
        elif is_cjk(text[start - 1]) or is_cjk(text[end]):
            builder.delete(start, end)
        else:
            builder.replace(start, end, " ")
