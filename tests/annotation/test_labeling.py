"""The Label Studio config is generated from the schema and the checked-in copy matches it."""

import xml.etree.ElementTree as ET

import pytest

from annotation.labeling import CONFIG_PATH, FROM_NAME, TO_NAME, labeling_config
from annotation.schema import COLOURS, LABELS, RELATIONS


def test_checked_in_config_is_the_generator_output():
    assert CONFIG_PATH.read_text(encoding="utf-8") == labeling_config(), (
        "annotation/labeling_config.xml is stale: run `python -m annotation.labeling`"
    )


def test_config_has_every_label_relation_and_symbol_granularity():
    root = ET.fromstring(labeling_config())
    assert root.tag == "View"
    labels = root.find("Labels")
    assert labels.get("name") == FROM_NAME and labels.get("toName") == TO_NAME
    assert [(el.get("value"), el.get("background")) for el in labels.findall("Label")] == [
        (label, COLOURS[label]) for label in LABELS
    ]
    text = root.find("Text")
    assert (text.get("name"), text.get("value"), text.get("granularity")) == (TO_NAME, "$text", "symbol")
    assert [r.get("value") for r in root.find("Relations").findall("Relation")] == list(RELATIONS)


def test_text_field_is_configurable():
    root = ET.fromstring(labeling_config(text_field="sentence"))
    assert root.find("Text").get("value") == "$sentence"
    assert root.find("Text").get("name") == TO_NAME  # results keep naming the object "text"


def test_text_field_must_be_a_plain_key():
    with pytest.raises(ValueError, match="identifier"):
        labeling_config(text_field='x" onload="y')
