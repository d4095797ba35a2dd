"""The place a report is about: the county or city whose civil-affairs bureau issued it.

Found in the clean text (simplified script), most to least telling:
  issuer    a line that starts with a place's bureau: 山南市民政局2019年上半年工作总结, 天门市民政局,
            澤庫縣民政局 (the signature); among several, the first in the title lines, else the lowest level
  document  a local document cited by title, named after its place: 《宿松县关于巩固拓展…》
Only whole names are taken: 县民政局, 全市, 我县, 州民政局 name no place. The level comes from the
suffix (县/区/旗 county, 市/州/盟 city, 省/自治区 province): a 市 may be a county-level city (天门市).
Offsets are into the ORIGINAL document (the caller's OffsetMap).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

from inference.period import stripped_lines

_HAN = "\u4e00-\u9fff"
_SUFFIX = r"自治州|自治县|自治旗|自治区|地区|新区|省|市|州|县|区|旗|盟"
LEVELS = {"province": ("省", "自治区"), "city": ("市", "州", "盟", "地区", "自治州"),
          "county": ("县", "区", "旗", "自治县", "自治旗", "新区")}
_RANK = {"county": 0, "city": 1, "province": 2}   # the lowest level wins: a county report cites its city
_ISSUER = re.compile(rf"(?P<name>[{_HAN}]{{1,8}}?(?:{_SUFFIX}))(?:人民政府)?民政(?:局|厅|处|部门)")
_DOCUMENT = re.compile(rf"《(?:中共)?(?P<name>[{_HAN}]{{2,8}}?(?:{_SUFFIX}))")
# words that are not a place when they stand before a suffix: 全县, 我市, 本区, 该县, 上级 …; words that
# open a sentence, not a name (按照州民政局安排…); and the verbs of a document title that names no place
# (《关于规范县城乡养老服务…》)
_NOT_A_PLACE = re.compile(r"^(?:全|我|本|该|各|此|上级|下级|各级|有关|相关|周边|按照|根据|依据|经|由|在|向|对|与|和|及"
                          r"|配合|协调|联合|会同|协助|请|报|将|把|从|同)|关于|印发|开展|加强|推进|做好|规范|实施")
TITLE_LINES = 25


@dataclass(frozen=True)
class ReportPlace:
    name: str                     # simplified: 泽库县
    level: str                    # county | city | province
    text: str                     # as written in the original: original[start:end] (澤庫縣)
    start: int                    # offsets into the ORIGINAL document text
    end: int
    source: str                   # issuer | document

    def as_dict(self) -> dict:
        return asdict(self)


def level_of(name: str) -> str:
    for level, suffixes in LEVELS.items():
        if name.endswith(tuple(s for s in suffixes if len(s) > 1)):
            return level
    for level, suffixes in LEVELS.items():
        if name.endswith(tuple(s for s in suffixes if len(s) == 1)):
            return level
    return "county"


def _is_place(name: str) -> bool:
    stem = re.sub(rf"(?:{_SUFFIX})$", "", name)
    return len(stem) >= 2 and not _NOT_A_PLACE.search(stem) and not re.search(rf"[^{_HAN}]", name)


def find_place(clean: str, original: str, to_original: Callable[[int, int], tuple[int, int]]) -> ReportPlace | None:
    """The report's county or city, or None when the text names none."""
    issuers: list[tuple[int, int, str, int]] = []  # (line number, clean start, name, clean end)
    for n, (offset, line) in enumerate(stripped_lines(clean)):
        m = _ISSUER.match(line)
        if m and _is_place(m["name"]):
            issuers.append((n, offset + m.start("name"), m["name"], offset + m.end("name")))
    if issuers:
        in_title = [i for i in issuers if i[0] < TITLE_LINES]
        if in_title:
            chosen = in_title[0]
        else:
            chosen = min(issuers, key=lambda i: (_RANK[level_of(i[2])], i[0]))
        return _place(chosen[2], chosen[1], chosen[3], "issuer", original, to_original)
    cited = [(m["name"], m.start("name"), m.end("name")) for m in _DOCUMENT.finditer(clean) if _is_place(m["name"])]
    if cited:
        counts = Counter(name for name, _, _ in cited)
        name, start, end = min(cited, key=lambda c: (_RANK[level_of(c[0])], -counts[c[0]], c[1]))
        return _place(name, start, end, "document", original, to_original)
    return None


def _place(name: str, start: int, end: int, source: str, original: str,
           to_original: Callable[[int, int], tuple[int, int]]) -> ReportPlace:
    o_start, o_end = to_original(start, end)
    return ReportPlace(name, level_of(name), original[o_start:o_end], o_start, o_end, source)
