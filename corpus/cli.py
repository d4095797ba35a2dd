"""`minzheng corpus …`: reports in, clean sentences (with original offsets) out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corpus.build import BuildResult, CorpusConfig, build_corpus
from corpus.cleaning import CleaningConfig
from corpus.steps import STEPS

app = typer.Typer(help="Corpus stage: reports in, clean sentences out.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Corpus stage: reports in, clean sentences out."""


@app.command()
def build(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or directories (searched recursively for .txt/.html/.htm/.docx)."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out/corpus"),
    max_chars: Annotated[int, typer.Option(help="Split sentences longer than this at ；/，.", min=20)] = 200,
    disable: Annotated[
        list[str] | None,
        typer.Option("--disable", help=f"Switch a cleaning step off (repeatable): {', '.join(STEPS)}."),
    ] = None,
    no_html_markup: Annotated[bool, typer.Option("--no-html-markup", help="Keep HTML markup.")] = False,
    no_html_remnants: Annotated[
        bool, typer.Option("--no-html-remnants", help="Keep stray tags/entities.")
    ] = False,
    no_mojibake: Annotated[bool, typer.Option("--no-mojibake", help="Keep mojibake runs.")] = False,
    no_pinyin_glosses: Annotated[
        bool, typer.Option("--no-pinyin-glosses", help="Keep 發(fā)-style glosses.")
    ] = False,
    no_width: Annotated[bool, typer.Option("--no-width", help="Keep full-width letters/digits.")] = False,
    no_t2s: Annotated[bool, typer.Option("--no-t2s", help="Keep traditional characters.")] = False,
    no_boilerplate: Annotated[
        bool, typer.Option("--no-boilerplate", help="Keep page-furniture lines.")
    ] = False,
    no_whitespace: Annotated[bool, typer.Option("--no-whitespace", help="Keep white space as is.")] = False,
    strict_encoding: Annotated[
        bool,
        typer.Option(
            "--strict-encoding",
            help="A file with undecodable bytes is an error (default: they become U+FFFD, counted, with a warning).",
        ),
    ] = False,
) -> None:
    """Read, clean and segment reports; write DIR/dataset, DIR/sentences.jsonl, DIR/documents.jsonl."""
    flags = {
        "html_markup": no_html_markup,
        "html_remnants": no_html_remnants,
        "mojibake": no_mojibake,
        "pinyin_glosses": no_pinyin_glosses,
        "width": no_width,
        "t2s": no_t2s,
        "boilerplate": no_boilerplate,
        "whitespace": no_whitespace,
    }
    disabled = {name for name, off in flags.items() if off} | {d.replace("-", "_") for d in disable or []}
    try:
        cleaning = CleaningConfig(disabled=frozenset(disabled))
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--disable") from None
    console = Console(stderr=True)

    def progress(files):
        from tqdm import tqdm

        return tqdm(files, desc="reports", unit="file", file=console.file, disable=not files)

    config = CorpusConfig(cleaning=cleaning, max_chars=max_chars, strict_encoding=strict_encoding)
    result = build_corpus(paths, out, config, progress=progress)
    print_summary(Console(), result, out)
    if result.errors:
        raise typer.Exit(1)


def print_summary(console: Console, result: BuildResult, out: Path) -> None:
    table = Table(title="corpus build", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents", str(len(result.documents)))
    table.add_row("sentences", str(len(result.sentences)))
    table.add_row("characters (original)", str(result.characters))
    for name in STEPS:
        if name in result.stats:
            table.add_row(f"  {name}: chars removed/changed", str(result.stats[name]))
    deleted = sum(sum(doc["deleted"].values()) for doc in result.documents)
    table.add_row("characters deleted by cleaning", str(deleted))
    table.add_row("warnings", str(len(result.warnings)), style="yellow" if result.warnings else None)
    table.add_row("errors", str(len(result.errors)), style="red" if result.errors else None)
    console.print(table)
    docs = Table(show_header=True, title="documents")
    for column in ("document", "format", "encoding", "chars", "sentences"):
        docs.add_column(column, justify="right" if column in ("chars", "sentences") else "left")
    for doc in result.documents:
        docs.add_row(
            doc["name"], doc["format"], str(doc["encoding"] or "-"), str(doc["chars"]), str(doc["sentences"])
        )
    console.print(docs)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}", highlight=False, soft_wrap=True)
    for err in result.errors:
        console.print(f"[red]error[/red] {err.path}: {err.reason}", highlight=False, soft_wrap=True)
    console.print(f"written to {out}/ (dataset/, sentences.jsonl, documents.jsonl)", highlight=False)
