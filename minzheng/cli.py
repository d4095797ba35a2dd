"""The `minzheng` command: one sub-command group per stage.

Each stage owns its commands in its own `cli.py`; this module only mounts them, and wires
what an earlier stage needs from a later one: `annotate push --predictions MODEL_DIR` loads
the model through the inference stage's loader, registered here.
"""

from __future__ import annotations

import typer

from annotation.cli import app as annotate_app
from annotation.sync import register_model_loader
from corpus.cli import app as corpus_app
from inference.cli import evaluate_cmd, extract_cmd
from inference.table_cli import table_cmd
from training.cli import app as train_app


def _load_model_predictor(model_dir):
    from inference import load_predictor  # torch loads only when a model is asked for

    return load_predictor(model_dir)


register_model_loader(_load_model_predictor)

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
