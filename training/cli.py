"""`minzheng train …`: build a base encoder, warm it up, fine-tune NER."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Training stage: base encoder, MLM warm-up, NER fine-tuning.", no_args_is_help=True)


@app.command("init-base")
def init_base_cmd(
    out: Path = typer.Option(Path("models/base"), "--out", help="Folder for the new base model."),
    config: Path = typer.Option(None, "--config", help="Base config YAML (default training/configs/base-small.yaml)."),
) -> None:
    """Build a small Chinese BERT from a config and a character vocabulary written by the project."""
    from training.base import CONFIG_DIR, init_base

    path = init_base(out, config or CONFIG_DIR / "base-small.yaml")
    typer.echo(f"base model written to {path}")


@app.command("pretrain")
def pretrain_cmd(
    base: Path = typer.Option(Path("models/base"), "--base", help="Model to warm up (from init-base)."),
    sentences: list[Path] = typer.Option(..., "--sentences", help="sentences.jsonl files (field 'text')."),
    gold: list[Path] = typer.Option([], "--gold", help="Gold exports whose texts join the MLM data."),
    out: Path = typer.Option(Path("models/base-mlm"), "--out"),
    epochs: float = typer.Option(20, "--epochs"),
    seed: int = typer.Option(42, "--seed"),
) -> None:
    """Masked-language-model warm-up on the corpus sentences (and gold sentences)."""
    from training.data import load_gold
    from training.pretrain import pretrain_mlm

    texts = []
    for path in sentences:
        with path.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    if gold:
        texts += [e.text for e in load_gold(gold)]
    pretrain_mlm(base, texts, out, epochs=epochs, seed=seed)
    typer.echo(f"warmed-up model written to {out} ({len(texts)} sentences)")


@app.command("ner", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ner_cmd(
    ctx: typer.Context,
    config: Path = typer.Option(None, "--config", help="YAML of arguments; flags after it override."),
) -> None:
    """Train a model folder: NER + relation head. Arguments: ModelArguments, DataArguments, TrainingArguments.

    --folds K first cross-validates by document (K fold models under --cv_dir, a report with the rule
    baseline beside the model), then trains the final model on all documents except --dev_docs.
    """
    import shlex
    import sys

    from training.card import write_model_card
    from training.data import load_gold, to_clean_examples
    from training.ner import parse_arguments
    from training.pipeline import train_model
    from training.splits import split_by_documents

    model_args, data_args, train_args = parse_arguments(str(config) if config else None, ctx.args)
    gold = load_gold(data_args.gold)
    cross_validation = None
    if data_args.folds:
        from training.crossval import best_linker, cross_validate, cv_report

        cv_dir = Path(data_args.cv_dir or Path("out/cv") / Path(train_args.output_dir).name)
        cv = cross_validate(model_args, data_args, train_args, gold, data_args.folds, cv_dir)
        cross_validation = cv_report(cv, gold, cv_dir / "report", title=f"{data_args.folds}-fold cross-validation")
        typer.echo(f"cross-validation report: {cv_dir / 'report'}")
        if model_args.linker == "auto":  # decided on the pooled held-out folds, not on the final model's data
            model_args.linker = best_linker(cross_validation)
    split = split_by_documents(to_clean_examples(gold), data_args.dev_docs)
    if not split.dev:  # the final model: all documents, a fixed number of epochs
        train_args.eval_strategy = "no"
        train_args.load_best_model_at_end = False
    folder, metrics = train_model(model_args, data_args, train_args, split.train, split.dev)
    if cross_validation:
        metrics["cross_validation"] = cross_validation
        (folder / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    command = "minzheng train ner " + " ".join(shlex.quote(a) for a in sys.argv[3:])
    write_model_card(folder, command, cross_validation)
    typer.echo(f"model written to {folder}")


@app.command("promote")
def promote_cmd(
    model: Path = typer.Argument(..., help="The candidate model folder."),
    to: Path = typer.Option(Path("models/default"), "--to", help="Where it goes (the model `extract` uses)."),
    data: list[Path] = typer.Option([Path("annotation/gold")], "--data", help="Gold exports or folders."),
    docs: list[str] = typer.Option([], "--docs", help="Held-out documents to compare on (default: the gold "
                                   "documents neither model was trained on)."),
    force: bool = typer.Option(False, "--force", help="Promote even if worse or not comparable (never across "
                               "schema versions)."),
    out: Path = typer.Option(Path("out/promote"), "--out", help="Where the comparison report goes."),
) -> None:
    """Make MODEL the default: refused if it was trained on another schema version, or if its held-out
    F1 is lower than the current model's on the same held-out documents. Copied atomically."""
    from rich.console import Console

    from evaluation.compare import comparison_table, write_comparison
    from training.data import load_gold
    from training.promote import promote

    try:
        gold = load_gold(data)
        result = promote(model, gold, to=to, docs=docs or None, force=force, log=typer.echo)
    except (OSError, ValueError) as exc:  # PromoteError, a gold file that is not a full export
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    if result.comparison is not None:
        Console(width=max(Console().width, 120)).print(comparison_table(result.comparison))
        typer.echo(f"report: {write_comparison(result.comparison, out)}")
