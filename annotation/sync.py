"""Push corpus sentences to Label Studio as tasks and pull annotations back (SDK 2.x).

* `push` creates (or finds, by title) the project, keeps its labeling config in step
  with annotation.labeling, and imports sentences idempotently: a task is keyed by
  ``data.sentence_id`` and a sentence already in the project is skipped. New tasks
  can get a pre-annotation from the rules or a trained model. With ``select`` only N of
  the new sentences are pushed: the model's most uncertain ones (active learning,
  training.active) or a random draw.
* `pull` writes the FULL JSON export (a snapshot export with predictions in full; never
  JSON_MIN or CSV, which drop relations) and validates every annotated task by
  converting it with annotation.convert and checking it with annotation.validate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.schema import SCHEMA_VERSION, Example

DEFAULT_PROJECT = "minzheng"
SENTENCE_ID = "sentence_id"
IMPORT_BATCH = 500
MAX_TITLE = 50
MODEL_PREDICTIONS_MISSING = "model predictions need the inference stage (inference.load_predictor), which cannot be imported"
SELECTIONS = ("uncertain", "random")

Log = Callable[[str], None]


class SyncError(RuntimeError):
    """Push or pull could not be done (bad input, missing stage, server refused)."""


@dataclass
class PushResult:
    project_id: int
    created: int
    skipped: int
    predictions: int = 0
    config_updated: bool = False
    project_created: bool = False
    not_selected: int = 0  # new sentences left out by --select


@dataclass
class PullResult:
    project_id: int
    path: Path
    tasks: int
    annotated: int
    issues: list[str]

    @property
    def ok(self) -> bool:
        return not self.issues


# -- helpers ---------------------------------------------------------------


def _log_default(msg: str) -> None:
    print(msg, flush=True)


def read_sentences(path: Path | str) -> list[dict[str, Any]]:
    """Rows of a corpus ``sentences.jsonl`` (id, doc, index, text, start, end…)."""
    path = Path(path)
    if not path.exists():
        raise SyncError(f"No sentences file at {path} (build it with `minzheng corpus build`).")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise SyncError(f"{path}:{n}: not JSON ({exc})") from exc
            if "id" not in row or "text" not in row:
                raise SyncError(f"{path}:{n}: a sentence needs 'id' and 'text'")
            sid = str(row["id"])
            if sid in seen:
                raise SyncError(f"{path}:{n}: duplicate sentence id {sid!r}")
            seen.add(sid)
            rows.append(row)
    return rows


def sentence_example(row: dict[str, Any]) -> Example:
    """The (unannotated) Example of a sentence row; everything but id/text goes to meta."""
    meta = {k: v for k, v in row.items() if k not in ("id", "text")}
    return Example(id=str(row["id"]), text=row["text"], meta=meta)


def task_data(example: Example, text_field: str = "text") -> dict[str, Any]:
    """Task data for a sentence: the converter's layout, always carrying ``sentence_id``."""
    from annotation.convert import example_to_task

    data = dict(example_to_task(example, text_field=text_field)["data"])
    data.setdefault(SENTENCE_ID, example.id)
    return data


def find_project(client, title: str):
    """The project with exactly this title (lowest id if several), or None."""
    matches = [p for p in client.projects.list(title=title) if p.title == title]
    if not matches:  # older servers ignore the title filter
        matches = [p for p in client.projects.list() if p.title == title]
    return min(matches, key=lambda p: p.id) if matches else None


def _normalise_config(config: str | None) -> str:
    return "".join((config or "").split())


def ensure_project(client, title: str, label_config: str, log: Log = _log_default) -> tuple[Any, bool, bool]:
    """Find or create the project; update its config if it differs. Returns (project, created, updated)."""
    project = find_project(client, title)
    if project is None:
        project = client.projects.create(
            title=title,
            label_config=label_config,
            description=f"minzheng civil-affairs figures, schema {SCHEMA_VERSION}",
        )
        log(f"Created project {title!r} (id {project.id}).")
        return project, True, False
    full = client.projects.get(id=project.id)
    if _normalise_config(full.label_config) != _normalise_config(label_config):
        client.projects.update(id=project.id, label_config=label_config)
        log(f"Updated the labeling config of project {title!r} (id {project.id}).")
        return full, False, True
    return full, False, False


def resolve_project(client, project: int | str | Any):
    """A project from its id, its title, or a project object."""
    if hasattr(project, "id"):
        return project
    if isinstance(project, int) or (isinstance(project, str) and project.isdigit()):
        return client.projects.get(id=int(project))
    found = find_project(client, str(project))
    if found is None:
        raise SyncError(f"No Label Studio project titled {project!r}.")
    return found


