"""A run's files: the workdir checked before anything is written, config.json, JSON and
other files written whole (atomically), a full disk reported in one line."""

from __future__ import annotations

import contextlib
import errno
import json
import os

import ml_collections

from experiments.errors import ConfigError, WriteError

# Config keys that may change between the sessions of one run: the budget may grow, and how
# many workers a study uses, or when it kills a stalled one, changes no result; the
# study's dynamical instruments only measure (a run that predates them lacks the keys).
RESUMABLE_KEYS = frozenset({"train.steps", "study.workers", "study.stall_seconds",
                            "analysis.lyapunov_exponents", "analysis.sensitivity_probes"})


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


@contextlib.contextmanager
def replaced(path: str, mode: str = "w"):
    """An open file whose contents replace `path` whole when the block ends, or never:
    readers see the old file or the new one, not a torn one."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, mode) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path: str, data, **dump_options) -> None:
    """Writes `data` to `path` atomically (sorted keys, indented, unless told otherwise)."""
    options = {"indent": 2, "sort_keys": True, **dump_options}
    with replaced(path) as f:
        json.dump(data, f, **options)
        f.write("\n")


def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def config_path(workdir: str) -> str:
    return os.path.join(workdir, "config.json")


def has_config(workdir: str) -> bool:
    """Whether `workdir` holds a run (its config.json)."""
    return os.path.exists(config_path(workdir))


def read_finished(workdir: str) -> tuple[dict, dict]:
    """`(config, results)` of a finished run, as the dicts of its config.json and
    results.json."""
    return read_json(config_path(workdir)), read_json(os.path.join(workdir, "results.json"))


def load_config(workdir: str) -> ml_collections.ConfigDict:
    """The config a run in `workdir` was started with (its config.json)."""
    if not has_config(workdir):
        raise ConfigError(f"{workdir!r} holds no run (no config.json)")
    return ml_collections.ConfigDict(read_json(config_path(workdir)))


def save_config(config, workdir: str) -> None:
    write_json(config_path(workdir), json.loads(config.to_json()))


def check_config(config, workdir: str) -> None:
    """Checks that `workdir` can hold a run of `config`: a usable directory, new or holding
    a run of the same config (up to `RESUMABLE_KEYS`). Nothing is written on failure."""
    check_usable(workdir)
    if has_config(workdir):
        differ = sorted(_diff_keys(read_json(config_path(workdir)),
                                   json.loads(config.to_json())) - RESUMABLE_KEYS)
        if differ:
            raise ConfigError(
                f"workdir {workdir!r} holds a run with a different config ({', '.join(differ)} "
                "differ); use a new --workdir to start a new run")


def _diff_keys(a: dict, b: dict, prefix: str = "") -> set[str]:
    keys = set()
    for k in set(a) | set(b):
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            keys |= _diff_keys(va, vb, f"{prefix}{k}.")
        elif va != vb:
            keys.add(prefix + k)
    return keys


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
