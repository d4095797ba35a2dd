"""Output files that are never half-written: a lock beside the file, a partial file, a rename on success.

`extract --out F` used to truncate F first and fill it as it went; a mistyped input, a crash or a
Ctrl-C left F empty or cut short. Now everything goes to `F.partial` and replaces F with one
os.replace (atomic on POSIX) only when the run finished. A run that stops early leaves F as it was
and keeps F.partial for a look at what was done. `F.lock` (holding the writer's pid, created with
O_EXCL) refuses a second writer; the lock of a process that no longer exists is taken over.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

#: an empty lock file younger than this may be a writer between creating it and writing its pid
_EMPTY_LOCK_GRACE_S = 5.0
_held: dict[Path, int] = {}  # locks this process holds → nesting depth (the CLI and the writer both lock)


class OutputBusy(RuntimeError):
    """Another live process is writing the same output."""


def partial_path(path: Path) -> Path:
    """Where a run writes before its output is complete: beside it, so the final rename stays on one filesystem."""
    return path.with_name(path.name + ".partial")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    with contextlib.suppress(OSError):  # a zombie has finished: its lock is stale
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


class OutputLock:
    """`with OutputLock(path):` — `path.lock` holds this process's pid while it writes `path`."""

    def __init__(self, path: Path):
        self.path = Path(path).resolve()
        self.lock = lock_path(self.path)

    def _owner(self) -> int | None:
        """The pid in the lock file; None when it is stale (dead pid, or garbage past the grace period)."""
        try:
            text = self.lock.read_text(encoding="ascii", errors="replace").strip()
            age = time.time() - self.lock.stat().st_mtime
        except FileNotFoundError:
            return None
        if text.isdigit():
            pid = int(text)
            return pid if pid == os.getpid() or _pid_alive(pid) else None
        return -1 if age < _EMPTY_LOCK_GRACE_S else None

    def acquire(self) -> OutputLock:
        if self.path in _held:
            _held[self.path] += 1
            return self
        self.lock.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a stale lock is removed and the O_EXCL create tried again
            try:
                fd = os.open(self.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = self._owner()
                if owner is not None:
                    who = f"process {owner}" if owner > 0 else "another process"
                    raise OutputBusy(f"{self.path} is being written by {who} (lock file {self.lock}); "
                                     "wait for it to finish, or write to another --out") from None
                with contextlib.suppress(FileNotFoundError):
                    self.lock.unlink()  # its writer is gone: take it over
                continue
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(f"{os.getpid()}\n")
            _held[self.path] = 1
            return self
        raise OutputBusy(f"{self.path}: could not take the lock {self.lock} (other writers keep racing for it)")

    def release(self) -> None:
        depth = _held.get(self.path, 0)
        if depth > 1:
            _held[self.path] = depth - 1
            return
        _held.pop(self.path, None)
        if self._owner() == os.getpid():
            with contextlib.suppress(FileNotFoundError):
                self.lock.unlink()

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def commit(partial: Path, path: Path) -> Path:
    """Replace `path` by the finished `partial` in one step (data flushed to disk first)."""
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, path)
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a whole text file through `path.partial` and a rename, under the output lock."""
    path = Path(path)
    with OutputLock(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_path(path)
        partial.write_text(text, encoding="utf-8")
        return commit(partial, path)


def check_output_path(path: Path, suffixes: tuple[str, ...] | None = None, option: str = "--out") -> None:
    """Refuse, before any work, an output that is a folder or has the wrong extension (ValueError)."""
    if path.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a file name"
                         + (f" ending in {', '.join(suffixes)}" if suffixes else ""))
    if suffixes and path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} {path}: the file name must end in {', '.join(suffixes)}")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"{option} {path}: {path.parent} is not a directory")
