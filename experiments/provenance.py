"""Where a result was computed: the commit, the machine and the software versions.

A trained number is reproducible to the last digit only on the same commit, software and
CPU: XLA compiles for the instruction set it finds (AVX2 or AVX-512 vectors sum in a
different order), so two machines round differently, and a training run's rounding
grows. The study's points record this beside their arrays.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess

import recurrent as rec

#: Distributions whose versions change a result's numbers.
SOFTWARE = ("jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "numpy")


def machine() -> str:
    """One line: CPU model, architecture, cores and the widest vector extension, for
    example "AMD EPYC (x86_64, 2 cores, AVX-512)"."""
    name = rec.tuning.cpu_info()[0]
    isa = rec.tuning.cpu_extension()  # The same name as the key of rec.tuning's table.
    details = [platform.machine() or "unknown architecture", f"{os.cpu_count()} cores"]
    if isa:
        details.append(isa)
    return f"{name or platform.processor() or 'unknown CPU'} ({', '.join(details)})"


#: Tracked paths whose changes cannot change a result: the documentation, and with it the
#: registry (`docs/results/`), which every `--record` rewrites: a second recording from
#: the same checkout is not "dirty" because of the first.
NOT_CODE = ("docs",)


def commit() -> str:
    """The git commit of the checkout this package runs from, with "+dirty" when tracked
    files outside `NOT_CODE` differ from it; "unknown" outside a git checkout."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                    *(f":(exclude){path}" for path in NOT_CODE))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def software() -> dict[str, str]:
    """Python's version and each of `SOFTWARE`'s ("not installed" where missing)."""
    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def describe() -> dict:
    """`{"commit", "machine", "software", "date"}` of this process, the date in UTC."""
    return {"commit": commit(), "machine": machine(), "software": software(),
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def groups(where: dict) -> list[dict]:
    """Where the points of a run were computed, grouped.

    Args:
      where: per point name, the `describe()` of each process that trained it (None
        for a process that recorded nothing, at an older commit).

    Returns:
      Each distinct (commit, machine, software), in order of first appearance, as
      `{"commit", "machine", "software", "points"}`; a process that recorded nothing
      gives commit and machine "not recorded" and software None.
    """
    grouped = {}
    for point, entries in where.items():
        for e in entries or [None]:
            key = ("not recorded", "not recorded", None) if e is None else (
                e["commit"], e["machine"], json.dumps(e["software"]))
            grouped.setdefault(key, []).append(point)
    return [{"commit": commit, "machine": machine,
             "software": None if software is None else json.loads(software), "points": points}
            for (commit, machine, software), points in grouped.items()]
