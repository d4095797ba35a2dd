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
    """Fine-tune the NER model. Arguments: ModelArguments, DataArguments and transformers TrainingArguments."""
    from training.data import load_gold, to_clean_examples
    from training.ner import parse_arguments, train_ner, write_log
    from training.splits import split_by_documents

    model_args, data_args, train_args = parse_arguments(str(config) if config else None, ctx.args)
    examples = to_clean_examples(load_gold(data_args.gold))
    split = split_by_documents(examples, data_args.dev_docs)
    if not split.dev:
        raise typer.BadParameter("no dev sentences: pass --dev_docs DOC… (real documents held out)")
    trainer = train_ner(model_args, train_args, split.train, split.dev)
    trainer.save_model(train_args.output_dir)
    write_log(trainer, Path(train_args.output_dir) / "train_log.jsonl")
    typer.echo(json.dumps(trainer.evaluate(), indent=2))
