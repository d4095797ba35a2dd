"""A local Label Studio server for annotators, kept in its own virtualenv.

Label Studio 1.23.2 pins label-studio-sdk and would downgrade packages of the
project's venv, so it lives in ``state_dir()/label-studio/venv`` and runs as a
detached process. Layout under ``state_dir()/label-studio``::

    venv/               label-studio==LS_VERSION (installed on first use)
    data/               LABEL_STUDIO_BASE_DATA_DIR (sqlite database, uploads; 0700, the server runs
                        with umask 077: the database holds the API token)
    credentials.json    admin user, password and API token (mode 0600; never printed)
    server.log          the server's output (mode 0600)
    server.pid          its process id
    server.json         pid, port and URL of the running server

Never run ``label-studio --version``: it starts a server on 0.0.0.0:8080.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from minzheng.settings import state_dir as default_state_dir

LS_VERSION = "1.23.2"
DEFAULT_PORT = 8089
DEFAULT_HOST = "127.0.0.1"
#: Environment variables that preset the admin user (read by `load_credentials`).
ENV_USERNAME = "MINZHENG_LS_USERNAME"
ENV_PASSWORD = "MINZHENG_LS_PASSWORD"
ENV_TOKEN = "MINZHENG_LS_TOKEN"
#: Bare variables Label Studio's settings reader would pick up as its own.
_LEAKY_ENV = ("USERNAME", "PASSWORD", "PORT", "HOST")
_STAMP = ".minzheng-label-studio"

Log = Callable[[str], None]


class ServerError(RuntimeError):
    """The Label Studio server could not be installed, started or reached."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    token: str


def ls_root(state: Path | None = None) -> Path:
    """``state_dir()/label-studio``: the server's venv, data, log and credentials."""
    return Path(state if state is not None else default_state_dir()) / "label-studio"


