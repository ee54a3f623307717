"""Re-runs a published result and compares it with its registry entry.

    python -m experiments.reproduce --list           # every entry, with its wall time
    python -m experiments.reproduce translation      # re-run one, print old | new | diff
    python -m experiments.reproduce --all            # every entry, one after another

Each entry's command runs in a fresh temporary workdir (`launch.py`, a process of its
own). Agreement is exact when the commit, machine and software are the entry's (a CPU
run there is deterministic); otherwise within a relative `registry.OTHER_MACHINE_RTOL`
(2%), and the versions that differ are printed beside the numbers. Exit status 0 when
every metric agrees, 1 when one does not, 2 for bad input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import flags

from experiments import cli, provenance, registry
from experiments.errors import ConfigError


def _define_flags() -> None:
    """Defined only when run as a program (importing this module defines no flags)."""
    flags.DEFINE_boolean("list", False, "List the entries with their wall time.")
    flags.DEFINE_boolean("all", False, "Reproduce every entry.")


def differences(entry: dict, here: dict) -> list[str]:
    """What differs between where `entry` ran and `here` (a `provenance.describe()`)."""
    lines = []
    for key in ("commit", "machine"):
        if entry.get(key) != here[key]:
            lines.append(f"{key}: recorded {entry.get(key)}, here {here[key]}")
    for name, version in here["software"].items():
        old = entry.get("software", {}).get(name)
        if old != version:
            lines.append(f"{name}: recorded {old}, here {version}")
    return lines


def reproduce(name: str, directory: str | None = None, out=sys.stdout) -> bool:
    """Re-runs entry `name`; prints the comparison; True when every metric agrees."""
    entry = registry.load(name, directory)
    here = provenance.describe()
    changed = differences(entry, here)
    rtol = registry.OTHER_MACHINE_RTOL if changed else 0.0
    with tempfile.TemporaryDirectory(prefix=f"reproduce-{name}-") as workdir:
        started = time.perf_counter()
        run = subprocess.run([sys.executable, os.path.join(registry.ROOT, "launch.py"),
                              *entry["command"], f"--workdir={workdir}"], cwd=registry.ROOT,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            tail = " ".join(run.stderr.strip().splitlines()[-1:])
            print(f"{name}: the command failed (exit {run.returncode}): {tail}", file=out)
            return False
        with open(os.path.join(workdir, "results.json")) as f:
            measured = registry.metrics_of(json.load(f))
    rows = registry.compare(entry["metrics"], measured, rtol)
    print(f"{name}: {' '.join(entry['command'])}  ({seconds:.0f} s; recorded "
          f"{entry['wall_seconds']:.0f} s at {entry['commit'][:12]} on {entry['date']})",
          file=out)
    for line in changed:
        print(f"  differs: {line}", file=out)
    for group in entry.get("points_ran_at", []):
        print(f"  its points ran at {group['commit'][:12]} on {group['machine']}: "
              f"{len(group['points'])} of them", file=out)
    print(f"  agreement: {'exact' if not rtol else f'within {rtol:.0%} (relative)'}", file=out)
    width = max(len(k) for k, *_ in rows)
    for key, old, new, agrees in rows:
        diff = "missing" if new is None else f"{new - old:+.6g}"
        print(f"  {'ok ' if agrees else 'BAD'} {key:<{width}}  {old:.6g} | "
              f"{'-' if new is None else format(new, '.6g')} | {diff}", file=out)
    return all(agrees for *_, agrees in rows)


def _duration(seconds: float) -> str:
    """`"95 s"`, `"12 min"` or `"3.4 h"`: what an entry costs to re-run, at a glance."""
    if seconds < 600:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 3 * 3600 else f"{seconds / 3600:.1f} h"


def main(argv):
    names = argv[1:]
    try:
        if flags.FLAGS.list:
            for name in registry.names():
                entry = registry.load(name)
                print(f"{name:34s} {_duration(entry['wall_seconds']):>9s}  "
                      f"{' '.join(entry['command'])}")
            return 0
        if flags.FLAGS.all:
            names = registry.names()
        if not names:
            raise ConfigError("name an entry (python -m experiments.reproduce --list), or --all")
        for name in names:
            registry.load(name)  # Refuse a bad name before running anything.
    except ConfigError as e:
        cli.fail(e)
    return 0 if all([reproduce(name) for name in names]) else 1


if __name__ == "__main__":
    cli.main(main, define_flags=_define_flags, quiet=False)
