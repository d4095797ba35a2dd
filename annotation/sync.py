"""Push corpus sentences to Label Studio as tasks and pull annotations back (SDK 2.x).

* `push` creates (or finds, by title) the project, keeps its labeling config in step
  with annotation.labeling, and imports sentences idempotently: a task is keyed by
  ``data.sentence_id`` and a sentence already in the project is skipped. With
  ``predictions`` (the rules or a trained model) the new tasks AND the project's
  unannotated tasks get that model version's pre-annotation (added, or replaced when it
  changed); annotated tasks are never touched. With ``select`` only N new sentences are
  pushed: the model's most uncertain ones — ranked together with the unannotated tasks
  already there, whose scores are stored for the Data Manager — or a random draw.
* `pull` writes the FULL JSON export (a snapshot export with predictions in full; never
  JSON_MIN or CSV, which drop relations) to the staging folder and validates every
  annotated task by converting it with annotation.convert and checking it with
  annotation.validate. Gold is changed only by `minzheng annotate gold merge`
  (annotation.merge).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from annotation import active
from annotation.schema import SCHEMA_VERSION, Example

DEFAULT_PROJECT = "minzheng"
#: Where `pull` writes by default: staging, never the gold folder (annotation.merge moves data on).
STAGING_DIR = Path(__file__).with_name("staging")
SENTENCE_ID = "sentence_id"
IMPORT_BATCH = 500
MAX_TITLE = 50
MODEL_PREDICTIONS_MISSING = ("model predictions need a model loader: run through the `minzheng` command, or call "
                             "annotation.sync.register_model_loader(inference.load_predictor) first")
SELECTIONS = ("uncertain", "random")
#: Task data key of the active-learning score (a Data Manager column).
UNCERTAINTY = "uncertainty"
#: Concurrent PATCH requests (task data, changed predictions).
PATCH_WORKERS = 4

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
    existing_added: int = 0  # predictions added to unannotated tasks already in the project
    existing_replaced: int = 0  # … and replaced there (same model version, other result)
    annotated_left: int = 0  # tasks already annotated (or skipped): never touched
    scored: int = 0  # unannotated tasks whose stored uncertainty was written
    model_version_set: bool = False  # the project now shows this model version's predictions


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


# -- predictions ---------------------------------------------------------------

Predictor = Callable[[str], Example]


def model_version_of(model_dir: Path) -> str:
    """``<folder name>-<8 hex of the weights' SHA-1>``: a retrained or promoted model is a new version.

    The folder name alone ("default") would make every model promoted to models/default the same
    version, and pushing its predictions would replace the previous model's instead of adding beside them.
    """
    weights = next((model_dir / n for n in ("model.safetensors", "pytorch_model.bin") if (model_dir / n).is_file()),
                   None)
    if weights is None:
        return model_dir.name
    digest = hashlib.sha1()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"{model_dir.name}-{digest.hexdigest()[:8]}"


#: How a model folder becomes a predictor. The front door (minzheng/cli.py) registers the inference
#: stage's loader here, so this stage never imports a later one.
_MODEL_LOADER: Callable[[Path], Predictor] | None = None


def register_model_loader(loader: Callable[[Path], Predictor] | None) -> None:
    """Set the function that loads `--predictions MODEL_DIR` (None: model predictions unavailable)."""
    global _MODEL_LOADER
    _MODEL_LOADER = loader


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
    if not model_dir.exists():
        raise SyncError(f"No model at {model_dir} (--predictions takes 'rules' or a model folder).")
    loader = _MODEL_LOADER
    if loader is None:
        raise SyncError(MODEL_PREDICTIONS_MISSING)
    predictor = loader(model_dir)
    version = model_version_of(model_dir)
    predictor.model_version = version
    return predictor, version


def predict_examples(predictor: Predictor, examples: list[Example]) -> list[Example]:
    """The predictor's Example for each sentence: batched through ``predict`` when it has one (a model)."""
    if not examples:
        return []
    if hasattr(predictor, "predict"):
        predicted = predictor.predict([e.text for e in examples], ids=[e.id for e in examples])
    else:
        predicted = [predictor(e.text) for e in examples]
    for example, pred in zip(examples, predicted, strict=True):
        if pred.text != example.text:
            raise SyncError(f"the predictor changed the text of sentence {example.id!r}")
    return predicted


