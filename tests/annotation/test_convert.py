"""Example <-> Label Studio conversion: results, tasks, offsets, annotations, agreement, exports."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotation.convert import (
    META_KEYS,
    ConversionError,
    agreement_report,
    annotation_agreement,
    example_to_results,
    example_to_task,
    examples_to_export,
    load_export,
    save_export,
    task_to_example,
)
from annotation.labeling import FROM_NAME, TO_NAME
from annotation.schema import (
    AMOUNT,
    COUNT,
    HAS_VALUE,
    LABELS,
    PERCENT,
    PROGRAM,
    UNIT,
    Example,
    Relation,
    Span,
)

TEXT = "全市临时救助297人次，支出资金1.4万元。"


def span(text, sub, label, sid, after=0, score=None):
    start = text.index(sub, after)
    return Span(start, start + len(sub), label, sid, score)


def example(meta=None):
    return Example(
        id="doc1:3",
        text=TEXT,
        spans=[
            span(TEXT, "临时救助", PROGRAM, "p1"),
            span(TEXT, "297", COUNT, "c1"),
            span(TEXT, "人次", UNIT, "u1"),
            span(TEXT, "1.4万", AMOUNT, "a1"),
            span(TEXT, "元", UNIT, "u2"),
        ],
        relations=[Relation("p1", "c1"), Relation("p1", "a1")],
        meta=meta
        if meta is not None
        else {"doc": "doc1", "index": 3, "start": 120, "end": 141, "source": "real"},
    )


def region(rid, start, end, text, label, **extra):
    return {
        "id": rid,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
        **extra,
    }


def relation(from_id, to_id, labels=("has_value",), direction="right"):
    return {
        "from_id": from_id,
        "to_id": to_id,
        "type": "relation",
        "direction": direction,
        "labels": list(labels),
    }


def ids(ex):
    """Everything equality of Span/Relation ignores (ids, scores) plus what it compares."""
    return (
        ex.id,
        ex.text,
        ex.meta,
        [(s.id, s.start, s.end, s.label, s.score) for s in ex.spans],
        [(r.head, r.tail, r.label) for r in ex.relations],
    )


# -- results and tasks -------------------------------------------------------------


def test_results_have_label_studio_shape():
    results = example_to_results(example())
    assert results[1] == region("c1", 6, 9, "297", COUNT)
    assert results[-1] == {
        "from_id": "p1",
        "to_id": "a1",
        "type": "relation",
        "direction": "right",
        "labels": ["has_value"],
    }
    assert len(results) == 7


def test_scores_are_written_for_predictions():
    ex = Example(
        "s", "低保5户", [Span(0, 2, PROGRAM, "p1", 0.8), Span(2, 3, COUNT, "c1", 0.9)], [Relation("p1", "c1")]
    )
    results = example_to_results(ex)
    assert results[0]["score"] == 0.8 and results[1]["score"] == 0.9
    task = example_to_task(ex, as_prediction=True, model_version="rules-1.0")
    assert "annotations" not in task
    assert task["predictions"] == [{"result": results, "model_version": "rules-1.0", "score": 0.8}]
    assert [
        s.score
        for s in task_to_example({"id": 1, "data": task["data"], "annotations": [{"result": results}]}).spans
    ] == [0.8, 0.9]


def test_span_without_id_is_refused():
    with pytest.raises(ConversionError, match="no id"):
        example_to_results(Example("s", "低保", [Span(0, 2, PROGRAM)]))


def test_task_data_carries_sentence_id_and_meta():
    task = example_to_task(example())
    assert task["data"] == {
        "text": TEXT, "sentence_id": "doc1:3", "doc": "doc1", "index": 3, "start": 120, "end": 141, "source": "real",
    }  # fmt: skip
    assert task["annotations"][0]["result"] == example_to_results(example())
    assert "annotations" not in example_to_task(example(), with_result=False)


def test_meta_may_not_overwrite_text_or_id():
    with pytest.raises(ConversionError, match="text field"):
        example_to_task(example(meta={"text": "x"}))
    with pytest.raises(ConversionError, match="sentence_id"):
        example_to_task(example(meta={"sentence_id": "other"}))


def test_task_round_trip_with_plain_label_studio_task():
    ex = example()
    task = {"id": 41, **example_to_task(ex)}
    got = task_to_example(task)
    # A task from Label Studio has no key list: every data key but the text becomes meta.
    assert ids(got) == ids(
        Example(ex.id, ex.text, ex.spans, ex.relations, {"sentence_id": "doc1:3", **ex.meta})
    )


def test_task_without_sentence_id_takes_the_task_id():
    task = {"id": 7, "data": {"text": "低保5户"}, "annotations": [{"result": []}]}
    assert task_to_example(task).id == "7"


def test_configurable_text_field_everywhere(tmp_path):
    ex = example()
    task = example_to_task(ex, text_field="sentence")
    assert "text" not in task["data"] and task["data"]["sentence"] == TEXT
    assert ids(task_to_example({"id": 1, **task}, text_field="sentence"))[3] == ids(ex)[3]
    with pytest.raises(ConversionError, match="no 'text'"):
        task_to_example({"id": 1, **task})
    path = save_export([ex], tmp_path / "x.json", text_field="sentence")
    assert ids(load_export(path, text_field="sentence")[0]) == ids(ex)


# -- relations -----------------------------------------------------------------------


def test_relation_with_empty_labels_means_has_value():
    text = "低保5户"
    task = {
        "id": 1,
        "data": {"text": text},
        "annotations": [
            {
                "result": [
                    region("p", 0, 2, "低保", PROGRAM),
                    region("c", 2, 3, "5", COUNT),
                    relation("p", "c", labels=()),
                ]
            }
        ],
    }
    assert task_to_example(task).relations == [Relation("p", "c", HAS_VALUE)]
    del task["annotations"][0]["result"][2]["labels"]
    assert task_to_example(task).relations == [Relation("p", "c", HAS_VALUE)]


def test_relation_directions():
    text = "低保5户"
    base = [region("p", 0, 2, "低保", PROGRAM), region("c", 2, 3, "5", COUNT)]
    task = {
        "id": 1,
        "data": {"text": text},
        "annotations": [{"result": [*base, relation("c", "p", direction="left")]}],
    }
    assert task_to_example(task).relations == [Relation("p", "c")]
    task["annotations"][0]["result"][2] = relation("c", "p", direction="bi")
    assert task_to_example(task).relations == [Relation("p", "c")]  # no arrow: oriented from the program


def test_other_result_types_are_ignored():
    task = {
        "id": 1,
        "data": {"text": "低保"},
        "annotations": [{"result": [{"type": "choices", "value": {"choices": ["ok"]}}]}],
    }
    assert task_to_example(task).spans == []


# -- offsets ---------------------------------------------------------------------------

ASTRAL = "😀𠀋低保5户"  # an emoji and a CJK Extension-B character: two UTF-16 units each


def astral_task(start, end, text="5", rid="c"):
    return {
        "id": 9,
        "data": {"text": ASTRAL},
        "annotations": [{"result": [region(rid, start, end, text, COUNT)]}],
    }


def test_code_point_offsets_are_taken_as_they_are():
    assert task_to_example(astral_task(4, 5)).spans == [Span(4, 5, COUNT)]


def test_utf16_offsets_are_detected_and_converted():
    assert ASTRAL.encode("utf-16-le")[12:14].decode("utf-16-le") == "5"  # UTF-16 unit 6
    got = task_to_example(astral_task(6, 7)).spans
    assert got == [Span(4, 5, COUNT)] and ASTRAL[4:5] == "5"
    # The region text is kept exactly, so a whole-program span converts too.
    assert task_to_example(astral_task(4, 6, "低保", "p")).spans == [Span(2, 4, COUNT)]


def test_offsets_matching_neither_reading_name_task_and_region():
    with pytest.raises(ConversionError, match=r"task 9.*region c.*'6'"):
        task_to_example(astral_task(4, 5, text="6"))
    with pytest.raises(ConversionError, match="region c"):
        task_to_example(astral_task(40, 41))  # beyond the text in both readings


def test_region_with_two_labels_is_refused():
    task = astral_task(4, 5)
    task["annotations"][0]["result"][0]["value"]["labels"] = [COUNT, UNIT]
    with pytest.raises(ConversionError, match="region c has 2 labels"):
        task_to_example(task)


def test_region_without_text_is_trusted():
    task = astral_task(4, 5)
    del task["annotations"][0]["result"][0]["value"]["text"]
    assert task_to_example(task).spans == [Span(4, 5, COUNT)]


# -- several annotations, agreement --------------------------------------------------------

MULTI_TEXT = "低保5户8人"


def ann(aid, spans, updated=None, cancelled=False, created=None):
    out = {"id": aid, "result": spans, "was_cancelled": cancelled, "completed_by": aid * 10}
    if updated:
        out["updated_at"] = updated
    if created:
        out["created_at"] = created
    return out


def multi_task(annotations):
    return {"id": 5, "data": {"text": MULTI_TEXT, "sentence_id": "d:5"}, "annotations": annotations}


P = region("p", 0, 2, "低保", PROGRAM)
C5 = region("c5", 2, 3, "5", COUNT)
C8 = region("c8", 4, 5, "8", COUNT)
U = region("u", 3, 4, "户", UNIT)


def test_newest_non_cancelled_annotation_wins():
    task = multi_task(
        [
            ann(1, [P, C5], updated="2025-03-02T10:00:00.000000Z"),
            ann(2, [P, C5, C8], updated="2025-03-03T09:00:00.000000Z"),
            ann(3, [P], updated="2025-03-04T09:00:00.000000Z", cancelled=True),
        ]
    )
    assert [s.id for s in task_to_example(task).spans] == ["p", "c5", "c8"]
    # created_at counts when updated_at is missing
    task = multi_task(
        [ann(1, [P, C5], created="2025-03-05T10:00:00Z"), ann(2, [P], created="2025-03-01T10:00:00Z")]
    )
    assert [s.id for s in task_to_example(task).spans] == ["p", "c5"]


def test_only_cancelled_annotations_give_no_spans_unless_predictions_asked():
    task = multi_task([ann(1, [P], cancelled=True)])
    task["predictions"] = [{"result": [C5], "model_version": "rules"}]
    assert task_to_example(task).spans == []
    assert [s.id for s in task_to_example(task, use_predictions=True).spans] == ["c5"]


def test_agreement_between_annotators():
    assert annotation_agreement(multi_task([ann(1, [P, C5])])) is None
    assert annotation_agreement(multi_task([ann(1, [P, C5]), ann(2, [P, C5])])) == 1.0
    # {P, C5} vs {P, C8, U}: 1 shared of 2 + 3 → F1 = 2·1/5
    assert annotation_agreement(multi_task([ann(1, [P, C5]), ann(2, [P, C8, U])])) == pytest.approx(0.4)
    # cancelled annotations do not count; three annotators → mean of the three pairs
    three = multi_task([ann(1, [P, C5]), ann(2, [P, C5]), ann(3, [P]), ann(4, [], cancelled=True)])
    assert annotation_agreement(three) == pytest.approx((1.0 + 2 / 3 + 2 / 3) / 3)
    assert annotation_agreement(multi_task([ann(1, []), ann(2, [])])) == 1.0


def test_agreement_report_over_an_export():
    tasks = [
        multi_task([ann(1, [P, C5]), ann(2, [P, C8, U])]),
        {**multi_task([ann(1, [P]), ann(2, [P])]), "id": 6},
        {**multi_task([ann(1, [P])]), "id": 7},
    ]
    report = agreement_report(tasks)
    assert report.tasks == 3 and report.multiply_annotated == 2
    assert report.mean_f1 == pytest.approx(0.7)
    assert list(report.below(0.5)) == ["task 5 (sentence d:5)"]
    assert "mean entity F1 between annotators 0.700" in str(report)
    assert agreement_report([]).mean_f1 is None


# -- whole exports -----------------------------------------------------------------------


def test_save_export_writes_a_full_label_studio_export(tmp_path):
    path = save_export([example(), example(meta={})], tmp_path / "gold" / "x.json")
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert [t["id"] for t in tasks] == [1, 2]
    first = tasks[0]
    assert first["annotations"][0]["result"] == example_to_results(example())
    assert first["annotations"][0]["was_cancelled"] is False
    assert first["meta"][META_KEYS] == ["doc", "index", "start", "end", "source"]
    assert "临时救助" in path.read_text(encoding="utf-8")  # readable Chinese, not \u escapes
    assert ids(load_export(path)[1]) == ids(example(meta={}))


def test_load_export_skips_unannotated_tasks(tmp_path):
    tasks = examples_to_export([example()])
    tasks.append({"id": 2, "data": {"text": "没有数字"}, "annotations": [], "predictions": []})
    path = tmp_path / "x.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert [e.id for e in load_export(path)] == ["doc1:3"]
    assert [e.id for e in load_export(path, include_unannotated=True)] == ["doc1:3", "2"]


def test_load_export_refuses_a_non_export(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"tasks": []}', encoding="utf-8")
    with pytest.raises(ConversionError, match="list of tasks"):
        load_export(path)


# -- round trip with random Examples ------------------------------------------------------

_chars = st.sampled_from(list("低保城乡特困人员临时救助户元万亿0123456789.%，。 😀𠀋\u3000a"))
_meta_values = st.one_of(
    st.integers(-5, 10**6), st.text(max_size=5), st.none(), st.booleans(), st.floats(allow_nan=False)
)


@st.composite
def examples(draw):
    text = "".join(draw(st.lists(_chars, min_size=0, max_size=30)))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=10))))
    spans = []
    for n, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        if draw(st.booleans()):
            score = draw(st.one_of(st.none(), st.floats(0, 1)))
            spans.append(
                Span(
                    a, b, draw(st.sampled_from(LABELS)), f"r{n}-{draw(st.text('abcXYZ', max_size=3))}", score
                )
            )
    relations = []
    if spans:
        for _ in range(draw(st.integers(0, 4))):
            head, tail = draw(st.sampled_from(spans)), draw(st.sampled_from(spans))
            relations.append(Relation(head.id, tail.id, HAS_VALUE))
    keys = st.text("dockindexsrcé文", min_size=1, max_size=6).filter(
        lambda k: k not in ("text", "sentence_id")
    )
    meta = draw(st.dictionaries(keys, _meta_values, max_size=4))
    return Example(
        id=draw(st.text(min_size=1, max_size=8)), text=text, spans=spans, relations=relations, meta=meta
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(examples(), max_size=4))
def test_round_trip_is_exact(tmp_path, xs):
    path = save_export(xs, tmp_path / "export.json")
    got = load_export(path)
    assert [ids(g) for g in got] == [ids(x) for x in xs]
    assert got == xs


def test_round_trip_of_percent_and_astral_text(tmp_path):
    text = "😀𠀋集中供养率53%"
    ex = Example(
        "s1",
        text,
        [span(text, "集中供养", PROGRAM, "p1"), span(text, "53%", PERCENT, "r1")],
        [Relation("p1", "r1")],
    )
    assert ids(load_export(save_export([ex], tmp_path / "x.json"))[0]) == ids(ex)


def test_newest_compares_time_zones():
    task = multi_task(
        [ann(1, [P, C5], updated="2025-03-02T10:00:00+08:00"), ann(2, [P], updated="2025-03-02T03:00:00Z")]
    )
    assert [s.id for s in task_to_example(task).spans] == ["p"]  # 03:00Z is after 10:00+08:00 (02:00Z)
