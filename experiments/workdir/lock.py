"""A workdir held by one run at a time: `with Lock(workdir): ...` raises `WorkdirLocked`
while another live run holds it.

The lock is `WORKDIR/lock`, a JSON file naming the holder's host, pid and start time,
created atomically (`O_CREAT | O_EXCL`). A lock left by a process that has died on
this host is taken over with a warning; a lock from another host is never taken over
(nothing here can tell whether that process still runs): remove the file by hand.
"""

from __future__ import annotations

import json
import os
import socket
import time

from absl import logging

from experiments.errors import ConfigError

LOCK_NAME = "lock"


class WorkdirLocked(ConfigError):
    """Another run holds the workdir."""


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