def prediction_payload(predicted: Example, model_version: str | None) -> dict[str, Any]:
    """A Label Studio prediction (result, model_version, score) of one predicted sentence."""
    from annotation.convert import example_to_results

    prediction: dict[str, Any] = {"result": example_to_results(predicted), "model_version": model_version}
    score = prediction_score(predicted)
    if score is not None:
        prediction["score"] = score
    return prediction


def prediction_for(predictor: Predictor, example: Example, model_version: str | None) -> dict[str, Any]:
    """A Label Studio prediction (result, model_version, score) for one sentence."""
    return prediction_payload(predict_examples(predictor, [example])[0], model_version)


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


def rank_uncertain(rows: list[dict[str, Any]], predictor, strategy: str = "entropy",
                   n: int | None = None) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """(the n most uncertain rows, most uncertain first; every row's score by id).

    The scores come from annotation.active.uncertainty; the choice follows
    annotation.active.select_uncertain: each exact text once, at most the smallest cap per
    document that can still fill n."""
    if not hasattr(predictor, "encode"):
        raise SyncError("--select uncertain needs a model whose tag probabilities can be read (FigureModel)")
    pool = active.unique_texts(rows)
    scores = active.uncertainty(predictor, [r["text"] for r in pool], strategy)
    by_id = {str(r["id"]): round(s, 6) for r, s in zip(pool, scores, strict=True)}
    n = len(pool) if n is None else n
    chosen = [{**pool[i], UNCERTAINTY: by_id[str(pool[i]["id"])]} for i in active.take_capped(pool, scores, n)]
    return chosen, by_id


def select_rows(rows: list[dict[str, Any]], select: str, n: int, predictor, strategy: str = "entropy",
                seed: int = 0) -> list[dict[str, Any]]:
    """N of `rows` by the model's uncertainty or at random (annotation.active)."""
    if select == "random":
        return active.select_random(rows, n, seed)
    return rank_uncertain(rows, predictor, strategy, n)[0]


# -- tasks already in the project ---------------------------------------------------


@dataclass
class ProjectTask:
    """A task of the project as push sees it."""

    id: int
    sentence_id: str
    data: dict[str, Any]
    annotated: bool  # an annotation was submitted or the task was skipped: push leaves it alone

    def row(self, text_field: str = "text") -> dict[str, Any]:
        """The sentence row (id, text, doc…) the task was made from."""
        meta = {k: v for k, v in self.data.items() if k not in (text_field, SENTENCE_ID, UNCERTAINTY)}
        return {**meta, "id": self.sentence_id, "text": self.data.get(text_field, "")}


def project_tasks(client, project_id: int) -> dict[str, ProjectTask]:
    """sentence_id → ProjectTask for the tasks already in the project (the first task of a sentence id)."""
    out: dict[str, ProjectTask] = {}
    for task in client.tasks.list(project=project_id, fields="task_only", page_size=500):
        data = dict(task.data or {})
        sid = data.get(SENTENCE_ID)
        if sid is None or str(sid) in out:
            continue
        annotated = bool(getattr(task, "total_annotations", 0) or getattr(task, "cancelled_annotations", 0))
        out[str(sid)] = ProjectTask(task.id, str(sid), data, annotated)
    return out


def existing_tasks(client, project_id: int) -> dict[str, int]:
    """sentence_id → task id for the tasks already in the project."""
    return {sid: task.id for sid, task in project_tasks(client, project_id).items()}


def _parallel(calls: list[Callable[[], Any]], workers: int = PATCH_WORKERS) -> None:
    """Run API calls a few at a time (one PATCH takes ~0.1–0.3 s on the bundled server)."""
    if not calls:
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def set_task_predictions(client, project_id: int, tasks: list[ProjectTask], predicted: list[Example],
                         model_version: str) -> tuple[int, int, int]:
    """Give each (unannotated) task the prediction of ``model_version``: added where it has none of that
    version, replaced where it has one that differs. Returns (added, replaced, unchanged).

    New predictions go in one bulk import per batch; a changed one is updated in place (its id kept)."""
    have: dict[int, Any] = {}
    for pred in client.predictions.list(project=project_id):
        if pred.model_version == model_version:
            have[int(pred.task)] = pred
    to_import: list[dict[str, Any]] = []
    updates: list[Callable[[], Any]] = []
    unchanged = 0
    for task, example in zip(tasks, predicted, strict=True):
        payload = prediction_payload(example, model_version)
        old = have.get(task.id)
        if old is None:
            to_import.append({"task": task.id, **payload})
        elif (json.dumps(old.result, sort_keys=True) == json.dumps(payload["result"], sort_keys=True)
              and old.score == payload.get("score")):
            unchanged += 1
        else:
            updates.append(partial(client.predictions.update, id=old.id, result=payload["result"],
                                   score=payload.get("score"), model_version=model_version))
    for begin in range(0, len(to_import), IMPORT_BATCH):
        client.projects.import_predictions(id=project_id, request=to_import[begin : begin + IMPORT_BATCH])
    _parallel(updates)
    return len(to_import), len(updates), unchanged