def existing_tasks(client, project_id: int) -> dict[str, int]:
    """sentence_id → task id for the tasks already in the project."""
    out: dict[str, int] = {}
    for task in client.tasks.list(project=project_id, fields="task_only", page_size=500):
        data = task.data or {}
        sid = data.get(SENTENCE_ID)
        if sid is not None:
            out.setdefault(str(sid), task.id)
    return out


# -- predictions -------------------------------------------------------------

Predictor = Callable[[str], Example]


def load_predictor(predictions: str | None) -> tuple[Predictor | None, str | None]:
    """(predictor, model_version) for None, "rules" or a MODEL_DIR."""
    if predictions is None:
        return None, None
    if predictions == "rules":
        from annotation.rules import RuleAnnotator

        annotator = RuleAnnotator()
        version = getattr(annotator, "version", None) or getattr(annotator, "model_version", None)
        return annotator, str(version) if version else f"rules-{SCHEMA_VERSION}"
    model_dir = Path(predictions)
    try:
        import inference  # the inference stage, once it exists
    except ImportError as exc:
        raise SyncError(MODEL_PREDICTIONS_MISSING) from exc
    loader = getattr(inference, "load_predictor", None)
    if loader is None:
        raise SyncError(MODEL_PREDICTIONS_MISSING)
    if not model_dir.exists():
        raise SyncError(f"No model at {model_dir}.")
    predictor = loader(model_dir)
    version = getattr(predictor, "model_version", None) or model_dir.name
    return predictor, str(version)


def prediction_for(predictor: Predictor, example: Example, model_version: str | None) -> dict[str, Any]:
    """A Label Studio prediction (result, model_version, score) for one sentence."""
    from annotation.convert import example_to_results

    predicted = predictor(example.text)
    if predicted.text != example.text:
        raise SyncError(f"the predictor changed the text of sentence {example.id!r}")
    prediction: dict[str, Any] = {"result": example_to_results(predicted), "model_version": model_version}
    score = prediction_score(predicted)
    if score is not None:
        prediction["score"] = score
    return prediction


def prediction_score(example: Example) -> float | None:
    """A task-level score for LS sorting: the weakest span score (None without scores)."""
    scores = [s.score for s in example.spans if s.score is not None]
    return float(min(scores)) if scores else None


# -- selection (active learning) --------------------------------------------------


def check_selection(select: str | None, n: int | None, predictions: str | None, strategy: str) -> None:
    """Fail before touching the server when --select/--n/--strategy do not fit together."""
    if select is None:
        if n is not None:
            raise SyncError("--n needs --select uncertain|random")
        return
    if select not in SELECTIONS:
        raise SyncError(f"--select must be one of {', '.join(SELECTIONS)}, not {select!r}")
    if n is None or n < 1:
        raise SyncError(f"--select {select} needs --n N (a positive number of sentences)")
    if select == "uncertain":
        if predictions in (None, "rules"):
            raise SyncError("--select uncertain needs a trained model: pass --predictions MODEL_DIR")
        if strategy not in ("entropy", "margin"):
            raise SyncError(f"--strategy must be entropy or margin, not {strategy!r}")


def select_rows(rows: list[dict[str, Any]], select: str, n: int, predictor, strategy: str = "entropy",
                seed: int = 0) -> list[dict[str, Any]]:
    """N of `rows` by the model's uncertainty or at random (training.active, imported only here)."""
    try:
        from training.active import select_random, select_uncertain
    except ImportError as exc:
        raise SyncError("--select needs the training stage (training.active), which cannot be imported") from exc
    if select == "random":
        return select_random(rows, n, seed)
    if not hasattr(predictor, "encode"):
        raise SyncError("--select uncertain needs a model whose tag probabilities can be read (FigureModel)")
    return select_uncertain(predictor, rows, n, strategy=strategy)


# -- push / pull -------------------------------------------------------------


