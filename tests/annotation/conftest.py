"""A real Label Studio server for the annotation tests (session-scoped).

The server is installed on first use into ``state_dir()/label-studio/venv``
(MINZHENG_STATE_DIR, else the repo's .state/), so a fresh CI machine installs it
(≈80 s) and local re-runs reuse it. Each test session runs its own server on a
free port with a temporary data dir. The first session also keeps a migrated,
empty data dir as a template (``label-studio/test-template-<version>``): copying
it saves the ≈40 s of database migrations on later runs. It never skips: if
Label Studio cannot be installed or started, the tests fail with the log tail.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path

import pytest

from annotation.server import LS_VERSION, Credentials, LabelStudioServer, ServerError, free_port, ls_root
from minzheng.settings import state_dir


def _start(server: LabelStudioServer) -> None:
    try:
        server.start()
    except ServerError as exc:
        server.stop(quiet=True)
        pytest.fail(f"Label Studio could not be installed or started:\n{exc}", pytrace=False)


def _template(tmp_root: Path) -> Path:
    """A data dir that has been migrated and has the test user (built once per state dir)."""
    template = ls_root(state_dir()) / f"test-template-{LS_VERSION}"
    if (template / "credentials.json").exists():
        return template
    build = tmp_root / "template"
    creds = Credentials("tester@minzheng.local", secrets.token_urlsafe(12), secrets.token_hex(20))
    server = LabelStudioServer(
        state_dir(),
        port=free_port(),
        run_dir=build,
        data_dir=build / "data",
        credentials=creds,
        start_timeout=300,
    )
    _start(server)
    server.stop(quiet=True)
    (build / "credentials.json").write_text(json.dumps(asdict(creds)), encoding="utf-8")
    os.chmod(build / "credentials.json", 0o600)
    staging = template.with_name(f"{template.name}.{uuid.uuid4().hex[:8]}")
    shutil.copytree(build, staging, ignore=shutil.ignore_patterns("server.*"))
    try:
        staging.rename(template)  # atomic; another session may have won the race
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return template


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("label-studio")
    template = _template(tmp_path_factory.mktemp("label-studio-template"))
    shutil.copytree(template / "data", run_dir / "data")
    creds = Credentials(**json.loads((template / "credentials.json").read_text(encoding="utf-8")))
    server = LabelStudioServer(
        state_dir(),
        port=free_port(),
        run_dir=run_dir,
        data_dir=run_dir / "data",
        credentials=creds,
        start_timeout=300,
    )
    _start(server)
    try:
        yield server
    finally:
        server.stop(quiet=True)


@pytest.fixture(scope="session")
def ls_client(ls_server):
    return ls_server.client()


@pytest.fixture
def project_title(request) -> str:
    """A project title no other test uses (Label Studio allows 50 characters)."""
    return f"t-{request.node.name[:32]}-{uuid.uuid4().hex[:8]}"
