"""`minzheng corpus …` (placeholder until the corpus stage lands)."""

import typer

app = typer.Typer(help="Corpus stage: reports in, clean sentences out.", no_args_is_help=True)
