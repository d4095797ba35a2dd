"""`minzheng extract --engine ray`: the same extraction on Ray actors, on a local runtime or a cluster.

The files are cut into the same chunks as the local engine (inference/batch.py: file_chunks); `workers`
actors each load the model once and are handed whole chunks, the next one as soon as they are free
(ray.util.ActorPool). The records come back to the driver in chunk order and are written by the local
engine's writers, so the output files are identical to `--engine local`'s.

A chunk is many documents and their sentences are batched together, so an actor call does seconds of
work and Ray's per-call cost is noise; actors run torch on one thread each (num_cpus=1), which on a
small machine uses its cores better than one process running two threads.

On a cluster every node needs the model folder and the input files at the same paths (or a shared
filesystem); the output is written on the driver. inference/README.md: "Scaling out with Ray".
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from inference.batch import RunSummary, RunWriter, collect_inputs, document_counts, extract_chunk, file_chunks


class ChunkExtractor:
    """A Ray actor (wrapped with ray.remote when the engine starts): one model; a chunk of paths in,
    its records and failed files out (as JSON text: one object to send back instead of thousands)."""

    def __init__(self, model_dir: str, linker: str | None, batch_size: int, cwd: str, extractor_kwargs: dict):
        from inference.extractor import Extractor

        if os.path.isdir(cwd):  # relative input paths (and the reasons given for failed files) as on the driver
            os.chdir(cwd)
        self.extractor = Extractor.from_pretrained(model_dir, linker=linker, **extractor_kwargs)
        self.batch_size = batch_size

    def extract(self, paths: list[str]) -> str:
        docs, failed = extract_chunk(self.extractor, [Path(p) for p in paths], self.batch_size)
        return json.dumps({"docs": [[doc.to_json(), document_counts(doc)] for doc in docs], "failed": failed},
                          ensure_ascii=False)


def _start_ray(address: str | None, workers: int | None) -> bool:
    """Connect to `address`, or start a local runtime; False when Ray is already up (then left as it is)."""
    try:
        import ray
    except ImportError:
        raise ImportError("--engine ray needs Ray: pip install minzheng[ray]") from None
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING)
    return True


def extract_paths_ray(model_dir: str | Path, inputs: Sequence[Path], out: Path, batch_size: int = 32,
                      address: str | None = None, workers: int | None = None, linker: str | None = None,
                      on_record: Callable[[dict], None] | None = None, progress=None,
                      **extractor_kwargs) -> RunSummary:
    """As inference.batch.extract_paths, with `workers` model replicas (actors, one CPU each) on Ray.

    address: a running cluster ("HEAD:6379", or "auto"); None starts a local runtime for this run.
    on_record gets each document's record (`Document.to_json()`) in file order."""
    from training.folder import check_model_folder

    model_dir = Path(model_dir).resolve()
    check_model_folder(model_dir)  # on the driver: a bad folder fails here, not once per actor
    files, duplicates = collect_inputs(inputs)
    chunks = file_chunks(files)
    started_here = _start_ray(address, workers)
    import ray
    from ray.util import ActorPool

    try:
        with RunWriter(out, files, progress) as run:
            run.summary.duplicates = duplicates
            if not chunks:
                return run.summary
            actor = ray.remote(num_cpus=1)(ChunkExtractor)
            pool = ActorPool([
                actor.remote(str(model_dir), linker, batch_size, os.getcwd(), extractor_kwargs)
                for _ in range(max(1, min(workers or 1, len(chunks))))])
            # map() hands each free actor the next chunk and yields the results in chunk order
            for result in pool.map(lambda a, chunk: a.extract.remote([str(p) for p in chunk]), chunks):
                result = json.loads(result)
                run.fail([tuple(f) for f in result["failed"]])
                for record, counts in result["docs"]:
                    run.add(record, counts)
                    if on_record is not None:
                        on_record(record)
        return run.summary
    finally:
        if started_here:
            ray.shutdown()  # a local runtime stops; a cluster only loses this driver
