"""The Label Studio config is generated from the schema and the checked-in copy matches it."""

import xml.etree.ElementTree as ET

import pytest

from annotation.convert import task_to_example
from annotation.labeling import CONFIG_PATH, FROM_NAME, REGION_COLOURS, TO_NAME, labeling_config
from annotation.schema import HAS_VALUE, LABELS, RELATIONS, Relation


def test_checked_in_config_is_the_generator_output():
    assert CONFIG_PATH.read_text(encoding="utf-8") == labeling_config(), (
        "annotation/labeling_config.xml is stale: run `python -m annotation.labeling`"
    )


def test_config_has_every_label_symbol_granularity_and_label_names():
    root = ET.fromstring(labeling_config())
    assert root.tag == "View"
    labels = root.find("Labels")
    assert labels.get("name") == FROM_NAME and labels.get("toName") == TO_NAME
    assert [(el.get("value"), el.get("background")) for el in labels.findall("Label")] == [
        (label, REGION_COLOURS[label]) for label in LABELS
    ]
    assert len(set(REGION_COLOURS.values())) == len(LABELS)  # distinct
    text = root.find("Text")
    assert (text.get("name"), text.get("value"), text.get("granularity")) == (TO_NAME, "$text", "symbol")
    assert text.get("showLabels") == "true"
    css = root.find("Style").text
    for label in LABELS:  # each region underlined in its colour and followed by its name
        assert f'[data-label$=":{label}"]::after {{ content: "{label}"' in css
        assert f"border-bottom-color: {REGION_COLOURS[label]}" in css
    assert "line-height" in css


def test_one_relation_type_needs_no_label_step():
    """No <Relations>: the UI saves a relation without a label, and the converter reads it as has_value,
    from the program whichever region the annotator picked first."""
    assert list(RELATIONS) == [HAS_VALUE]
    assert ET.fromstring(labeling_config()).find("Relations") is None
    region = {"from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels"}
    results = [
        {**region, "id": "p", "value": {"start": 0, "end": 2, "text": "低保", "labels": ["PROGRAM"]}},
        {**region, "id": "c", "value": {"start": 2, "end": 3, "text": "5", "labels": ["COUNT"]}},
        {"from_id": "c", "to_id": "p", "type": "relation", "direction": "right", "labels": []},
    ]
    task = {"id": 1, "data": {"text": "低保5户"}, "annotations": [{"result": results}]}
    assert task_to_example(task).relations == [Relation("p", "c", HAS_VALUE)]


def test_text_field_is_configurable():
    root = ET.fromstring(labeling_config(text_field="sentence"))
    assert root.find("Text").get("value") == "$sentence"
    assert root.find("Text").get("name") == TO_NAME  # results keep naming the object "text"


def test_text_field_must_be_a_plain_key():
    with pytest.raises(ValueError, match="identifier"):
        labeling_config(text_field='x" onload="y')
