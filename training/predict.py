"""A trained model folder → predictions on clean sentences (entities with scores, has_value relations).

This is the model-level predictor used by training (dev scores, relation head
features) and by inference/ (which adds documents, cleaning and original
offsets). Texts are batched sorted by length to limit padding; a text longer
than the model's window is covered by overlapping windows and the spans of
each window's central part are kept — nothing is silently truncated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from annotation.rules import link_figures
from annotation.schema import FIGURE_LABELS, PROGRAM, Example, Relation, Span
from training.align import LABEL2ID, TokenView, decode_spans, path_allowed, viterbi_batch, word_starts
from training.base import load_tokenizer
from training.constraints import (
    add_lexicon_programs,
    add_rule_figures,
    attach_program,
    check_constraints,
    close_quotes,
    drop_distractors,
    path_obeys,
    pointer_mode,
    programs_on_word_edges,
    span_constraints,
)
from training.features import token_features
from training.folder import check_model_folder
from training.model import BertForFigureTagging
from training.pointer import ProgramPointer, point, pointer_items
from training.relations import RelationHead, decode_relations, make_pairs

MODEL_INFO = "minzheng.json"  # what the folder is: schema version, max_length, training data, linker


@dataclass
class Encoded:
    """One text through the encoder: token offsets, first-piece flags, tag probabilities, last hidden states."""

    text: str
    offsets: list[tuple[int, int]]
    word_starts: list[bool | None]
    probs: np.ndarray
    hidden: torch.Tensor | None  # only when the relation head links (linker 'model')


class FigureModel:
    """`FigureModel.from_pretrained(dir)`; `model.predict(texts) -> list[Example]`."""

    def __init__(self, ner, tokenizer, relation_head: RelationHead | None = None, max_length: int = 256,
                 linker: str | None = None, onnx=None, constraints: Sequence[str] = (),
                 pointer: ProgramPointer | None = None):
        self.ner = ner.eval()
        self.pointer = pointer  # figure-conditioned program pointer (training/pointer.py), used when named
        self.constraints = check_constraints(constraints)  # decoding rules (training/constraints.py)
        self.onnx = onnx  # an OnnxTagger runs the forward pass instead of torch when set
        self.tokenizer = tokenizer
        self.relation_head = relation_head
        self.max_length = max_length
        self._backend = None  # the Rust tokenizer, unwrapped (tokenize())
        self.linker = linker or (relation_head.config.linker if relation_head else "heuristic")
        if self.linker == "model" and relation_head is None:
            raise ValueError("linker 'model' needs a relation head (relation_head.pt) in the model folder")

    @classmethod
    def from_pretrained(cls, path: str | Path, linker: str | None = None, quantize: bool = False,
                        runtime: str = "torch", constraints: Sequence[str] | None = None) -> FigureModel:
        """runtime: torch, or onnx (ONNX Runtime on model.onnx, exported next to the weights on first use);
        quantize: ONNX Runtime's dynamic int8 (model.int8.onnx), so runtime onnx."""
        check_model_folder(path)  # ModelFolderError naming the folder, the file and what is wrong
        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path}: not a model folder (no config.json)")
        if runtime not in ("torch", "onnx"):
            raise ValueError(f"runtime must be torch or onnx, not {runtime!r}")
        if quantize and runtime != "onnx":
            raise ValueError("quantize is ONNX Runtime's int8: use runtime='onnx' (torch's quantisation is deprecated)")
        info = json.loads((path / MODEL_INFO).read_text(encoding="utf-8")) if (path / MODEL_INFO).exists() else {}
        ner = BertForFigureTagging.from_pretrained(str(path))
        onnx = None
        if runtime == "onnx":
            from training.export import OnnxTagger, onnx_file

            onnx = OnnxTagger(onnx_file(path, int8=quantize))
        if constraints is None:  # folders written before constraints existed decode without them
            constraints = info.get("constraints", [])
        return cls(ner, load_tokenizer(path), RelationHead.load(path), int(info.get("max_length", 256)), linker,
                   onnx, constraints, ProgramPointer.load(path))

    @property
    def pointing(self) -> str | None:
        """'pointer' (programs for figures the linker left alone) or 'pointer-first' (for every figure)."""
        mode = pointer_mode(self.constraints)
        if mode is not None and self.pointer is None:
            raise ValueError(f"decoding option {mode!r} needs a program pointer (pointer_head.pt) in the model folder")
        return mode

    @property
    def window(self) -> int:
        """Characters per window: two positions go to [CLS] and [SEP], and no more than the
        longest training sentence (200 characters): later position embeddings were never trained."""
        return min(self.max_length - 2, 200)

    def tokenize(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[TokenView]]:
        """(input ids, attention mask) padded to the longest text, and each text's token offsets and
        first-piece flags — straight from the Rust tokenizer: the transformers wrapper spent more time
        converting offsets than the tokenizer spent tokenising."""
        if self._backend is None:  # a private copy: the wrapper re-configures its own before every call
            from tokenizers import Tokenizer

            self._backend = Tokenizer.from_str(self.tokenizer.backend_tokenizer.to_str())
            self._backend.no_padding()
            self._backend.no_truncation()
        encodings = [self._backend.encode(t) for t in texts]  # encode_batch's threads fight torch's for 2 cores
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.tokenizer.pad_token_id or 0, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        views = []
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
            views.append(TokenView(e.offsets, word_starts(e.word_ids)))
        return ids, mask, views

    @torch.no_grad()
    def encode(self, texts: Sequence[str], batch_size: int = 32, hidden: bool | None = None) -> list[Encoded]:
        """Tag probabilities of each text, and its last hidden states when `hidden` (default: when the
        relation head links; the heuristic linker needs none, and they were ~1 KB a character)."""
        out: list[Encoded | None] = [None] * len(texts)
        hidden_needed = (self.linker == "model" or self.pointing is not None) if hidden is None else hidden
        for idx in token_batches([len(t) for t in texts], batch_size):
            batch = [texts[i] for i in idx]
            ids, mask, views = self.tokenize(batch)
            if ids.shape[1] > self.max_length:
                raise ValueError(f"a text of {max(map(len, batch))} characters exceeds the model window")
            features = np.zeros((*ids.shape, len(self.ner.config.feature_sizes)), dtype=np.int64)
            for row, (text, view) in enumerate(zip(batch, views, strict=True)):
                features[row, : len(view.offsets)] = token_features(text, view.offsets, features.shape[-1])
            if self.onnx is not None:
                logits, states = self.onnx(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(features),
                                           hidden=hidden_needed)
            else:
                result = self.ner(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                                  feature_ids=torch.from_numpy(features), output_hidden_states=hidden_needed)
                logits, states = result.logits, result.hidden_states[-1] if hidden_needed else None
            probs = torch.softmax(logits, -1).numpy()
            for row, (i, view) in enumerate(zip(idx, views, strict=True)):
                n = len(view.offsets)
                out[i] = Encoded(texts[i], view.offsets, view.word_starts, probs[row, :n],
                                 states[row, :n] if hidden_needed and states is not None else None)
        return out  # type: ignore[return-value]

    def decode(self, encoded: Sequence[Encoded]) -> list[list[Span]]:
        """Spans of each encoded text: constrained Viterbi, run for texts of similar length at once.

        Two shortcuts, each exact: when the per-token argmax obeys IOB2 and the constraints it is the best
        path (no dynamic programming); and the `words` constraint — jieba's segmentation, the costliest
        step outside the encoder — only ever removes paths that hold a PROGRAM, so a text is segmented
        only when its best path without it holds a PROGRAM tag (otherwise that path is still allowed)."""
        masks = [np.array([bool(w) and e > s for w, (s, e) in zip(enc.word_starts, enc.offsets, strict=True)],
                          dtype=bool) for enc in encoded]
        first = [c for c in self.constraints if c != "words"]
        begin, inside = LABEL2ID[f"B-{PROGRAM}"], LABEL2ID[f"I-{PROGRAM}"]

        def has_program(tags: np.ndarray) -> bool:
            return bool(((tags == begin) | (tags == inside)).any())

        tags = [enc.probs.argmax(-1) for enc in encoded]
        lazy = len(first) < len(self.constraints)
        pending, pending_all = [], []  # Viterbi without `words` / with every constraint
        for i, enc in enumerate(encoded):
            chosen = tags[i][masks[i]]
            offsets = [o for o, m in zip(enc.offsets, masks[i], strict=True) if m]
            if not path_allowed(chosen) or not path_obeys(enc.text, offsets, chosen, first):
                pending.append(i)
            elif lazy and has_program(chosen) and not programs_on_word_edges(enc.text, offsets, chosen):
                pending_all.append(i)
        for i, t in zip(pending, self._viterbi(encoded, masks, pending, first), strict=True):
            tags[i] = t
            if lazy and has_program(t[masks[i]]):
                pending_all.append(i)
        for i, t in zip(pending_all, self._viterbi(encoded, masks, pending_all, self.constraints), strict=True):
            tags[i] = t
        out = []
        for enc, t in zip(encoded, tags, strict=True):
            view = TokenView(enc.offsets, enc.word_starts)
            out.append(decode_spans(view, t, enc.probs[np.arange(len(t)), t]))
        return out

    def _viterbi(self, encoded: Sequence[Encoded], masks: Sequence[Sequence[bool]], which: Sequence[int],
                 constraints: Sequence[str], group: int = 64) -> list[np.ndarray]:
        """Tag ids of encoded[i] for i in `which` (in that order), decoded under `constraints`."""
        items = {}
        for i in which:
            enc, mask = encoded[i], masks[i]
            rules = span_constraints(enc.text, [o for o, m in zip(enc.offsets, mask, strict=True) if m], constraints)
            items[i] = (enc.probs, mask, *rules)
        order = sorted(which, key=lambda i: len(encoded[i].probs))
        found: dict[int, np.ndarray] = {}
        for g in range(0, len(order), group):
            chunk = order[g : g + group]
            found.update(zip(chunk, viterbi_batch([items[i] for i in chunk]), strict=True))
        return [found[i] for i in which]

    @torch.no_grad()
    def link(self, enc: Encoded, spans: Sequence[Span]) -> list[Relation]:
        if self.linker == "heuristic":
            return link_figures(enc.text, spans)
        batch = make_pairs(enc.text, spans, enc.hidden, enc.offsets)
        if not batch.pairs:
            return []
        scores = torch.sigmoid(self.relation_head(batch.head, batch.tail, batch.features))
        return decode_relations(batch, scores, self.relation_head.config.threshold)

    def point_programs(self, enc: Encoded, spans: Sequence[Span], relations: Sequence[Relation], new_id
                       ) -> tuple[list[Span], list[Relation]]:
        """The pointer's program for each figure (of those the linker left unlinked, in mode 'pointer').

        A pointed program that overlaps a PROGRAM the tagger marked is that program (the tagger's edges
        obey the decoding constraints); otherwise it is added, unless it overlaps another span."""
        linked = {r.tail for r in relations}
        figures = [s for s in spans if s.label in FIGURE_LABELS and (self.pointing == "pointer-first"
                                                                      or s.id not in linked)]
        found = point(self.pointer, pointer_items(enc.text, enc.offsets, enc.hidden, enc.probs, spans, figures),
                      enc.offsets)
        spans, relations = list(spans), list(relations)
        for figure, hit in zip(figures, found, strict=True):
            if hit is not None:
                start, end, score = hit
                attach_program(spans, relations, figure, start, end, round(score, 4), new_id, reuse_overlapping=True)
        return sorted(spans, key=lambda s: (s.start, s.end)), relations

    def predict(self, texts: Sequence[str], batch_size: int = 32, ids: Sequence[str] | None = None) -> list[Example]:
        """Entities (ids e1…, rounded scores) and relations for each text."""
        pieces: list[tuple[int, int, int, int]] = []  # (text index, window start, keep from, keep to)
        for t, text in enumerate(texts):
            pieces += [(t, *w) for w in windows(len(text), self.window)]
        encoded = self.encode([texts[t][s : s + self.window] for t, s, _, _ in pieces], batch_size)
        decoded = self.decode(encoded)
        spans_of: list[list[Span]] = [[] for _ in texts]
        relations_of: list[list[Relation]] = [[] for _ in texts]
        for (t, start, keep_from, keep_to), enc, found in zip(pieces, encoded, decoded, strict=True):
            if "words" in self.constraints:  # a name cut inside its own quotes
                found = close_quotes(enc.text, found)
            if "distractors" in self.constraints:  # GUIDELINES: "What is not a figure"
                found = drop_distractors(enc.text, found)
            if "rules" in self.constraints:  # back-off: figures the rule baseline finds where the model found none
                found = add_rule_figures(enc.text, found)
            local = [s for s in found if keep_from <= s.start + start < keep_to]
            base = len(spans_of[t])
            local_named = [Span(s.start, s.end, s.label, f"e{base + k + 1}",
                                None if s.score is None else round(s.score, 4)) for k, s in enumerate(local)]
            relations = self.link(enc, local_named)

            def new_id(k: int, base: int = base) -> str:  # the k-th span of this window, numbered on from `base`
                return f"e{base + k}"

            if self.pointing:
                local_named, relations = self.point_programs(enc, local_named, relations, new_id)
            if "lexicon" in self.constraints:  # back-off: the rule baseline's lexicon program for unlinked figures
                local_named, relations = add_lexicon_programs(enc.text, local_named, relations, new_id)
            spans_of[t] += [Span(s.start + start, s.end + start, s.label, s.id, s.score) for s in local_named]
            relations_of[t] += relations
        if "linked" in self.constraints:  # GUIDELINES: a PROGRAM is marked only as the head of a figure
            for t in range(len(texts)):
                heads = {r.head for r in relations_of[t]}
                spans_of[t] = [s for s in spans_of[t] if s.label != PROGRAM or s.id in heads]
        ids = ids or [str(i) for i in range(len(texts))]
        return [Example(ids[t], texts[t], spans_of[t], relations_of[t]) for t in range(len(texts))]

    def __call__(self, text: str) -> Example:
        return self.predict([text])[0]


