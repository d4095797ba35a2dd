"""`minzheng evaluate` (and, with the inference stage, `minzheng extract`)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import typer


def evaluate_cmd(
    model: Path = typer.Option(None, "--model", help="Model folder to run on the gold sentences."),
    predictions: Path = typer.Option(None, "--predictions", help="Any system's output: JSONL, one example a line "
                                     "({id, text, spans, relations}, ids as in the gold data)."),
    data: list[Path] = typer.Option([Path("annotation/gold")], "--data", help="Gold exports or folders."),
    folds: int = typer.Option(0, "--folds", help="Cross-validate by document: retrain the model's recipe K times."),
    out: Path = typer.Option(Path("out/eval"), "--out", help="Report folder (metrics.json, report.md, plots)."),
) -> None:
    """Score a model or a predictions file against gold: per-label and relation F1, the rule baseline beside it."""
    from rich.console import Console

    from evaluation.report import results_table
    from inference.evaluate import evaluate_model, evaluate_predictions, figure_value, training_arguments
    from training.crossval import cross_validate, cv_report, read_predictions
    from training.data import load_gold

    if (model is None) == (predictions is None):
        raise typer.BadParameter("give exactly one of --model DIR and --predictions FILE.jsonl")
    if folds and model is None:
        raise typer.BadParameter("--folds needs --model (its training arguments are reused)")
    gold = load_gold(data)
    if predictions is not None:
        try:
            pred = read_predictions(predictions)
        except (OSError, ValueError) as err:
            raise typer.BadParameter(str(err)) from err
        unknown = {p.id for p in pred} - {g.id for g in gold}
        if len(unknown) == len({p.id for p in pred}):
            raise typer.BadParameter(f"{predictions}: no prediction id matches the gold data")
        if unknown:
            typer.echo(f"warning: {len(unknown)} prediction ids are not in the gold data and are ignored "
                       f"(e.g. {sorted(unknown)[0]!r})", err=True)
        results = evaluate_predictions(gold, {predictions.stem: (pred, None)}, out,
                                       f"Evaluation of {predictions.name}", {"predictions": str(predictions)})
    elif folds:
        model_args, data_args, train_args = training_arguments(model)
        cv = cross_validate(model_args, data_args, train_args, gold, folds, out / "folds")
        results = cv_report(cv, gold, out, title=f"{folds}-fold cross-validation of {model.name}'s recipe",
                            normalize=figure_value, meta={"model": str(model)})
    else:
        results = evaluate_model(model, gold, out)
    console = Console(width=max(Console().width, 160))  # the table has three columns per system
    for part, systems in results.items():
        console.print(results_table(systems, title=f"{part} sentences"))
    (out / "summary.json").write_text(json.dumps({p: {s: r["entities"]["strict"]["micro"]["f1"]
                                                      for s, r in sy.items()} for p, sy in results.items()},
                                                 indent=2) + "\n", encoding="utf-8")
    console.print(f"reports in {out}")


def extract_cmd(
    paths: list[Path] = typer.Argument(..., help="Files or folders (recursive): .txt, .html, .docx."),
    model: Path = typer.Option(None, "--model", help="Model folder (default: models/default)."),
    out: Path = typer.Option(Path("out/facts.jsonl"), "--out", help="Output: .jsonl (documents), .csv or .parquet "
                             "(fact rows)."),
    batch_size: int = typer.Option(32, "--batch-size", help="Sentences per forward pass."),
    linker: str = typer.Option(None, "--linker", help="Override the folder's linker: model or heuristic."),
    html: Path = typer.Option(None, "--html", help="Also write a displaCy review page of every document."),
    show: int = typer.Option(10, "--show", help="Print the first N fact rows (0: none)."),
    runtime: str = typer.Option("torch", "--runtime", help="torch, or onnx (ONNX Runtime; pip install minzheng[onnx])."),
    quantize: bool = typer.Option(False, "--quantize", help="Dynamic int8 quantisation of the linear layers (torch)."),
    engine: str = typer.Option("local", "--engine", help="local, or ray: a Ray Data pipeline, same output "
                               "(pip install minzheng[ray])."),
    address: str = typer.Option(None, "--address", help="With --engine ray: a running cluster (HEAD:6379); "
                                "default: a local Ray runtime for this run."),
    workers: int = typer.Option(None, "--workers", min=1, help="With --engine ray: model replicas, one CPU each "
                                "(default 1)."),
) -> None:
    """Extract facts from reports: entities, has_value links and normalised figures, offsets into the originals."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from inference.batch import extract_paths
    from inference.extractor import Extractor, default_model
    from inference.facts import Fact
    from inference.review import ReviewPage

    console = Console()
    if runtime not in ("torch", "onnx") or (quantize and runtime != "torch"):
        raise typer.BadParameter("--runtime is torch or onnx; --quantize goes with --runtime torch")
    if engine not in ("local", "ray"):
        raise typer.BadParameter("--engine is local or ray")
    if engine == "local" and (address or workers):
        raise typer.BadParameter("--address and --workers go with --engine ray")
    if engine == "ray" and html:
        raise typer.BadParameter("--html needs --engine local (the documents' text stays on the workers)")
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise typer.BadParameter("--engine ray needs Ray: pip install minzheng[ray]")
    if engine == "local":
        extractor = Extractor.from_pretrained(model or default_model(), linker=linker, runtime=runtime,
                                              quantize=quantize)
    review = ReviewPage(html) if html else None
    shown: list = []

    def on_record(record):
        if len(shown) < show:
            shown.extend(Fact(**f) for f in record["facts"][: show - len(shown)])

    def on_document(doc):
        if review is not None:
            review.add(doc)
        if len(shown) < show:
            shown.extend(doc.facts[: show - len(shown)])

    try:
        with Progress(console=console, transient=True) as progress:
            if engine == "ray":
                from inference.ray_engine import extract_paths_ray

                summary = extract_paths_ray(model or default_model(), paths, out, batch_size, address, workers,
                                            linker, on_record, progress, runtime=runtime, quantize=quantize)
            else:
                summary = extract_paths(extractor, paths, out, batch_size, on_document, progress)
    except (ValueError, FileNotFoundError) as err:
        raise typer.BadParameter(str(err)) from err
    if shown:
        table = Table(title=f"first {len(shown)} facts")
        for col in ("doc", "program", "kind", "value", "unit", "figure", "checks"):
            table.add_column(col)
        for f in shown:
            table.add_row(f.doc, f.program, f.kind, str(f.value if f.value is not None else f"{f.low}–{f.high}"),
                          f.unit or "", f.figure, "; ".join(f.checks))
        console.print(table)
    c = summary.counts
    console.print(f"{c['documents']} documents, {c['sentences']} sentences, {c['entities']} entities, "
                  f"{c['facts']} facts ({c['linked']} linked to a program, {c['checks_failed']} failed checks) "
                  f"in {summary.seconds:.1f} s → {out}")
    if review is not None:
        console.print(f"review page: {review.write()}")
    for path, reason in summary.failed:
        console.print(f"[red]failed[/red] {path}: {reason}")
    if not summary.ok:
        console.print(f"[red]{len(summary.failed)} of {summary.files} files failed[/red]")
        raise typer.Exit(1)