def store_uncertainty(client, tasks: list[ProjectTask], scores: dict[str, float]) -> int:
    """Write each task's score into its data as ``uncertainty`` (a Data Manager column one can sort by).

    Only tasks whose stored score differs are written; returns how many were."""
    calls = []
    for task in tasks:
        score = scores.get(task.sentence_id)
        if score is None or task.data.get(UNCERTAINTY) == score:
            continue
        data = {**task.data, UNCERTAINTY: score}
        calls.append(partial(client.tasks.update, id=str(task.id), data=data))
    _parallel(calls)
    return len(calls)


# -- push / pull -------------------------------------------------------------


def push(
    client,
    sentences_path: Path | str | None,
    project_title: str = DEFAULT_PROJECT,
    predictions: str | None = None,
    text_field: str = "text",
    log: Log = _log_default,
    select: str | None = None,
    n: int | None = None,
    strategy: str = "entropy",
    seed: int = 0,
) -> PushResult:
    """Import new sentences as tasks and keep the pre-annotations of the unannotated tasks current.

    * Sentences already in the project (by sentence id) are skipped; ``sentences_path`` may be None
      to work on the tasks already there.
    * ``predictions`` ("rules" or a MODEL_DIR) pre-annotates the new tasks AND the project's
      unannotated tasks: a prediction of this model version is added where the task has none, and
      replaced where it differs; annotated (or skipped) tasks are left alone. The project then
      shows this version's predictions in the labeling view.
    * ``select`` ("uncertain" or "random") with ``n``: push only n new sentences. "uncertain" ranks
      the new sentences together with the unannotated tasks already in the project by the model's
      uncertainty (``strategy`` entropy or margin; the model is the --predictions MODEL_DIR), stores
      each score in the task data as ``uncertainty`` (a Data Manager column: sort by it), and pushes
      the new sentences among the n most uncertain. "random" draws n new sentences (``seed``).
    """
    from annotation.labeling import labeling_config

    check_selection(select, n, predictions, strategy)
    if not 3 <= len(project_title) <= MAX_TITLE:
        raise SyncError(
            f"project title {project_title!r} must be 3 to {MAX_TITLE} characters (a Label Studio limit)"
        )
    predictor, model_version = load_predictor(predictions)  # fail early, before touching the server
    rows = read_sentences(sentences_path) if sentences_path is not None else []
    project, created_project, updated = ensure_project(
        client, project_title, labeling_config(text_field=text_field), log
    )
    tasks = project_tasks(client, project.id)
    open_tasks = [t for t in tasks.values() if not t.annotated]
    new = [row for row in rows if str(row["id"]) not in tasks]
    skipped = len(rows) - len(new)
    result = PushResult(project_id=project.id, created=0, skipped=skipped, config_updated=updated,
                        project_created=created_project, annotated_left=len(tasks) - len(open_tasks))

    if select is not None and n is not None:
        t_sel = time.monotonic()
        if select == "uncertain":
            candidates = new + [t.row(text_field) for t in open_tasks]
            chosen, scores = rank_uncertain(candidates, predictor, strategy, n)
            new_ids = {str(row["id"]) for row in new}
            chosen_new = [row for row in chosen if str(row["id"]) in new_ids]
            result.scored = store_uncertainty(client, open_tasks, scores)
            log(f"Ranked {len(candidates)} sentences by uncertainty ({strategy}): {len(new)} new, "
                f"{len(open_tasks)} unannotated in the project; the {len(chosen)} most uncertain include "
                f"{len(chosen_new)} new ones (pushed) — {result.scored} task scores updated in "
                f"{time.monotonic() - t_sel:.1f} s. Data Manager: sort by 'uncertainty'.")
        else:
            chosen_new = select_rows(new, select, n, predictor, strategy, seed)
            log(f"Selected {len(chosen_new)} of {len(new)} new sentences (random, seed {seed}).")
        result.not_selected = len(new) - len(chosen_new)
        new = chosen_new

    t0 = time.monotonic()
    if predictor is not None and open_tasks:
        predicted = predict_examples(predictor, [sentence_example(t.row(text_field)) for t in open_tasks])
        added, replaced, unchanged = set_task_predictions(client, project.id, open_tasks, predicted, model_version)
        result.existing_added, result.existing_replaced = added, replaced
        log(f"Predictions {model_version} on the {len(open_tasks)} unannotated tasks already in the project: "
            f"{added} added, {replaced} replaced, {unchanged} unchanged "
            f"({result.annotated_left} annotated or skipped tasks left alone) in {time.monotonic() - t0:.1f} s.")

    t0 = time.monotonic()
    examples = [sentence_example(row) for row in new]
    predicted_new = predict_examples(predictor, examples) if predictor is not None else []
    for begin in range(0, len(examples), IMPORT_BATCH):
        payload = []
        for k in range(begin, min(begin + IMPORT_BATCH, len(examples))):
            task: dict[str, Any] = {"data": task_data(examples[k], text_field)}
            if predictor is not None:
                task["predictions"] = [prediction_payload(predicted_new[k], model_version)]
            payload.append(task)
        # Predictions travel inside the import: one request per batch. (predictions.create per
        # task costs ~110 ms each on the bundled server: 35 s for 323 sentences.)
        client.projects.import_tasks(id=project.id, request=payload, return_task_ids=True)
    result.created = len(examples)
    result.predictions = len(predicted_new)
    if predictor is not None and (result.created or open_tasks):
        # The labeling view shows the predictions of the project's model_version only (the first
        # import sets it): point it at this one, or the new predictions stay invisible.
        if getattr(project, "model_version", None) != model_version:
            client.projects.update(id=project.id, model_version=model_version)
            result.model_version_set = True
    log(
        f"Project {project_title!r} (id {project.id}): {result.created} tasks created"
        + (f" with {result.predictions} pre-annotations ({model_version})" if predictor is not None else "")
        + f", {skipped} skipped (already there)"
        + (f", {result.not_selected} not selected" if select is not None else "")
        + f" in {time.monotonic() - t0:.1f} s."
    )
    return result


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