def push(
    client,
    sentences_path: Path | str,
    project_title: str = DEFAULT_PROJECT,
    predictions: str | None = None,
    text_field: str = "text",
    log: Log = _log_default,
    select: str | None = None,
    n: int | None = None,
    strategy: str = "entropy",
    seed: int = 0,
) -> PushResult:
    """Import sentences as tasks (skipping sentence ids already there), with optional pre-annotations.

    select ("uncertain" or "random") with n: push only n of the sentences not yet in the
    project, the model's most uncertain (``strategy`` entropy or margin; the model is
    the --predictions MODEL_DIR) or a random draw (``seed``).
    """
    from annotation.labeling import labeling_config

    check_selection(select, n, predictions, strategy)
    if not 3 <= len(project_title) <= MAX_TITLE:
        raise SyncError(
            f"project title {project_title!r} must be 3 to {MAX_TITLE} characters (a Label Studio limit)"
        )
    predictor, model_version = load_predictor(predictions)  # fail early, before touching the server
    rows = read_sentences(sentences_path)
    project, created_project, updated = ensure_project(
        client, project_title, labeling_config(text_field=text_field), log
    )
    have = existing_tasks(client, project.id)
    new = [row for row in rows if str(row["id"]) not in have]
    skipped = len(rows) - len(new)
    not_selected = 0
    if select is not None and n is not None:
        t_sel = time.monotonic()
        chosen = select_rows(new, select, n, predictor, strategy, seed)
        not_selected = len(new) - len(chosen)
        log(f"Selected {len(chosen)} of {len(new)} new sentences ({select}"
            + (f", {strategy}" if select == "uncertain" else f", seed {seed}")
            + f") in {time.monotonic() - t_sel:.1f} s.")
        new = chosen

    n_pred = 0
    t0 = time.monotonic()
    for begin in range(0, len(new), IMPORT_BATCH):
        payload = []
        for row in new[begin : begin + IMPORT_BATCH]:
            example = sentence_example(row)
            task: dict[str, Any] = {"data": task_data(example, text_field)}
            if predictor is not None:
                task["predictions"] = [prediction_for(predictor, example, model_version)]
                n_pred += 1
            payload.append(task)
        # Predictions travel inside the import: one request per batch. (predictions.create per
        # task costs ~110 ms each on the bundled server: 35 s for 323 sentences.)
        client.projects.import_tasks(id=project.id, request=payload, return_task_ids=True)
    log(
        f"Project {project_title!r} (id {project.id}): {len(new)} tasks created"
        + (f" with {n_pred} pre-annotations ({model_version})" if predictor is not None else "")
        + f", {skipped} skipped (already there)"
        + (f", {not_selected} not selected" if select is not None else "")
        + f" in {time.monotonic() - t0:.1f} s."
    )
    return PushResult(
        project_id=project.id,
        created=len(new),
        skipped=skipped,
        predictions=n_pred,
        config_updated=updated,
        project_created=created_project,
        not_selected=not_selected,
    )


def export_full(client, project_id: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    """The FULL JSON export of every task (annotations, full predictions, relations) via a snapshot."""
    snapshot = client.projects.exports.create(
        id=project_id,
        title=f"minzheng pull {time.strftime('%Y-%m-%d %H:%M:%S')}",
        task_filter_options={"only_with_annotations": False},
        serialization_options={
            "predictions": {"only_id": False},
            "drafts": {"only_id": True},
            "annotations__completed_by": {"only_id": True},  # no annotator e-mails in gold files
        },
    )
    deadline = time.monotonic() + timeout
    while snapshot.status not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise SyncError(
                f"export {snapshot.id} of project {project_id} still {snapshot.status} after {timeout:.0f} s"
            )
        time.sleep(0.5)
        snapshot = client.projects.exports.get(id=project_id, export_pk=snapshot.id)
    if snapshot.status == "failed":
        raise SyncError(f"Label Studio failed to export project {project_id} (export {snapshot.id}).")
    raw = b"".join(client.projects.exports.download(id=project_id, export_pk=snapshot.id, export_type="JSON"))
    try:
        client.projects.exports.delete(id=project_id, export_pk=snapshot.id)
    except Exception:  # noqa: BLE001 - tidying up only
        pass
    return json.loads(raw)


def annotated(task: dict[str, Any]) -> bool:
    return any(not a.get("was_cancelled") for a in task.get("annotations") or [])


def validate_export(tasks: Iterable[dict[str, Any]], text_field: str = "text") -> tuple[int, int, list[str]]:
    """(tasks, annotated, issues) of an export.

    annotation.validate.validate_tasks converts each annotated task the way
    annotation.convert.task_to_example does (its newest non-cancelled annotation),
    checks the Example against the schema and the regions' own texts, and reports
    sentence ids used by two tasks.
    """
    from annotation.validate import validate_tasks

    tasks = list(tasks)
    issues = [str(issue) for issue in validate_tasks(tasks, text_field=text_field)]
    return len(tasks), sum(1 for t in tasks if annotated(t)), issues


def pull(
    client,
    project: int | str | Any,
    out_path: Path | str,
    text_field: str = "text",
    log: Log = _log_default,
) -> PullResult:
    """Write the full JSON export of ``project`` to ``out_path`` and validate it."""
    proj = resolve_project(client, project)
    tasks = export_full(client, proj.id)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    n_tasks, n_annotated, issues = validate_export(tasks, text_field=text_field)
    log(f"Wrote {out}: {n_tasks} tasks, {n_annotated} annotated, {len(issues)} issues.")
    for issue in issues:
        log(f"  {issue}")
    return PullResult(project_id=proj.id, path=out, tasks=n_tasks, annotated=n_annotated, issues=issues)
