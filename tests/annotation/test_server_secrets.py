"""Label Studio secrets: never printed, kept owner-only (credentials, the database holding the token, the log)."""

import os
import stat
from pathlib import Path

from annotation.server import load_credentials, restrict_secrets


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generated_credentials_are_not_printed(tmp_path, monkeypatch):
    for key in ("MINZHENG_LS_USERNAME", "MINZHENG_LS_PASSWORD", "MINZHENG_LS_TOKEN"):
        monkeypatch.delenv(key, raising=False)  # the test is about generated credentials
    run_dir = tmp_path / "label-studio"
    messages: list[str] = []
    creds = load_credentials(run_dir, messages.append)
    printed = "\n".join(messages)
    assert str(run_dir / "credentials.json") in printed and creds.username in printed
    assert creds.password not in printed and creds.token not in printed
    assert creds.token[:8] not in printed  # not even in part
    assert mode(run_dir / "credentials.json") == 0o600 and mode(run_dir) == 0o700


def test_files_left_world_readable_are_tightened(tmp_path):
    run_dir, data_dir = tmp_path / "run", tmp_path / "run" / "data"
    data_dir.mkdir(parents=True)
    os.chmod(run_dir, 0o755)
    os.chmod(data_dir, 0o755)
    secret_files = [run_dir / "credentials.json", run_dir / "server.log", data_dir / "label_studio.sqlite3",
                    data_dir / "label_studio.sqlite3-wal"]
    for path in secret_files:
        path.write_text("secret")
        os.chmod(path, 0o644)
    restrict_secrets(run_dir, data_dir)
    assert mode(run_dir) == 0o700 and mode(data_dir) == 0o700
    assert all(mode(p) == 0o600 for p in secret_files)


def test_running_server_keeps_its_database_and_log_private(ls_server):
    assert mode(ls_server.data_dir) == 0o700 and mode(ls_server.run_dir) == 0o700
    assert mode(ls_server.data_dir / "label_studio.sqlite3") == 0o600
    assert mode(ls_server.log_path) == 0o600
    assert ls_server.token not in ls_server.log_path.read_text(encoding="utf-8", errors="replace")
