"""Lossless conversion between Examples and Label Studio tasks, results and exports.

Label Studio speaks in *results*: one item per labelled region
({"id", "from_name", "to_name", "type": "labels", "value": {start, end, text, labels}})
and one per relation ({"from_id", "to_id", "type": "relation", "direction", "labels"}).
Offsets are code points in Label Studio 1.23 but were UTF-16 code units in older
versions; every region carries its text, so the reader checks which reading
reproduces it and refuses a region that neither does (see environment notes).

Round trip: `load_export(save_export(examples))` gives back the same ids, texts,
meta, spans (ids, scores) and relations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from annotation.labeling import FROM_NAME, TO_NAME
from annotation.schema import HAS_VALUE, PROGRAM, Example, Relation, Span

#: Task data key that names the sentence (the corpus sentence id).
SENTENCE_ID = "sentence_id"
#: Task-level meta key where save_export records which data keys are Example.meta,
#: so that load_export can restore meta exactly (tasks from Label Studio lack it,
#: and then every data key but the text is meta).
META_KEYS = "minzheng_meta_keys"


class ConversionError(ValueError):
    """A task or result that cannot be converted; the message names the task and region."""


# -- Example -> Label Studio ---------------------------------------------------


def example_to_results(example: Example) -> list[dict[str, Any]]:
    """Label Studio result items: one "labels" region per span, one "relation" per relation.

    A span's score (model confidence) is written as the region's "score", which
    Label Studio shows for predictions.
    """
    results: list[dict[str, Any]] = []
    for span in example.spans:
        if not span.id:
            raise ConversionError(
                f"example {example.id!r}: span {span.start}-{span.end} {span.label} has no id; "
                "Label Studio regions (and relations) need one"
            )
        item: dict[str, Any] = {
            "id": span.id,
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {
                "start": span.start,
                "end": span.end,
                "text": example.span_text(span),
                "labels": [span.label],
            },
        }
        if span.score is not None:
            item["score"] = span.score
        results.append(item)
    for rel in example.relations:
        # Label Studio relation results carry exactly these keys (no id/from_name/to_name).
        results.append(
            {
                "from_id": rel.head,
                "to_id": rel.tail,
                "type": "relation",
                "direction": "right",
                "labels": [rel.label],
            }
        )
    return results


def example_to_data(example: Example, text_field: str = "text") -> dict[str, Any]:
    """Task data: the text under `text_field`, the sentence id, then every meta key."""
    if text_field in example.meta or text_field == SENTENCE_ID:
        raise ConversionError(
            f"example {example.id!r}: meta key {text_field!r} would overwrite the text field"
        )
    if SENTENCE_ID in example.meta and str(example.meta[SENTENCE_ID]) != example.id:
        raise ConversionError(
            f"example {example.id!r}: meta sentence_id {example.meta[SENTENCE_ID]!r} differs from the id"
        )
    return {text_field: example.text, SENTENCE_ID: example.id, **example.meta}


def example_to_task(
    example: Example,
    text_field: str = "text",
    as_prediction: bool = False,
    model_version: str | None = None,
    with_result: bool = True,
) -> dict[str, Any]:
    """A task for import: data, plus the spans as an annotation or (as_prediction) a prediction.

    `with_result=False` gives data only (a task to be annotated from scratch).
    """
    task: dict[str, Any] = {"data": example_to_data(example, text_field)}
    if not with_result:
        return task
    results = example_to_results(example)
    if as_prediction:
        prediction: dict[str, Any] = {"result": results}
        if model_version is not None:
            prediction["model_version"] = model_version
        scores = [s.score for s in example.spans if s.score is not None]
        if scores:
            prediction["score"] = min(scores)  # the weakest region: what a reviewer should look at first
        task["predictions"] = [prediction]
    else:
        task["annotations"] = [{"result": results}]
    return task


# -- Label Studio -> Example ---------------------------------------------------


def _utf16_to_codepoints(text: str) -> list[int | None]:
    """Map each UTF-16 offset 0..len16 to its code-point offset (None inside a surrogate pair)."""
    out: list[int | None] = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(None)
    out.append(len(text))
    return out


def _resolve_offsets(text: str, start: int, end: int, region_text: str | None) -> tuple[int, int] | None:
    """Code-point offsets that reproduce region_text: as given, else read as UTF-16; None if neither."""
    if region_text is None or (0 <= start <= end <= len(text) and text[start:end] == region_text):
        return start, end
    table = _utf16_to_codepoints(text)
    if 0 <= start <= end < len(table):
        cp_start, cp_end = table[start], table[end]
        if cp_start is not None and cp_end is not None and text[cp_start:cp_end] == region_text:
            return cp_start, cp_end
    return None


@dataclass
class ConvertedResults:
    """An Example read from results, plus each region's own text (for validation)."""

    example: Example
    region_texts: dict[str, str] = field(default_factory=dict)