TOKENS_PER_ROW = 64  # a batch holds batch_size × 64 characters: more rows when the sentences are short


def token_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches, shortest texts first: a batch takes texts while its padded size
    (rows × longest) stays within batch_size × TOKENS_PER_ROW, so short sentences go many to a batch
    (fewer sequential GRU steps, bigger matmuls) and long ones few (bounded memory); at least one text."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    budget = batch_size * TOKENS_PER_ROW
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda k: lengths[k]):
        if current and (len(current) + 1) * (lengths[i] + 2) > budget:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def windows(length: int, size: int, overlap: int | None = None) -> list[tuple[int, int, int]]:
    """(start, keep_from, keep_to) per window: consecutive windows overlap and each keeps its middle."""
    if length <= size:
        return [(0, 0, max(length, 1))]
    overlap = size // 4 if overlap is None else overlap
    stride = size - overlap
    starts = list(range(0, length - size, stride)) + [length - size]
    out = []
    for k, s in enumerate(starts):
        keep_from = 0 if k == 0 else s + overlap // 2
        keep_to = length if k == len(starts) - 1 else starts[k + 1] + overlap // 2
        out.append((s, keep_from, keep_to))
    return out


def predict_original(model: FigureModel, examples: Sequence[Example], batch_size: int = 32) -> list[Example]:
    """Predictions for gold-style examples whose text is ORIGINAL: cleaned for the model, spans mapped back."""
    from corpus.cleaning import clean_text

    cleaned = [clean_text(e.text) for e in examples]
    predicted = model.predict([c[0] for c in cleaned], batch_size, ids=[e.id for e in examples])
    out = []
    for example, (_, offsets, _), pred in zip(examples, cleaned, predicted, strict=True):
        spans = []
        for s in pred.spans:
            start, end = offsets.to_original(s.start, s.end)
            spans.append(Span(start, end, s.label, s.id, s.score))
        out.append(Example(example.id, example.text, spans, pred.relations, dict(example.meta)))
    return out
