"""`minzheng evaluate` (and, with the inference stage, `minzheng extract`)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer


def evaluate_cmd(
    model: Path = typer.Option(None, "--model", help="Model folder to run on the gold sentences."),
    predictions: Path = typer.Option(None, "--predictions", help="Any system's output: JSONL, one example a line "
                                     "({id, text, spans, relations}, ids as in the gold data)."),
    data: list[Path] = typer.Option([Path("annotation/gold")], "--data", help="Gold exports or folders."),
    folds: int = typer.Option(0, "--folds", help="Cross-validate by document: retrain the model's recipe K times."),
    out: Path = typer.Option(Path("out/eval"), "--out", help="Report folder (metrics.json, report.md, plots)."),
    against: Path = typer.Option(None, "--against", help="Compare --model (B) with this model (A) on the same "
                                 "held-out documents: per-label F1 side by side, bootstrap CI on B − A."),
    docs: list[str] = typer.Option([], "--docs", help="With --against: the documents to compare on (default: "
                                   "the gold documents neither model was trained on)."),
) -> None:
    """Score a model or a predictions file against gold: per-label and relation F1, the rule baseline beside it.

    With --against A: compare --model B with A on the same held-out documents instead."""
    from rich.console import Console

    from evaluation.report import results_table
    from inference.evaluate import evaluate_model, evaluate_predictions, figure_value, training_arguments
    from inference.predictions import read_prediction_file
    from training.crossval import cross_validate, cv_report
    from training.data import load_gold
    from training.folder import check_model_folder

    if (model is None) == (predictions is None):
        raise typer.BadParameter("give exactly one of --model DIR and --predictions FILE.jsonl")
    if folds and model is None:
        raise typer.BadParameter("--folds needs --model (its training arguments are reused)")
    if against is not None and (model is None or folds):
        raise typer.BadParameter("--against A compares --model B with A (without --folds)")
    try:
        gold = load_gold(data)
        if model is not None:
            check_model_folder(model)
    except (OSError, ValueError) as err:  # ModelFolderError and ConversionError are ValueErrors
        _fail(str(err))
    if not gold:
        _fail(f"no annotated sentences in {', '.join(map(str, data))}")
    if against is not None:
        _compare_models(against, model, gold, docs, out)
        return
    if predictions is not None:
        try:
            pred, unknown = read_prediction_file(predictions, gold)
        except OSError as err:
            _fail(f"{predictions}: cannot be read ({err.strerror or err})")
        except ValueError as err:  # PredictionError: every problem, file:line and what
            _fail(str(err))
        if len(unknown) == len(pred):
            _fail(f"{predictions}: no prediction id matches the gold data "
                  f"(e.g. {unknown[0]!r}; gold ids look like {gold[0].id!r})" if pred else
                  f"{predictions}: no predictions in it")
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
    warning = None
    if model is not None and not folds:
        from inference.evaluate import training_overlap

        results = evaluate_model(model, gold, out)
        warning = training_overlap(model, gold)  # scores on training documents measure fit, not quality
    console = Console(width=max(Console().width, 160))  # the table has three columns per system
    for part, systems in results.items():
        title = f"{part} sentences" + (f" — {warning}" if warning else "")
        console.print(results_table(systems, title=title))
    (out / "summary.json").write_text(json.dumps({p: {s: r["entities"]["strict"]["micro"]["f1"]
                                                      for s, r in sy.items()} for p, sy in results.items()},
                                                 indent=2) + "\n", encoding="utf-8")
    console.print(f"reports in {out}")


def _compare_models(model_a: Path, model_b: Path, gold, docs: list[str], out: Path) -> None:
    """`minzheng evaluate --model B --against A`: the table, and compare.json / compare.md in OUT."""
    from rich.console import Console

    from evaluation.compare import comparison_table, write_comparison
    from training.promote import PromoteError, check_schema, compare_models, model_info

    try:
        comparison = compare_models(model_a, model_b, gold, docs or None)
    except PromoteError as err:
        _fail(str(err))
    Console(width=max(Console().width, 120)).print(comparison_table(comparison))
    for folder in (model_a, model_b):
        try:
            check_schema(folder, model_info(folder))
        except PromoteError as err:
            typer.secho(f"warning: {err}", fg="yellow", err=True)
    typer.echo(f"report: {write_comparison(comparison, out)}")


class Linker(StrEnum):
    model = "model"
    heuristic = "heuristic"


class Runtime(StrEnum):
    torch = "torch"
    onnx = "onnx"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


def _fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and the exit code: no traceback, no box that wraps long paths."""
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


class _Terminated(KeyboardInterrupt):
    """SIGTERM turned into the same clean stop as Ctrl-C (the partial output is kept, OUT untouched)."""


