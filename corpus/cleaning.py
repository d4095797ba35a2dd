"""The cleaning pipeline: named steps, run in order, composed into one OffsetMap.

Steps live in `corpus.steps.STEPS` (registered by name, spaCy-style); a
`CleaningConfig` lists which run and in what order, and carries their settings.
Default order and why:

1. ``html_markup``    HTML documents only: tags/script/style/comments out, entities decoded.
2. ``html_remnants``  stray ``</font>``, ``<br>``, ``&nbsp;`` in plain text.
3. ``mojibake``       before width/t2s, which would alter the garbage's fingerprint.
4. ``pinyin_glosses`` ``發(fā)`` → ``發``, before width folds （） and t2s.
5. ``width``          NFKC-style 1→1 (１２３ → 123) but 。，、；：？！ stay.
6. ``t2s``            traditional → simplified, char by char.
7. ``boilerplate``    page-furniture lines, matched on the simplified, narrowed text.
8. ``whitespace``     last, so it folds the gaps the other steps left.

Redacted figures (xxxx, xx.xx) are content and are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from corpus.mojibake import MojibakeConfig
from corpus.offsets import EditBuilder, OffsetMap
from corpus.readers import RawDocument
from corpus.steps import DEFAULT_BOILERPLATE, STEPS

DEFAULT_STEPS: tuple[str, ...] = tuple(STEPS)


@dataclass(frozen=True)
class CleaningConfig:
    steps: tuple[str, ...] = DEFAULT_STEPS
    disabled: frozenset[str] = frozenset()
    boilerplate_patterns: tuple[str, ...] = DEFAULT_BOILERPLATE
    mojibake: MojibakeConfig = field(default_factory=MojibakeConfig)

    def __post_init__(self) -> None:
        unknown = sorted((set(self.steps) | set(self.disabled)) - set(STEPS))
        if unknown:
            raise ValueError(f"unknown cleaning step(s) {', '.join(unknown)}; known: {', '.join(STEPS)}")

    def without(self, *names: str) -> CleaningConfig:
        return replace(self, disabled=self.disabled | frozenset(names))

    @property
    def active_steps(self) -> tuple[str, ...]:
        return tuple(name for name in self.steps if name not in self.disabled)


@dataclass(frozen=True)
class CleanDocument:
    """The model's view of a document: `text`, with `offsets` from it back to `original`."""

    name: str
    original: str
    text: str
    offsets: OffsetMap
    stats: dict[str, int]  # step → source chars it removed or changed

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.offsets.to_original(start, end)


def clean_text(
    text: str, config: CleaningConfig | None = None, doc_format: str = "txt"
) -> tuple[str, OffsetMap, dict[str, int]]:
    """Run the pipeline on a string; returns (clean text, map clean → `text`, stats)."""
    config = config or CleaningConfig()
    offsets = OffsetMap.identity(len(text))
    stats: dict[str, int] = {}
    current = text
    for name in config.active_steps:
        builder = EditBuilder(current)
        STEPS[name](current, builder, config, doc_format)
        stats[name] = builder.changed
        if builder.changed:
            current, step_map = builder.build()
            offsets = offsets.compose(step_map)
    return current, offsets, stats


def clean_document(doc: RawDocument, config: CleaningConfig | None = None) -> CleanDocument:
    text, offsets, stats = clean_text(doc.text, config, doc.format)
    return CleanDocument(name=doc.name, original=doc.text, text=text, offsets=offsets, stats=stats)
