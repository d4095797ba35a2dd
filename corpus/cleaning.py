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

Nothing goes silently: per step the document records the source chars it changed
(`stats`) and those it deleted (`deleted`), and a step that would remove more than
`max_removed_share` of the non-space characters left is NOT applied — it goes to
`withheld` with a warning instead (a pattern or heuristic gone wrong must not erase
a report).  ``html_markup`` and ``html_remnants`` are exempt: they remove only
markup (tags, entities), which can be most of a file by design.
"""

from __future__ import annotations

import re
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
    #: A step that would remove more than this share of the non-space chars is withheld; None: never.
    max_removed_share: float | None = 0.5

    def __post_init__(self) -> None:
        unknown = sorted((set(self.steps) | set(self.disabled)) - set(STEPS))
        if unknown:
            raise ValueError(f"unknown cleaning step(s) {', '.join(unknown)}; known: {', '.join(STEPS)}")

    def without(self, *names: str) -> CleaningConfig:
        return replace(self, disabled=self.disabled | frozenset(names))

    @property
    def active_steps(self) -> tuple[str, ...]:
        return tuple(name for name in self.steps if name not in self.disabled)


#: Steps that remove only markup (tags, entities), which may be most of a file, are never withheld.
UNGUARDED_STEPS = frozenset({"html_markup", "html_remnants"})


@dataclass(frozen=True)
class CleanDocument:
    """The model's view of a document: `text`, with `offsets` from it back to `original`."""

    name: str
    original: str
    text: str
    offsets: OffsetMap
    stats: dict[str, int]  # step → source chars it removed or changed
    deleted: dict[str, int] = field(default_factory=dict)  # step → source chars it deleted
    withheld: dict[str, int] = field(default_factory=dict)  # step → non-space chars it would have removed
    warnings: list[str] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.offsets.to_original(start, end)


_SPACE_RUNS = re.compile(r"\s+")


def _visible(text: str) -> int:
    """Non-space characters, counted in C (a report can be one 20 MB line)."""
    return len(text) - sum(len(run) for run in _SPACE_RUNS.findall(text))


def run_pipeline(
    text: str, config: CleaningConfig | None = None, doc_format: str = "txt", name: str = "<text>"
) -> CleanDocument:
    """Every step in order → CleanDocument (with the per-step counts and any withheld step)."""
    config = config or CleaningConfig()
    offsets = OffsetMap.identity(len(text))
    stats: dict[str, int] = {}
    deleted: dict[str, int] = {}
    withheld: dict[str, int] = {}
    warnings: list[str] = []
    current = text
    for step_name in config.active_steps:
        builder = EditBuilder(current)
        STEPS[step_name](current, builder, config, doc_format)
        if (
            config.max_removed_share is not None
            and step_name not in UNGUARDED_STEPS
            and builder.changed
            and (removed := builder.removed_visible())
        ):
            visible = _visible(current)
            if removed > config.max_removed_share * visible:
                withheld[step_name] = removed
                warnings.append(
                    f"cleaning step {step_name} would remove {removed} of {visible} non-space characters "
                    f"({removed / visible:.0%}); not applied"
                )
                stats[step_name] = deleted[step_name] = 0
                continue
        stats[step_name] = builder.changed
        deleted[step_name] = builder.deleted
        if builder.changed:
            current, step_map = builder.build()
            offsets = offsets.compose(step_map)
    return CleanDocument(name, text, current, offsets, stats, deleted, withheld, warnings)


def clean_text(
    text: str, config: CleaningConfig | None = None, doc_format: str = "txt"
) -> tuple[str, OffsetMap, dict[str, int]]:
    """Run the pipeline on a string; returns (clean text, map clean → `text`, stats)."""
    clean = run_pipeline(text, config, doc_format)
    return clean.text, clean.offsets, clean.stats


def clean_document(doc: RawDocument, config: CleaningConfig | None = None) -> CleanDocument:
    return run_pipeline(doc.text, config, doc.format, doc.name)
