"""A run's workdir: checked before anything is written, held by one run at a time.

    check_usable(workdir)        # ConfigError unless the run could write there
    with Lock(workdir): ...      # WorkdirLocked while another live run holds it

The lock is `WORKDIR/lock`, a JSON file naming the holder's host, pid and start time,
created atomically (`O_CREAT | O_EXCL`). A lock left by a process that has died on
this host is taken over with a warning; a lock from another host is never taken over
(nothing here can tell whether that process still runs): remove the file by hand.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import time

import numpy as np
from absl import logging

from experiments.errors import ConfigError, WriteError

LOCK_NAME = "lock"


class WorkdirLocked(ConfigError):
    """Another run holds the workdir."""


def check_usable(workdir: str) -> None:
    """Raises ConfigError unless a run could create and write `workdir`: it must be a
    directory or a new path whose nearest existing ancestor is a writable directory on
    a filesystem mounted read-write. Nothing is created."""
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise ConfigError(f"workdir {workdir!r} is a file; expected a directory (or a new path)")
    ancestor = os.path.abspath(workdir)
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise ConfigError(f"workdir {workdir!r} cannot be created: {ancestor!r} is a file, "
                          "not a directory")
    try:
        read_only = bool(os.statvfs(ancestor).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # No statvfs (Windows): os.access below decides.
        read_only = False
    if read_only:
        raise ConfigError(f"workdir {workdir!r} is on a read-only filesystem ({ancestor!r}); "
                          "choose a --workdir on a writable one")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"workdir {workdir!r} is not writable: no write permission in "
                          f"{ancestor!r}")


def _holder(path: str) -> dict | None:
    """The lock file's record, or None if it vanished; {} if it is unreadable."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # Someone else's live process.
        return True
    return True


def describe_holder(holder: dict) -> str:
    return (f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')} "
            f"since {holder.get('started', '?')}")


class Lock:
    """Holds `WORKDIR/lock` while a run writes `workdir` (which must exist)."""

    def __init__(self, workdir: str):
        self.path = os.path.join(workdir, LOCK_NAME)
        self.record = {"host": socket.gethostname(), "pid": os.getpid(),
                       "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
        self.held = False

    def acquire(self) -> None:
        for _ in range(10):  # Each retry follows a stale lock removed, by us or a rival.
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _holder(self.path)
                if holder is None:
                    continue  # Released meanwhile.
                if holder.get("host") == self.record["host"] and isinstance(
                        holder.get("pid"), int) and not _alive(holder["pid"]):
                    logging.warning("workdir %s: taking over the lock of a run that died "
                                    "(%s)", os.path.dirname(self.path), describe_holder(holder))
                    self._remove_if(holder)
                    continue
                raise WorkdirLocked(
                    f"workdir {os.path.dirname(self.path)!r} is in use by another run "
                    f"({describe_holder(holder)}); wait for it, or use another --workdir. "
                    f"If that run is gone, remove {self.path}") from None
            with os.fdopen(fd, "w") as f:
                json.dump(self.record, f)
            self.held = True
            return
        raise WorkdirLocked(f"could not take the lock {self.path}: it keeps changing hands")

    def _remove_if(self, holder: dict) -> None:
        """Removes the lock file if it still holds `holder` (a rival may have taken it)."""
        if _holder(self.path) == holder:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass

    def release(self) -> None:
        if self.held:
            self._remove_if(self.record)
            self.held = False

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def is_disk_full(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, is ENOSPC or EDQUOT (libraries
    such as orbax and TensorStore wrap the OSError or keep only its message)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(error) or "Disk quota exceeded" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


@contextlib.contextmanager
def disk_full_stops(workdir: str):
    """Turns a write that failed for lack of space or quota into one `WriteError` line."""
    try:
        yield
    except OSError as e:
        if not is_disk_full(e):
            raise
        raise WriteError(e.errno, f"could not write in {workdir!r}: {e.strerror or e}; the "
                         "previous checkpoint is intact (free space, then rerun the same "
                         "command to resume)", e.filename) from e


def restore_newest(manager, template, workdir: str):
    """`(state, step)` from the newest checkpoint of `manager` that restores, or
    `(template, None)` when there is none.

    A newer checkpoint that fails to restore (truncated or overwritten files) is
    logged, moved aside to `checkpoints/corrupt-<step>` (never deleted) and skipped.
    If checkpoints exist but none restores, raises ConfigError and moves nothing."""
    import orbax.checkpoint as ocp

    failed = []
    for step in sorted(manager.all_steps(), reverse=True):
        try:
            state = manager.restore(step, args=ocp.args.StandardRestore(template))
        except Exception as e:  # noqa: BLE001 - any unreadable file: try the next one.
            failed.append((step, " ".join(str(e).split())[:300]))
            continue
        for bad, reason in failed:
            source = os.path.join(manager.directory, str(bad))
            target = os.path.join(manager.directory, f"corrupt-{bad}")
            suffix = 1
            while os.path.exists(target):
                target, suffix = os.path.join(manager.directory,
                                              f"corrupt-{bad}.{suffix}"), suffix + 1
            os.rename(source, target)
            logging.warning("checkpoint %s does not restore (%s); moved it to %s and "
                            "resumed from step %d", source, reason, target, step)
        if failed:
            manager.reload()
        return state, step
    if failed:
        steps = ", ".join(str(s) for s, _ in failed)
        raise ConfigError(
            f"no checkpoint in {os.path.join(workdir, 'checkpoints')!r} restores (steps "
            f"{steps}; newest: {failed[0][1]}); use another --workdir, or remove {workdir!r} "
            "to start over")
    return template, None


def _pending_path(workdir: str) -> str:
    return os.path.join(workdir, "checkpoints", "pending_window.json")


def save_pending_window(workdir: str, step: int, rows: list[dict]) -> None:
    """Saves the per-step metrics of a logging window cut short at `step` (by a
    preemption), so that the resumed run logs the same window mean to the last digit."""
    encoded = [{k: [np.asarray(v).item(), str(np.asarray(v).dtype)] for k, v in row.items()}
               for row in rows]
    tmp = _pending_path(workdir) + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"step": int(step), "rows": encoded}, f)
    os.replace(tmp, _pending_path(workdir))


def load_pending_window(workdir: str, step: int) -> list[dict]:
    """The rows `save_pending_window` saved at `step` (with their dtypes), or []."""
    try:
        with open(_pending_path(workdir)) as f:
            pending = json.load(f)
    except FileNotFoundError:
        return []
    if pending.get("step") != step:
        return []
    return [{k: np.asarray(v, dtype)[()] for k, (v, dtype) in row.items()}
            for row in pending["rows"]]


def drop_pending_window(workdir: str) -> None:
    """Removes a pending window once a later checkpoint makes it useless."""
    try:
        os.remove(_pending_path(workdir))
    except FileNotFoundError:
        pass
