"""`minzheng annotate …`: Label Studio server, push/pull, validation, gold data."""

import typer

app = typer.Typer(help="Annotation stage: Label Studio server, sync, validation, gold data.", no_args_is_help=True)