def results_to_example(
    results: Iterable[Mapping[str, Any]],
    text: str,
    example_id: str = "",
    meta: Mapping[str, Any] | None = None,
    where: str = "",
    strict: bool = True,
) -> ConvertedResults:
    """Read result items into an Example.

    strict: a region whose text neither code-point nor UTF-16 offsets reproduce
    raises ConversionError; otherwise its offsets are kept as given and the
    mismatch is left to annotation.validate (which is how `validate` lists
    every problem of a file instead of stopping at the first).
    """
    where = where or f"example {example_id!r}"
    spans: list[Span] = []
    region_texts: dict[str, str] = {}
    pending: list[tuple[str, str, str, str, bool]] = []  # from_id, to_id, direction, label, labelled
    for n, item in enumerate(results):
        kind = item.get("type")
        if kind == "labels":
            rid = item.get("id")
            value = item.get("value") or {}
            if not rid:
                raise ConversionError(f"{where}: region #{n} has no id")
            labels = value.get("labels") or []
            if len(labels) != 1:
                raise ConversionError(
                    f"{where}: region {rid} has {len(labels)} labels {labels}; give it exactly one"
                )
            try:
                start, end = int(value["start"]), int(value["end"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ConversionError(f"{where}: region {rid} has no usable start/end ({value!r})") from exc
            region_text = value.get("text")
            resolved = _resolve_offsets(text, start, end, region_text)
            if resolved is None:
                if strict:
                    raise ConversionError(
                        f"{where}: region {rid} [{start}:{end}] {labels[0]} says {region_text!r} but the text "
                        f"there is {text[start:end]!r} (read as code points or as UTF-16)"
                    )
                resolved = (start, end)
            if region_text is not None:
                region_texts[rid] = region_text
            spans.append(Span(resolved[0], resolved[1], labels[0], rid, item.get("score")))
        elif kind == "relation":
            try:
                from_id, to_id = str(item["from_id"]), str(item["to_id"])
            except KeyError as exc:
                raise ConversionError(f"{where}: relation #{n} lacks {exc.args[0]}") from exc
            # An empty labels list is how the UI saves a relation nobody named (the labeling config has no
            # <Relations>: there is one relation type): it is has_value.
            labels = item.get("labels") or []
            for label in labels or [HAS_VALUE]:
                pending.append((from_id, to_id, item.get("direction") or "right", label, bool(labels)))
        # other result types (choices, textarea…) are not part of the schema: ignored
    by_id = {s.id: s for s in spans}
    relations = []
    for from_id, to_id, direction, label, labelled in pending:
        head, tail = from_id, to_id
        if direction == "left":
            head, tail = to_id, from_id
        if (direction == "bi" or not labelled) and (
            by_id.get(tail) is not None
            and by_id[tail].label == PROGRAM
            and (by_id.get(head) is None or by_id[head].label != PROGRAM)
        ):
            # No arrow, or an unlabelled (has_value) relation drawn from the figure — the UI draws from
            # the region picked first: orient it from the program, the only possible head.
            head, tail = tail, head
        relations.append(Relation(head, tail, label))
    example = Example(id=example_id, text=text, spans=spans, relations=relations, meta=dict(meta or {}))
    return ConvertedResults(example, region_texts)


def _when(annotation: Mapping[str, Any]) -> tuple[datetime, int]:
    """Sort key for 'newest': updated_at, else created_at, then id."""
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    when = datetime.min
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            when = parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            pass
    aid = annotation.get("id")
    return when, aid if isinstance(aid, int) else 0


def live_annotations(task: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The task's non-cancelled annotations, oldest first."""
    return sorted((a for a in task.get("annotations") or [] if not a.get("was_cancelled")), key=_when)


def task_where(task: Mapping[str, Any]) -> str:
    data = task.get("data") or {}
    sid = data.get(SENTENCE_ID)
    return f"task {task.get('id')}" + (f" (sentence {sid})" if sid is not None else "")


def task_text(task: Mapping[str, Any], text_field: str = "text") -> str:
    data = task.get("data") or {}
    if text_field not in data:
        raise ConversionError(f"{task_where(task)}: no {text_field!r} in its data (keys: {sorted(data)})")
    text = data[text_field]
    if not isinstance(text, str):
        raise ConversionError(f"{task_where(task)}: data[{text_field!r}] is not a string")
    return text


def task_id_and_meta(task: Mapping[str, Any], text_field: str = "text") -> tuple[str, dict[str, Any]]:
    """The Example id (sentence_id, else the task id) and meta (the other data keys)."""
    data = task.get("data") or {}
    example_id = str(data[SENTENCE_ID]) if SENTENCE_ID in data else str(task.get("id", ""))
    keys = (task.get("meta") or {}).get(META_KEYS)
    if isinstance(keys, list):
        meta = {k: data[k] for k in keys if k in data}
    else:
        meta = {k: v for k, v in data.items() if k != text_field}
    return example_id, meta


def convert_task(
    task: Mapping[str, Any], text_field: str = "text", use_predictions: bool = False, strict: bool = True
) -> ConvertedResults:
    """Like task_to_example, also returning the regions' own texts (for validation)."""
    text = task_text(task, text_field)
    example_id, meta = task_id_and_meta(task, text_field)
    live = live_annotations(task)
    results: list[Mapping[str, Any]] = []
    if live:
        results = live[-1].get("result") or []
    elif use_predictions and task.get("predictions"):
        preds = [p for p in task["predictions"] if isinstance(p, Mapping)]
        if preds:
            results = sorted(preds, key=_when)[-1].get("result") or []
    return results_to_example(results, text, example_id, meta, where=task_where(task), strict=strict)


def task_to_example(
    task: Mapping[str, Any], text_field: str = "text", use_predictions: bool = False
) -> Example:
    """An Example from a task of a full JSON export.

    With several annotations the newest non-cancelled one wins (see
    annotation_agreement for how far the annotators agree). Without one, the
    Example has no spans, unless use_predictions takes the newest prediction.
    """
    return convert_task(task, text_field, use_predictions).example


# -- agreement -------------------------------------------------------------------


def _entity_f1(a: set[tuple[int, int, str]], b: set[tuple[int, int, str]]) -> float:
    if not a and not b:
        return 1.0  # both say "nothing here": full agreement
    return 2 * len(a & b) / (len(a) + len(b))


def annotation_agreement(task: Mapping[str, Any], text_field: str = "text") -> float | None:
    """Mean pairwise entity F1 (exact start, end, label) between the task's non-cancelled annotations.

    None when fewer than two annotators worked on the task.
    """
    live = live_annotations(task)
    if len(live) < 2:
        return None
    text = task_text(task, text_field)
    where = task_where(task)
    sets = []
    for ann in live:
        # Not strict: a region whose offsets do not match its text simply fails to agree.
        ex = results_to_example(
            ann.get("result") or [], text, where=f"{where} annotation {ann.get('id')}", strict=False
        ).example
        sets.append({(s.start, s.end, s.label) for s in ex.spans})
    pairs = [_entity_f1(a, b) for a, b in combinations(sets, 2)]
    return sum(pairs) / len(pairs)


@dataclass
class AgreementReport:
    """Agreement over an export: per multiply-annotated task, and the mean."""

    tasks: int
    per_task: dict[str, float]  # where (task id, sentence) -> entity F1

    @property
    def multiply_annotated(self) -> int:
        return len(self.per_task)

    @property
    def mean_f1(self) -> float | None:
        return sum(self.per_task.values()) / len(self.per_task) if self.per_task else None

    def below(self, threshold: float) -> dict[str, float]:
        return {k: v for k, v in self.per_task.items() if v < threshold}

    def __str__(self) -> str:
        if not self.per_task:
            return f"{self.tasks} tasks, none annotated more than once"
        return (
            f"{self.tasks} tasks, {self.multiply_annotated} annotated more than once, "
            f"mean entity F1 between annotators {self.mean_f1:.3f}"
        )


def agreement_report(tasks: Iterable[Mapping[str, Any]], text_field: str = "text") -> AgreementReport:
    n = 0
    per_task: dict[str, float] = {}
    for task in tasks:
        n += 1
        f1 = annotation_agreement(task, text_field)
        if f1 is not None:
            per_task[task_where(task)] = f1
    return AgreementReport(n, per_task)


# -- whole exports ---------------------------------------------------------------


_FULL_EXPORT_HINT = (
    "minzheng needs a full JSON export, whose tasks carry data and annotations[].result "
    "(Label Studio: Export → JSON, not JSON-MIN or CSV; or `minzheng annotate pull`)"
)
#: keys Label Studio's JSON-MIN (and CSV) exports put on each flat task, beside the data fields
_FLAT_EXPORT_KEYS = frozenset({"annotation_id", "annotator", "lead_time", "created_at", "updated_at"})


def export_format_problem(tasks: list[Any]) -> str | None:
    """Why a parsed JSON list is not a full export (None when it is one).

    A JSON-MIN export flattens each task ({id, text, label: [...], annotator, annotation_id})
    and has neither data nor annotations: read as a full export, every label was silently ignored."""
    for n, task in enumerate(tasks, start=1):
        if not isinstance(task, dict):
            return f"item {n} is a {type(task).__name__}, not a task object"
        if isinstance(task.get("data"), dict):
            continue
        keys = ", ".join(sorted(map(str, task))[:8])
        if _FLAT_EXPORT_KEYS & set(task) or not isinstance(task.get("annotations", []), list):
            return f"a JSON-MIN export (task {n} is flat: {keys}; no data/annotations), which drops relations"
        return f"task {n} has no 'data' object (keys: {keys})"
    return None


def _looks_like_csv(text: str) -> bool:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return not header.lstrip().startswith(("[", "{")) and ("," in header or "\t" in header)


def read_export(path: Path | str) -> list[dict[str, Any]]:
    """The task list of a full JSON export file; ConversionError names the file and what it is instead."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if _looks_like_csv(text):
            raise ConversionError(f"{path}: looks like a CSV/TSV export; {_FULL_EXPORT_HINT}") from None
        raise ConversionError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(data, list):
        raise ConversionError(f"{path}: not a Label Studio JSON export (expected a list of tasks); {_FULL_EXPORT_HINT}")
    problem = export_format_problem(data)
    if problem is not None:
        raise ConversionError(f"{path}: {problem}; {_FULL_EXPORT_HINT}")
    return data


def load_export(
    path: Path | str, text_field: str = "text", include_unannotated: bool = False
) -> list[Example]:
    """Examples of the annotated tasks of a full JSON export (all tasks if include_unannotated)."""
    out = []
    for task in read_export(path):
        if include_unannotated or live_annotations(task):
            out.append(task_to_example(task, text_field))
    return out


def examples_to_export(examples: Iterable[Example], text_field: str = "text") -> list[dict[str, Any]]:
    """A full JSON export: one task per Example with one annotation holding its spans."""
    tasks = []
    for n, example in enumerate(examples, start=1):
        tasks.append(
            {
                "id": n,
                "data": example_to_data(example, text_field),
                "annotations": [
                    {
                        "id": n,
                        "result": example_to_results(example),
                        "was_cancelled": False,
                        "ground_truth": True,
                    }
                ],
                "predictions": [],
                "meta": {META_KEYS: list(example.meta)},
            }
        )
    return tasks


def save_export(examples: Iterable[Example], path: Path | str, text_field: str = "text") -> Path:
    """Write examples as a full JSON export (deterministic: no timestamps), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(examples_to_export(examples, text_field), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    tmp.replace(path)
    return path