def staging_path(project_title: str) -> Path:
    """The default pull target: annotation/staging/<project>.json (a title made safe for a file name)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in project_title).strip(".-") or "project"
    return STAGING_DIR / f"{safe}.json"


def check_not_gold(out: Path) -> None:
    """Pulled annotations never land in the gold folder directly: `gold merge` maps them onto the
    original sentence text and de-duplicates them by sentence id first."""
    from annotation.gold import GOLD_DIR

    if out.resolve().parent in (GOLD_DIR.resolve(), (GOLD_DIR / "src").resolve()):
        raise SyncError(
            f"{out}: pull writes to a staging file (default {STAGING_DIR}/), not into the gold folder "
            f"{GOLD_DIR}/ — training and `gold stats` read every export there. Pull to staging, then "
            "`minzheng annotate gold merge STAGING.json` adds the annotations to the gold sources."
        )


def pull(
    client,
    project: int | str | Any,
    out_path: Path | str | None = None,
    text_field: str = "text",
    log: Log = _log_default,
) -> PullResult:
    """Write the full JSON export of ``project`` to ``out_path`` (default: the staging folder) and validate it."""
    proj = resolve_project(client, project)
    out = Path(out_path) if out_path is not None else staging_path(proj.title)
    check_not_gold(out)
    tasks = export_full(client, proj.id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    n_tasks, n_annotated, issues = validate_export(tasks, text_field=text_field)
    log(f"Wrote {out}: {n_tasks} tasks, {n_annotated} annotated, {len(issues)} issues.")
    for issue in issues:
        log(f"  {issue}")
    if n_annotated and not issues:
        log(f"Next: `minzheng annotate gold merge {out}` adds them to the gold set.")
    return PullResult(project_id=proj.id, path=out, tasks=n_tasks, annotated=n_annotated, issues=issues)
