"""`minzheng annotate …`: Label Studio server, push/pull, validation, gold data."""

from contextlib import contextmanager

import typer

app = typer.Typer(help="Annotation stage: Label Studio server, sync, validation, gold data.", no_args_is_help=True)


# --- Label Studio server, push, pull (annotation/server.py, annotation/sync.py) ---------------
# Imports stay inside the commands: `minzheng --help` must not load the SDK.

server_app = typer.Typer(help="The local Label Studio server (its own venv under the state dir).", no_args_is_help=True)
app.add_typer(server_app, name="server")


def _server(port: int | None = None):
    from annotation.server import DEFAULT_PORT, LabelStudioServer

    return LabelStudioServer(port=port or DEFAULT_PORT)


@server_app.command("start")
def server_start(
    port: int = typer.Option(8089, "--port", help="Port on 127.0.0.1."),
    timeout: float = typer.Option(240.0, "--timeout", help="Seconds to wait for the server to answer."),
) -> None:
    """Install Label Studio on first use, start it detached and print the URL and login."""
    from annotation.server import ServerError

    srv = _server(port)
    srv.start_timeout = timeout
    was_running = srv.is_running()
    try:
        srv.start()
    except ServerError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    creds = srv.credentials
    if was_running:
        typer.echo(f"Label Studio is already running (pid {srv.pid()}).")
    typer.echo(f"URL:   {srv.url}\nLogin: {creds.username}")
    typer.echo(f"Password and API token: {srv.run_dir / 'credentials.json'} (or MINZHENG_LS_* variables)")
    typer.echo(f"Log:   {srv.log_path}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the running server."""
    _server().stop()


@server_app.command("status")
def server_status() -> None:
    """Report whether the server runs, its URL and version."""
    st = _server().status()
    if st["running"]:
        state = "running" if st["ready"] else "starting (not answering yet)"
        typer.echo(f"Label Studio {st['version'] or ''} {state} at {st['url']} (pid {st['pid']})".replace("  ", " "))
    else:
        typer.echo("Label Studio is not running" + ("" if st["installed"] else " (not installed yet)") + ".")
    typer.echo(f"Data: {st['data_dir']}\nLog:  {st['log']}")
    raise typer.Exit(0 if st["running"] else 3)


def _client(url: str | None, token: str | None):
    """An SDK client: explicit --url/--token, else MINZHENG_LS_URL/TOKEN, else the local server's."""
    import os

    from label_studio_sdk import LabelStudio

    srv = _server()
    url = url or os.environ.get("MINZHENG_LS_URL") or srv.url
    if token is None:
        token = os.environ.get("MINZHENG_LS_TOKEN")
    if token is None:
        if not (srv.run_dir / "credentials.json").exists():
            typer.secho(
                "No API token: start the server (`minzheng annotate server start`) or pass --token.",
                fg="red",
                err=True,
            )
            raise typer.Exit(2)
        token = srv.credentials.token
    return LabelStudio(base_url=url, api_key=token)


def _api_error(exc) -> str:
    """A one-paragraph message for a Label Studio API error (not its headers)."""
    body = exc.body
    if isinstance(body, dict):
        body = body.get("validation_errors") or body.get("detail") or body
    hint = " (wrong --token?)" if exc.status_code in (401, 403) else ""
    return f"Label Studio refused the request: HTTP {exc.status_code}{hint}: {body}"


@contextmanager
def _exit_on_sync_errors():
    """A sync or API failure becomes one red message and exit code 1."""
    from label_studio_sdk.core.api_error import ApiError

    from annotation.sync import SyncError

    try:
        yield
    except SyncError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    except ApiError as exc:
        typer.secho(_api_error(exc), fg="red", err=True)
        raise typer.Exit(1) from exc


@app.command("push")
def push_cmd(
    sentences: str | None = typer.Option(None, "--sentences", help=(
        "Corpus sentences.jsonl (id, doc, index, text, start, end); new ones become tasks. Without it only "
        "the tasks already in the project are pre-annotated / ranked.")),
    predictions: str | None = typer.Option(None, "--predictions", help=(
        "Pre-annotate the new tasks and the project's unannotated tasks: 'rules' or a MODEL_DIR "
        "(added, or replaced by model version; annotated tasks are never touched).")),
    project: str = typer.Option("minzheng", "--project", help="Label Studio project title (created if absent)."),
    text_field: str = typer.Option("text", "--text-field", help="Task data key holding the sentence."),
    url: str | None = typer.Option(None, "--url", help="Label Studio URL (default: the local server)."),
    token: str | None = typer.Option(None, "--token", help="API token (default: the local server's)."),
    select: str | None = typer.Option(None, "--select", help=(
        "Push only --n new sentences: 'uncertain' (the --predictions MODEL_DIR's most uncertain, ranked with "
        "the unannotated tasks already there, whose scores go to the task data as 'uncertainty') or 'random'.")),
    n: int | None = typer.Option(None, "--n", help="How many sentences --select pushes."),
    strategy: str = typer.Option("entropy", "--strategy", help="Uncertainty for --select uncertain: entropy or margin."),
    seed: int = typer.Option(0, "--seed", help="Seed of --select random."),
) -> None:
    """Import sentences as tasks (those already in the project are skipped) and pre-annotate the open tasks."""
    from annotation.sync import SyncError, check_selection, push

    with _exit_on_sync_errors():
        check_selection(select, n, predictions, strategy)  # before asking for a client/token
        if sentences is None and predictions is None:
            raise SyncError("nothing to do: give --sentences FILE (new tasks) and/or --predictions rules|MODEL_DIR")
        res = push(_client(url, token), sentences, project_title=project, predictions=predictions,
                   text_field=text_field, select=select, n=n, strategy=strategy, seed=seed)
    typer.echo(f"created {res.created}, skipped {res.skipped}, predictions {res.predictions}"
               + (f", not selected {res.not_selected}" if select else "")
               + (f"; on existing unannotated tasks: predictions added {res.existing_added}, "
                  f"replaced {res.existing_replaced}" if predictions else "")
               + (f", uncertainty stored on {res.scored}" if select == "uncertain" else ""))


@app.command("pull")
def pull_cmd(
    out: str | None = typer.Option(None, "--out", help=(
        "Where to write the full JSON export (default: annotation/staging/PROJECT.json). Not the gold "
        "folder: `annotate gold merge` adds staged annotations to gold.")),
    project: str = typer.Option("minzheng", "--project", help="Label Studio project title or id."),
    text_field: str = typer.Option("text", "--text-field", help="Task data key holding the sentence."),
    url: str | None = typer.Option(None, "--url", help="Label Studio URL (default: the local server)."),
    token: str | None = typer.Option(None, "--token", help="API token (default: the local server's)."),
) -> None:
    """Export the project (full JSON, with relations) to staging and validate it; exit 1 if invalid."""
    from pathlib import Path

    from annotation.sync import check_not_gold, pull

    with _exit_on_sync_errors():
        if out is not None:
            check_not_gold(Path(out))  # before asking for a client/token
        res = pull(_client(url, token), project, out, text_field=text_field)
    if res.issues:
        typer.secho(f"{len(res.issues)} issues: fix them in Label Studio and pull again.", fg="red", err=True)
        raise typer.Exit(1)


# --- Validation and gold data (annotation/validate.py, annotation/gold.py) -------------------
from typing import Annotated  # noqa: E402 - kept with the commands that use it


@app.command("validate")
def validate_cmd(
    path: str = typer.Argument(..., help="A full Label Studio JSON export (e.g. annotation/gold/real.json)."),
    text_field: str = typer.Option("text", "--text-field", help="Task data key holding the sentence."),
) -> None:
    """Check every annotated task against the schema and guidelines; exit 1 listing the issues."""
    from annotation.convert import ConversionError, agreement_report, live_annotations, read_export
    from annotation.validate import validate_file

    try:
        tasks = read_export(path)
        issues = validate_file(path, text_field=text_field)
    except (OSError, ValueError, ConversionError) as exc:
        message = str(exc)
        typer.secho(message if message.startswith(f"{path}:") else f"{path}: {message}", fg="red", err=True)
        raise typer.Exit(2) from exc
    annotated = sum(1 for task in tasks if live_annotations(task))
    for issue in issues:
        typer.echo(str(issue))
    if issues:
        typer.secho(f"{len(issues)} issue(s) in {len(tasks)} tasks ({annotated} annotated).", fg="red", err=True)
        raise typer.Exit(1)
    if not annotated:  # "valid" would claim a check that did not happen
        typer.secho(f"{path}: {len(tasks)} tasks, none annotated: nothing to validate.", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"{path}: {len(tasks)} tasks, valid ({annotated} annotated).")
    try:
        agreement = agreement_report(tasks, text_field)
    except ConversionError as exc:  # an older, superseded annotation that cannot be read
        typer.echo(f"agreement not computed: {exc}")
        return
    if agreement.per_task:
        typer.echo(str(agreement))


gold_app = typer.Typer(help="Gold data: build Label Studio exports from the markup sources, statistics.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


@gold_app.command("build")
def gold_build_cmd(
    src: str | None = typer.Option(None, "--src", help="Folder of *.jsonl markup sources [default: annotation/gold/src]."),
    out: str | None = typer.Option(None, "--out", help="Folder for the exports, <source>.json [default: annotation/gold]."),
) -> None:
    """Parse and validate every source line, then write one full JSON export per source."""
    from annotation.gold import GOLD_DIR, SRC_DIR, GoldError, build_gold

    try:
        written = build_gold(src or SRC_DIR, out or GOLD_DIR)
    except GoldError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    for source, path in written.items():
        typer.echo(f"{source}: {path}")


@gold_app.command("merge")
def gold_merge_cmd(
    staging: str = typer.Argument(..., help="A pulled export (annotation/staging/NAME.json)."),
    into: str | None = typer.Option(None, "--into", help=(
        "Gold source file for new sentences (default: annotation/gold/src/label-studio.jsonl).")),
    corpus: str = typer.Option("out/corpus", "--corpus", help=(
        "The corpus build the tasks came from (its documents.jsonl names each report's file).")),
    src: str | None = typer.Option(None, "--src", help="Folder of *.jsonl markup sources [default: annotation/gold/src]."),
    out: str | None = typer.Option(None, "--out", help="Folder for the rebuilt exports [default: annotation/gold]."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite gold lines whose annotation differs (listed)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be merged; write nothing."),
) -> None:
    """Add staged annotations to the gold sources by sentence id, on the ORIGINAL sentence text.

    Clean-text offsets go back to the original text through the corpus OffsetMap; a sentence
    already in gold is unchanged, or a conflict (listed; --replace overwrites it). Then the
    exports are rebuilt and the table shows what came in.
    """
    from pathlib import Path

    from rich.console import Console

    from annotation.convert import ConversionError
    from annotation.gold import GOLD_DIR, SRC_DIR, GoldError, gold_stats, load_gold, stats_table
    from annotation.merge import DEFAULT_INTO, MergeError, merge_staging

    src_dir = Path(src) if src else SRC_DIR
    out_dir = Path(out) if out else GOLD_DIR
    into_path = Path(into) if into else src_dir / DEFAULT_INTO.name
    try:
        res = merge_staging(staging, src_dir, out_dir, into=into_path, corpus=corpus, replace=replace,
                            dry_run=dry_run)
    except (OSError, MergeError, GoldError, ConversionError) as exc:
        typer.secho(f"{staging}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    verb = "would add" if dry_run else "added"
    typer.echo(f"{staging}: {verb} {len(res.added)} sentences to {into_path}, "
               f"{'would replace' if dry_run else 'replaced'} {len(res.replaced)}, {len(res.unchanged)} unchanged "
               f"(already in gold), {len(res.conflicts)} conflicts, {res.unannotated} unannotated tasks left out.")
    for conflict in res.conflicts:
        typer.secho(f"  conflict {conflict}", fg="yellow")
    if res.conflicts and not replace:
        typer.secho("Conflicting sentences kept their gold annotation; --replace takes the pulled one.", fg="yellow")
    console = Console()
    console.width = max(console.width, 100)
    if res.came_in:
        console.print(stats_table(gold_stats(res.came_in), title=f"Came in from {staging}"))
    if res.written:
        for source, path in res.written.items():
            typer.echo(f"rebuilt {source}: {path}")
        console.print(stats_table(gold_stats(load_gold(out_dir)), title=f"Gold data now ({out_dir})"))


@gold_app.command("check")
def gold_check_cmd(
    gold: Annotated[list[str] | None, typer.Argument(help="Export files or folders (default: annotation/gold).")] = None,
) -> None:
    """Consistency of the gold: one string labelled two ways, spans that break the guidelines' span rules."""
    from annotation.consistency import check_consistency
    from annotation.gold import GOLD_DIR, load_gold

    examples = [ex for path in (gold or [GOLD_DIR]) for ex in load_gold(path)]
    findings = check_consistency(examples)
    for finding in findings:
        typer.echo(str(finding))
    typer.echo(f"{len(findings)} finding(s) in {len(examples)} sentences")
    raise typer.Exit(1 if findings else 0)


@gold_app.command("stats")
def gold_stats_cmd(
    gold: Annotated[list[str] | None, typer.Argument(help="Export files or folders (default: annotation/gold).")] = None,
) -> None:
    """Sentences, entities per label and relations, split by source."""
    from rich.console import Console

    from annotation.gold import GOLD_DIR, gold_stats, load_gold, stats_table

    try:
        examples = [ex for path in (gold or [GOLD_DIR]) for ex in load_gold(path)]
    except (OSError, ValueError) as exc:  # ConversionError (e.g. a JSON-MIN export) is a ValueError
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    if not examples:  # an empty table with exit 0 read as "all fine"
        typer.secho(f"no annotated sentences in {', '.join(map(str, gold or [GOLD_DIR]))}", fg="red", err=True)
        raise typer.Exit(1)
    console = Console()
    console.width = max(console.width, 100)  # nine columns: never squeeze the source names
    console.print(stats_table(gold_stats(examples)))
