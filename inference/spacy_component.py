"""spaCy integration: `nlp.add_pipe("minzheng", config={"model": "models/default"})`.

The factory is registered through the `spacy_factories` entry point, so a blank
pipeline finds it without importing minzheng first. It sets `doc.ents` (labels
PROGRAM, COUNT, AMOUNT, PERCENT, UNIT) and `doc._.facts` (fact dicts as in the
JSONL output).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from inference.extractor import Extractor, default_model

if not Doc.has_extension("facts"):
    Doc.set_extension("facts", default=None)


class MinzhengComponent:
    def __init__(self, nlp: Language, name: str, model: str, batch_size: int):
        self.name = name
        self.extractor = Extractor.from_pretrained(model or default_model(), batch_size=batch_size)

    def __call__(self, doc: Doc) -> Doc:
        return self._set(doc, self.extractor(doc.text))

    def pipe(self, docs, batch_size: int = 32):
        docs = list(docs)
        for doc, result in zip(docs, self.extractor.pipe([d.text for d in docs], batch_size=batch_size), strict=True):
            yield self._set(doc, result)

    @staticmethod
    def _set(doc: Doc, result) -> Doc:
        spans = []
        for ent in result.entities:
            span = doc.char_span(ent["start"], ent["end"], label=ent["label"], alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.set_ents(spacy_filter(spans))
        doc._.facts = [f.as_dict() for f in result.facts]
        return doc


def spacy_filter(spans):
    from spacy.util import filter_spans

    return filter_spans(spans)


@Language.factory("minzheng", default_config={"model": "", "batch_size": 32})
def make_minzheng(nlp: Language, name: str, model: str, batch_size: int) -> MinzhengComponent:
    return MinzhengComponent(nlp, name, model, batch_size)
