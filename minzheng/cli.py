"""The `minzheng` command: one sub-command group per stage.

Each stage owns its commands in its own `cli.py`; this module only mounts them.
"""

from __future__ import annotations

import typer

from annotation.cli import app as annotate_app
from corpus.cli import app as corpus_app
from inference.cli import evaluate_cmd, extract_cmd
from inference.table_cli import table_cmd
from training.cli import app as train_app

app = typer.Typer(
    name="minzheng",
    help="Turn Chinese civil-affairs reports into a table of facts.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(corpus_app, name="corpus")
app.add_typer(annotate_app, name="annotate")
app.add_typer(train_app, name="train")
app.command("extract")(extract_cmd)
app.command("evaluate")(evaluate_cmd)
app.command("table")(table_cmd)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
