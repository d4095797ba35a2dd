"""The Label Studio labeling config, generated from the schema.

The XML is derived from annotation.schema so the labels an annotator can pick are
exactly the labels training and scoring know. annotation/labeling_config.xml is a
checked-in copy for people who paste it into the UI; a test keeps it equal to
`labeling_config()`.

Made to be read all day (measured in headless Chromium on Label Studio 1.23.2, see
annotation/screenshots/):

* Colours: Label Studio paints a region with its label's colour at 30 % opacity, so
  pale colours (the old grey UNIT) all but vanish; REGION_COLOURS are saturated and far
  apart, and every region is also underlined in its full colour.
* Label names: ``showLabels`` on the text plus a little CSS print each region's label
  (without Label Studio's "3:" index) right after it, in the label's colour.
* Relations in long sentences: Label Studio draws every arc in the gap above a line; with
  the default line height the arcs and their label boxes cover the line above. Text at
  18 px with line-height 3 leaves that gap free.
* has_value without a label step: the schema has ONE relation type, so the config has no
  ``<Relations>`` block. A relation drawn in the UI is then saved with no label, which
  annotation.convert reads as has_value (and orients from the PROGRAM) — select the
  program, Alt+R, click the figure: three actions. No "has_value" box is drawn on the
  arcs either, which is most of what piled up over the text. Should the schema ever get a
  second relation, ``<Relations>`` comes back and the label has to be picked again.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from annotation.schema import LABELS, RELATIONS

#: Name of the <Labels> control: results carry it as "from_name".
FROM_NAME = "label"
#: Name of the <Text> object: results carry it as "to_name".
TO_NAME = "text"
#: The checked-in copy of the default config.
CONFIG_PATH = Path(__file__).with_name("labeling_config.xml")

#: Region colours in Label Studio (drawn at 30 % opacity, underlined at full): saturated and distinct.
REGION_COLOURS: dict[str, str] = {
    "PROGRAM": "#1f77b4",  # blue
    "COUNT": "#ff7f0e",  # orange
    "AMOUNT": "#2ca02c",  # green
    "PERCENT": "#d62728",  # red
    "UNIT": "#9467bd",  # purple
}
#: The label names printed after a region: darker where the region colour is too light for small text.
LABEL_TEXT_COLOURS: dict[str, str] = {**REGION_COLOURS, "COUNT": "#b35900", "AMOUNT": "#1e7a1e"}
#: Font size (px) and line height of the sentence: the gap between lines is where relation arcs go.
FONT_PX = 18
LINE_HEIGHT = 3


def region_css() -> str:
    """The <Style> body: bigger, airier text; each region underlined and followed by its label name."""
    rules = [
        f".lsf-richtext, .lsf-richtext__line {{ font-size: {FONT_PX}px !important; "
        f"line-height: {LINE_HEIGHT} !important; }}",
        ".htx-highlight { border-bottom: 3px solid transparent !important; padding: 1px 0; }",
        ".htx-highlight[data-label]::after { font-size: 10px; font-family: sans-serif; font-weight: bold; "
        "vertical-align: sub; line-height: 0; }",
    ]
    for label in LABELS:
        selector = f'.htx-highlight[data-label$=":{label}"]'
        rules.append(f"{selector} {{ border-bottom-color: {REGION_COLOURS[label]} !important; }}")
        rules.append(f'{selector}::after {{ content: "{label}"; color: {LABEL_TEXT_COLOURS[label]}; }}')
    return "\n".join("    " + escape(rule) for rule in rules)


def labeling_config(text_field: str = "text") -> str:
    """The config XML; `text_field` is the task data key holding the sentence.

    granularity="symbol" lets a region start and end on any character: Chinese
    has no spaces, so word granularity would snap regions to whole clauses.
    """
    if not text_field.isidentifier():
        # Label Studio resolves $name against task data; keep it a plain key.
        raise ValueError(f"text field must be a plain identifier, not {text_field!r}")
    missing = [label for label in LABELS if label not in REGION_COLOURS]
    if missing:
        raise ValueError(f"no region colour for label(s) {missing}: add them to REGION_COLOURS")
    lines = ["<View>", "  <Style>", region_css(), "  </Style>"]
    lines.append(f"  <Labels name={quoteattr(FROM_NAME)} toName={quoteattr(TO_NAME)}>")
    for label in LABELS:
        lines.append(f"    <Label value={quoteattr(label)} background={quoteattr(REGION_COLOURS[label])}/>")
    lines.append("  </Labels>")
    lines.append(
        f'  <Text name={quoteattr(TO_NAME)} value={quoteattr("$" + text_field)} granularity="symbol" '
        'showLabels="true"/>'
    )
    if len(RELATIONS) > 1:  # one relation type: unlabelled relations are it (see the module docstring)
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