def load_credentials(run_dir: Path, log: Log | None = None) -> Credentials:
    """The admin user: from MINZHENG_LS_* variables, else ``credentials.json``, else generated once.

    Generated credentials are saved with mode 0600 and printed once through ``log``.
    """
    env = {k: os.environ.get(k) for k in (ENV_USERNAME, ENV_PASSWORD, ENV_TOKEN)}
    path = run_dir / "credentials.json"
    saved: dict[str, str] = {}
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
    if all(env.values()):
        return Credentials(env[ENV_USERNAME], env[ENV_PASSWORD], env[ENV_TOKEN])  # type: ignore[arg-type]
    if saved and not any(env.values()):
        return Credentials(saved["username"], saved["password"], saved["token"])
    creds = Credentials(
        username=env[ENV_USERNAME] or saved.get("username") or "admin@minzheng.local",
        password=env[ENV_PASSWORD] or saved.get("password") or secrets.token_urlsafe(12),
        token=env[ENV_TOKEN] or saved.get("token") or secrets.token_hex(20),  # 40 chars, as LS makes them
    )
    if not saved:
        private_dir(run_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(creds), fh, indent=2)
        os.chmod(path, 0o600)
        if log:  # never the secrets themselves: logs and terminals are read by others, and kept
            log(
                f"Generated Label Studio credentials for {creds.username}: the password and API token "
                f"are in {path} (mode 0600)."
            )
    return creds


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it 0700: it holds the database with the API token."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def restrict_secrets(run_dir: Path, data_dir: Path) -> None:
    """chmod 0600 the files that hold secrets (credentials, the sqlite database with the token, the log).

    Label Studio creates its database with the process umask (0644 by default); the server now runs
    with umask 077, and files left by earlier versions are tightened here."""
    for directory in (run_dir, data_dir):
        if directory.is_dir():
            os.chmod(directory, 0o700)
    candidates = [run_dir / "credentials.json", run_dir / "server.log", *data_dir.glob("*.sqlite3*")]
    for path in candidates:
        if path.is_file():
            os.chmod(path, 0o600)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child not yet reaped) is not running.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _is_label_studio(pid: int) -> bool:
    """Guard against a recycled pid: the process must be a label-studio server (Linux /proc)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid file
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class LabelStudioServer:
    """One Label Studio server process, installed and started on demand.

    ``state_dir`` holds the shared install (``label-studio/venv``); ``run_dir`` (default
    ``state_dir/label-studio``) holds this server's log, pid file and credentials, and
    ``data_dir`` (default ``run_dir/data``) its database. Tests point run_dir and data_dir
    at a temporary folder and reuse the installed venv.

    As a context manager it starts the server (unless one is already running there)
    and stops it on exit if it started it.
    """

    def __init__(
        self,
        state_dir: Path | str | None = None,
        port: int = DEFAULT_PORT,
        *,
        host: str = DEFAULT_HOST,
        run_dir: Path | str | None = None,
        data_dir: Path | str | None = None,
        venv_dir: Path | str | None = None,
        credentials: Credentials | None = None,
        start_timeout: float = 240.0,
        log: Log | None = None,
    ) -> None:
        self.root = ls_root(Path(state_dir) if state_dir is not None else None)
        self.run_dir = Path(run_dir) if run_dir is not None else self.root
        self.data_dir = Path(data_dir) if data_dir is not None else self.run_dir / "data"
        self.venv_dir = Path(venv_dir) if venv_dir is not None else self.root / "venv"
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self.log: Log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self._credentials = credentials
        self._started_here = False
        self._proc: subprocess.Popen | None = None
        self.timings: dict[str, float] = {}
        info = self._read_info()
        if info and port == DEFAULT_PORT and info.get("port") and self.is_running():
            self.port = int(info["port"])  # a running server decides the port for status/stop/url

    # -- paths and identity -------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.run_dir / "server.log"

    @property
    def pid_path(self) -> Path:
        return self.run_dir / "server.pid"

    @property
    def info_path(self) -> Path:
        return self.run_dir / "server.json"

    @property
    def label_studio_bin(self) -> Path:
        return self.venv_dir / "bin" / "label-studio"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def credentials(self) -> Credentials:
        if self._credentials is None:
            self._credentials = load_credentials(self.run_dir, self.log)
        return self._credentials

    @property
    def token(self) -> str:
        return self.credentials.token

    def client(self):  # -> label_studio_sdk.LabelStudio
        from label_studio_sdk import LabelStudio

        return LabelStudio(base_url=self.url, api_key=self.token)

    # -- install ------------------------------------------------------------
    def is_installed(self) -> bool:
        stamp = self.venv_dir / _STAMP
        return (
            self.label_studio_bin.exists()
            and stamp.exists()
            and stamp.read_text(encoding="utf-8").strip() == LS_VERSION
        )

    def install(self) -> None:
        """Create the server's own venv and pip-install label-studio (≈80 s, ≈1 GB) if absent."""
        if self.is_installed():
            return
        self.venv_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.venv_dir.parent / ".install.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (CLI and tests)
            if self.is_installed():
                return
            self._install_locked()

    def _install_locked(self) -> None:
        t0 = time.monotonic()
        install_log = self.venv_dir.parent / "install.log"
        self.log(
            f"Installing label-studio=={LS_VERSION} into its own venv {self.venv_dir} "
            "(first use only; about 80 s and 1 GB)…"
        )
        if self.venv_dir.exists():
            shutil.rmtree(self.venv_dir)
        python = getattr(sys, "_base_executable", None) or sys.executable
        steps = [
            [python, "-m", "venv", str(self.venv_dir)],
            [str(self.venv_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"],
            [
                str(self.venv_dir / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--progress-bar",
                "off",
                f"label-studio=={LS_VERSION}",
            ],
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        with open(install_log, "w", encoding="utf-8") as out:
            for cmd in steps:
                out.write(f"$ {' '.join(cmd)}\n")
                out.flush()
                proc = subprocess.Popen(
                    cmd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    text=True,
                )
                assert proc.stdout is not None
                for line in proc.stdout:
                    out.write(line)
                    if line.startswith(
                        ("Collecting label-studio", "Installing collected", "Successfully installed")
                    ):
                        msg = line.strip()
                        self.log("  " + (msg if len(msg) < 160 else msg[:157] + "…"))
                if proc.wait() != 0:
                    out.flush()
                    raise ServerError(
                        f"Installing Label Studio failed ({' '.join(cmd[-2:])} exited {proc.returncode}).\n"
                        f"Last lines of {install_log}:\n{tail(install_log)}"
                    )
        (self.venv_dir / _STAMP).write_text(LS_VERSION + "\n", encoding="utf-8")
        self.timings["install_s"] = time.monotonic() - t0
        self.log(f"Installed label-studio {LS_VERSION} in {self.timings['install_s']:.0f} s.")

    # -- process ------------------------------------------------------------
    def _read_info(self) -> dict[str, Any]:
        try:
            return json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        """Whether the process in our pid file is alive (it may still be starting)."""
        pid = self.pid()
        return pid is not None and _pid_alive(pid) and _is_label_studio(pid)

    def _get(self, path: str, timeout: float = 3.0, auth: bool = True) -> Any:
        req = urllib.request.Request(self.url + path)
        if auth:
            req.add_header("Authorization", f"Token {self.token}")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def version(self) -> str | None:
        """The server's release from GET /api/version, or None if it does not answer."""
        try:
            data = self._get("/api/version")
        except (OSError, ValueError):
            return None
        return str(data.get("release") or data.get("label-studio-os-package", {}).get("version") or "?")

    def is_ready(self) -> bool:
        return self.version() is not None

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
        for key in list(env):
            if key.startswith(("LABEL_STUDIO_", "DJANGO_")) or key in ("VIRTUAL_ENV", "PYTHONPATH"):
                del env[key]
        creds = self.credentials
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            LABEL_STUDIO_USERNAME=creds.username,
            LABEL_STUDIO_PASSWORD=creds.password,
            LABEL_STUDIO_USER_TOKEN=creds.token,
            LATEST_VERSION_CHECK="false",
            COLLECT_ANALYTICS="false",
            PYTHONUNBUFFERED="1",
            PATH=f"{self.venv_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        return env

    def start(self) -> LabelStudioServer:
        """Install if needed, start the server detached and wait until /api/version answers."""
        if self.is_running():
            running_port = self._read_info().get("port")
            if running_port and int(running_port) != self.port:
                raise ServerError(
                    f"Label Studio already runs from {self.run_dir} on port {running_port} "
                    f"(pid {self.pid()}); stop it first to use port {self.port}."
                )
            self._wait_ready(self.pid())  # type: ignore[arg-type]
            return self
        if _port_in_use(self.host, self.port):
            raise ServerError(
                f"Port {self.port} on {self.host} is already in use by another program; "
                "choose another with --port."
            )
        self.install()
        private_dir(self.run_dir)
        private_dir(self.data_dir)
        env = self._environment()  # generates credentials before the process starts
        cmd = [
            str(self.label_studio_bin),
            "start",
            "--no-browser",
            "--internal-host",
            self.host,
            "--port",
            str(self.port),
            "--enable-legacy-api-token",
        ]
        first = not (self.data_dir / "label_studio.sqlite3").exists()
        self.log(
            f"Starting Label Studio {LS_VERSION} on {self.url}"
            + (" (first start: database migrations, ~30 s)…" if first else "…")
        )
        t0 = time.monotonic()
        restrict_secrets(self.run_dir, self.data_dir)
        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(log_fd, "ab") as logf:
            logf.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} $ {' '.join(cmd)}\n".encode())
            logf.flush()
            proc = subprocess.Popen(
                cmd,
                stdout=logf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.run_dir,
                env=env,
                start_new_session=True,
                umask=0o077,  # the database (it stores the API token) and uploads: owner only
            )
        self._proc = proc
        self.pid_path.write_text(f"{proc.pid}\n")
        self.info_path.write_text(
            json.dumps(
                {
                    "pid": proc.pid,
                    "host": self.host,
                    "port": self.port,
                    "url": self.url,
                    "data_dir": str(self.data_dir),
                },
                indent=2,
            )
        )
        self._started_here = True
        try:
            self._wait_ready(proc.pid)
        except ServerError:
            self.stop(quiet=True)
            raise
        restrict_secrets(self.run_dir, self.data_dir)  # a database created during this start
        key = "first_start_s" if first else "restart_s"
        self.timings[key] = time.monotonic() - t0
        self._check_token()
        self.log(f"Label Studio is up at {self.url} ({self.timings[key]:.0f} s).")
        return self

    def _wait_ready(self, pid: int) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.is_ready():
                return
            if not _pid_alive(pid):
                raise ServerError(
                    f"Label Studio exited while starting. Last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            time.sleep(0.5)
        raise ServerError(
            f"Label Studio did not answer {self.url}/api/version within {self.start_timeout:.0f} s. "
            f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
        )

    def _check_token(self) -> None:
        try:
            self._get("/api/current-user/whoami")
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise ServerError(
                    f"Label Studio is running at {self.url} but rejects the API token "
                    f"({exc.code}). The data dir {self.data_dir} was probably created with other "
                    f"credentials: set {ENV_TOKEN}/{ENV_USERNAME}/{ENV_PASSWORD} to the original ones "
                    f"or start with a fresh data dir."
                ) from exc
            raise

    def stop(self, timeout: float = 20.0, quiet: bool = False) -> bool:
        """Terminate the server (its whole process group). Returns whether one was running."""
        pid = self.pid()
        ours = self._proc is not None and self._proc.pid == pid  # started by this object
        running = pid is not None and _pid_alive(pid) and (ours or _is_label_studio(pid))
        if running:
            assert pid is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)  # start_new_session: its group id is its pid
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _pid_alive(pid):
                self._reap()
                time.sleep(0.2)
            if _pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                time.sleep(0.5)
            self._reap()
            if not quiet:
                self.log(f"Stopped Label Studio (pid {pid}).")
        elif not quiet:
            self.log("Label Studio is not running.")
        for path in (self.pid_path, self.info_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._started_here = False
        return running

    def _reap(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.poll()

    def status(self) -> dict[str, Any]:
        running = self.is_running()
        version = self.version() if running else None
        return {
            "running": running,
            "ready": version is not None,
            "pid": self.pid() if running else None,
            "url": self.url if running else None,
            "version": version,
            "installed": self.is_installed(),
            "data_dir": str(self.data_dir),
            "log": str(self.log_path),
        }

    # -- context manager ----------------------------------------------------
    def __enter__(self) -> LabelStudioServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._started_here:
            self.stop(quiet=True)
