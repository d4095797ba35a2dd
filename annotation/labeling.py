"""The Label Studio labeling config, generated from the schema.

The XML is derived from annotation.schema so the labels an annotator can pick are
exactly the labels training and scoring know. annotation/labeling_config.xml is a
checked-in copy for people who paste it into the UI; a test keeps it equal to
`labeling_config()`.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from annotation.schema import COLOURS, LABELS, RELATIONS

#: Name of the <Labels> control: results carry it as "from_name".
FROM_NAME = "label"
#: Name of the <Text> object: results carry it as "to_name".
TO_NAME = "text"
#: The checked-in copy of the default config.
CONFIG_PATH = Path(__file__).with_name("labeling_config.xml")


def labeling_config(text_field: str = "text") -> str:
    """The config XML; `text_field` is the task data key holding the sentence.

    granularity="symbol" lets a region start and end on any character: Chinese
    has no spaces, so word granularity would snap regions to whole clauses.
    """
    if not text_field.isidentifier():
        # Label Studio resolves $name against task data; keep it a plain key.
        raise ValueError(f"text field must be a plain identifier, not {text_field!r}")
    lines = ["<View>", f"  <Labels name={quoteattr(FROM_NAME)} toName={quoteattr(TO_NAME)}>"]
    for label in LABELS:
        lines.append(f"    <Label value={quoteattr(label)} background={quoteattr(COLOURS[label])}/>")
    lines.append("  </Labels>")
    lines.append(
        f'  <Text name={quoteattr(TO_NAME)} value={quoteattr("$" + text_field)} granularity="symbol"/>'
    )
    lines.append("  <Relations>")
    for relation in RELATIONS:
        lines.append(f"    <Relation value={quoteattr(relation)}/>")
    lines.append("  </Relations>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def write_config(path: Path | str = CONFIG_PATH) -> Path:
    """Regenerate the checked-in copy (run after changing the schema)."""
    path = Path(path)
    path.write_text(labeling_config(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - `python -m annotation.labeling` refreshes the file
    print(write_config())
