"""After extraction, per document: the program of every fact on the taxonomy, the report's period and
place (document fields with original offsets, and a label on every fact), and plausibility flags.

Kept apart from the Extractor so that each step has one module: taxonomy.py matches names, period.py
and place.py read the clean text, plausibility.py judges values; this module only applies them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference.facts import Fact
from inference.period import find_period
from inference.place import find_place
from inference.plausibility import check_plausibility
from inference.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:  # the Extractor imports this module
    from corpus.cleaning import CleanDocument
    from inference.extractor import Document


def map_program(fact: Fact, taxonomy: Taxonomy) -> None:
    """Set the fact's program_id, program_name, program_match and program_score."""
    if not fact.program:
        fact.program_id, fact.program_name, fact.program_match, fact.program_score = "", "", "", None
        return
    found = taxonomy.match(fact.program, fact.program_simplified)
    fact.program_id, fact.program_name, fact.program_match, fact.program_score = (
        found.id, found.name, found.how, found.score)


def enrich_document(doc: Document, clean: CleanDocument, taxonomy: Taxonomy | None = None) -> None:
    """doc.period and doc.place (dicts with original offsets, or None), the taxonomy program, period and
    place on every fact, and the plausibility records added to doc.checks (and the facts' checks)."""
    taxonomy = taxonomy or load_taxonomy()
    period = find_period(clean.text, doc.text, clean.to_original)
    place = find_place(clean.text, doc.text, clean.to_original)
    doc.period = period.as_dict() if period else None
    doc.place = place.as_dict() if place else None
    for fact in doc.facts:
        map_program(fact, taxonomy)
        fact.period = period.label if period else ""
        fact.place = place.name if place else ""
    doc.checks += check_plausibility(doc.text, doc.facts, place.level if place else None)