@contextlib.contextmanager
def _sigterm_stops_cleanly():
    def stop(signum, frame):
        raise _Terminated()

    if threading.current_thread() is not threading.main_thread():  # handlers can only be set there
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def extract_cmd(
    paths: list[Path] = typer.Argument(..., help="Files or folders (recursive): .txt, .html, .docx."),
    model: Path = typer.Option(None, "--model", help="Model folder (default: models/default)."),
    out: Path = typer.Option(Path("out/facts.jsonl"), "--out", help="Output: .jsonl (documents), .csv or .parquet "
                             "(fact rows). Replaced only when the run finishes."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Sentences per forward pass."),
    linker: Linker = typer.Option(None, "--linker", help="Override the folder's linker."),
    html: Path = typer.Option(None, "--html", help="Also write a displaCy review page of every document."),
    show: int = typer.Option(10, "--show", min=0, help="Print the first N fact rows (0: none)."),
    runtime: Runtime = typer.Option(None, "--runtime", help="torch (default), or onnx: ONNX Runtime "
                                    "(pip install minzheng[onnx]), the model exported next to its weights on first use."),
    quantize: bool = typer.Option(False, "--quantize", help="ONNX Runtime's dynamic int8 (model.int8.onnx, made on "
                                  "first use); implies --runtime onnx."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local, or ray: a Ray Data pipeline, same output "
                                  "(pip install minzheng[ray])."),
    address: str = typer.Option(None, "--address", help="With --engine ray: a running cluster (HEAD:6379); "
                                "default: a local Ray runtime for this run."),
    workers: int = typer.Option(None, "--workers", min=1, help="With --engine ray: model replicas, one CPU each "
                                "(default 1)."),
) -> None:
    """Extract facts from reports: entities, has_value links and normalised figures, offsets into the originals.

    Exit codes: 0 done; 1 some input files could not be read, or none could (the output is then left as it
    was); 2 bad arguments, a missing input, a bad model folder, or the output is being written by another
    run; 130/143 interrupted (Ctrl-C / SIGTERM: the output is left as it was, partial results kept)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress
    from rich.table import Table

    from corpus.readers import SUPPORTED_SUFFIXES
    from inference.batch import WRITERS, collect_inputs, extract_paths
    from inference.extractor import Extractor, default_model
    from inference.facts import Fact
    from inference.output import OutputBusy, OutputLock, check_output_path, partial_path
    from inference.review import ReviewPage
    from training.folder import ModelFolderError

    console = Console()
    linker_name = linker.value if linker is not None else None
    if quantize and runtime == Runtime.torch:
        _fail("--quantize is ONNX Runtime's int8: it goes with --runtime onnx (or no --runtime)")
    runtime = Runtime.onnx if quantize else (runtime or Runtime.torch)
    if engine == Engine.local and (address or workers):
        _fail("--address and --workers go with --engine ray")
    if engine == Engine.ray and html:
        _fail("--html needs --engine local (the documents' text stays on the workers)")
    if engine == Engine.ray and importlib.util.find_spec("ray") is None:
        _fail("--engine ray needs Ray: pip install minzheng[ray]")
    try:  # everything that can be checked before the model loads and before OUT is touched
        check_output_path(out, tuple(WRITERS))
        if html is not None:
            check_output_path(html, (".html", ".htm"), "--html")
            if html.resolve() == out.resolve():
                raise ValueError(f"--html and --out name the same file: {out}")
        files, duplicates = collect_inputs(paths)
    except ValueError as err:
        _fail(str(err))
    for dropped, kept in duplicates:
        typer.echo(f"note: {dropped} is the same file as {kept}: read once")
    if not files:
        _fail(f"no readable files ({', '.join(SUPPORTED_SUFFIXES)}) in {', '.join(map(str, paths))}; "
              f"{out} left as it was", code=1)
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

    with contextlib.ExitStack() as locks, _sigterm_stops_cleanly():
        try:  # a second run on the same output is refused before it loads a model
            for target in (out, html):
                if target is not None:
                    locks.enter_context(OutputLock(target))
            if engine == Engine.local:
                extractor = Extractor.from_pretrained(model or default_model(), linker=linker_name,
                                                      runtime=runtime.value, quantize=quantize)
            with Progress(console=console, transient=True) as progress:
                if engine == Engine.ray:
                    from inference.ray_engine import extract_paths_ray

                    summary = extract_paths_ray(model or default_model(), files, out, batch_size, address, workers,
                                                linker_name, on_record, progress, runtime=runtime.value,
                                                quantize=quantize)
                else:
                    summary = extract_paths(extractor, files, out, batch_size, on_document, progress)
            page = review.write() if review is not None and summary.written else None
        except (OutputBusy, ModelFolderError) as err:
            _fail(str(err))
        except KeyboardInterrupt as err:
            how = ("SIGTERM", 143) if isinstance(err, _Terminated) else ("Ctrl-C", 130)
            partial = partial_path(out)
            kept = f"; partial results in {partial}" if partial.exists() else ""
            _fail(f"interrupted ({how[0]}): {out} left as it was{kept}", code=how[1])
    if shown:
        table = Table(title=f"first {len(shown)} facts")
        for col in ("doc", "program", "kind", "value", "unit", "figure", "checks"):
            table.add_column(col)
        for f in shown:
            table.add_row(f.doc, f.program, f.kind, str(f.value if f.value is not None else f"{f.low}–{f.high}"),
                          f.unit or "", f.figure, "; ".join(f.checks))
        console.print(table)
    c = summary.counts
    where = f"→ {out}" if summary.written else f"(no document could be read: {out} left as it was)"
    console.print(f"{c['documents']} documents, {c['sentences']} sentences, {c['entities']} entities, "
                  f"{c['facts']} facts ({c['linked']} linked to a program, {c['checks_failed']} failed checks) "
                  f"in {summary.seconds:.1f} s {escape(where)}", soft_wrap=True)
    if page is not None:
        console.print(f"review page: {escape(str(page))}", soft_wrap=True)
    for path, reason in summary.failed:  # paths may hold [brackets]: escaped, not read as markup
        console.print(f"[red]failed[/red] {escape(f'{path}: {reason}')}", soft_wrap=True)
    if not summary.ok:
        console.print(f"[red]{len(summary.failed)} of {summary.files} files failed[/red]")
        raise typer.Exit(1)
