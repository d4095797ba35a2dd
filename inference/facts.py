"""Facts: one row per figure, with its program, normalised value and unit, and original offsets.

A figure linked to a program gives a fact with that program; an unlinked figure
gives a fact with an empty program (so nothing the model found is dropped).
inference/enrich.py then puts the program on the taxonomy and adds the document's period and place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KIND_OF = {"COUNT": "count", "AMOUNT": "amount", "PERCENT": "percent"}


@dataclass
class Fact:
    doc: str
    sentence: int                    # index of the sentence in the document
    program: str                     # as written in the original text ("" when unlinked)
    program_simplified: str          # after cleaning (simplified script, glosses removed)
    kind: str                        # count | amount | percent
    value: str | None                # Decimal as a string: exact, never a float
    low: str | None
    high: str | None
    unit: str | None                 # canonical (normalize_unit), "%" for percent
    approximate: bool
    figure: str                      # the figure as written (original text)
    figure_start: int                # offsets into the ORIGINAL document text
    figure_end: int
    program_start: int | None
    program_end: int | None
    score: float | None              # figure score × link score
    figure_id: str = ""              # entity id within the document
    program_entity_id: str = ""      # the PROGRAM entity's id within the document
    # the program on the taxonomy (inference/taxonomy.py, inference/data/programs.yaml)
    program_id: str = ""             # taxonomy id, "" when unlinked or unmatched
    program_name: str = ""           # the taxonomy's canonical name
    program_match: str = ""          # exact | alias | compound | nearest | none ("" when unlinked)
    program_score: float | None = None  # 1.0 exact/alias, similarity for nearest/compound
    # the document's period and place (inference/period.py, inference/place.py), on every fact
    period: str = ""                 # 2019年上半年, 2020年, 2018年(截至目前) … ("" when not stated)
    place: str = ""                  # 山南市, 泽库县 … ("" when not found)
    # consistency problems (inference/checks.py) and implausible values (inference/plausibility.py)
    checks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
