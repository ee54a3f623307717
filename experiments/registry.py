"""The results registry: one JSON file per published result, in `docs/results/`.

    python launch.py --config=experiments/configs/translation.py --workdir=runs/translation \
        --record=translation          # runs, then writes docs/results/translation.json
    python -m experiments.reproduce --list | NAME | --all

An entry holds the command (`launch.py`'s flags, without --workdir and --record), the
commit, date, machine and software it ran on (`experiments/provenance.py`), the wall time
and the metrics: every number of the run's `results.json` except wall-clock ones. Nothing
in it is typed by hand.

A number quoted in README.md or docs/*.md is tied to its entry by a comment right after it,
`97.7<!--result:translation:eval_bleu:.1f-->` (entry, metric, Python format spec; the
metric may hold colons, the format may not: `.1%`
quotes 0.926 as 92.6%), invisible once rendered. `quoted_numbers` finds them, and the
suite checks each against the registry, so neither can change without the other.
"""

from __future__ import annotations

import json
import math
import os
import re

from experiments import provenance
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRECTORY = os.path.join(ROOT, "docs", "results")
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
#: Wall-clock metrics: never recorded (they differ on every run).
WALL_CLOCK = ("steps_per_sec", "wall_seconds", "compile_seconds", "train_seconds", "timing",
              "provenance", "total_wall_seconds")
#: Relative tolerance when a reproduction runs on another commit, machine or software.
OTHER_MACHINE_RTOL = 0.02
#: A quoted number: the number, then the comment naming entry, metric and format. A dash
#: right after a number or a quote's comment is a range's ("0.023-0.055"), not a sign; a
#: ">" before a number ("> 10000" censored) is text.
QUOTE = re.compile(r"((?<![0-9.])(?:(?<!-->)[+-])?[0-9][0-9,]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)%?"
                   r"<!--result:([^:]+):(.+?):([^:>]*)-->")


def check_name(name: str, flag: str = "--record") -> str:
    """`name` if it is a valid entry name, else a ConfigError naming `flag`."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ConfigError(f"{flag}={name!r}: a registry name is lower-case letters, digits, "
                          "'.', '_' or '-', for example 'translation'")
    return name


def path(name: str, directory: str | None = None) -> str:
    return os.path.join(directory or DIRECTORY, f"{name}.json")


def metrics_of(results, prefix: str = "") -> dict[str, float]:
    """The numeric leaves of a run's results (nested keys joined by '/'), wall clock out."""
    flat = {}
    items = results.items() if isinstance(results, dict) else enumerate(results)
    for key, value in items:
        name = f"{prefix}{key}"
        if str(key) in WALL_CLOCK:
            continue
        if isinstance(value, (dict, list)):
            flat.update(metrics_of(value, name + "/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[name] = value
    return flat


def record(name: str, argv: list[str], results_path: str, wall_seconds: float,
           directory: str | None = None) -> str:
    """Writes entry `name` for the run whose results are in `results_path`.

    A sweep's or study's results give their own `total_wall_seconds` (its points' time
    summed, however many invocations ran them), which is recorded instead of this one's;
    a study's entry also lists where its points ran (`points_ran_at`).
    """
    command = [a for a in argv if not a.startswith(("--workdir", "--record"))]
    results = workdir_lib.read_json(results_path)
    wall_seconds = results.get("total_wall_seconds", wall_seconds)
    entry = {"name": name, "command": command, **provenance.describe(),
             "wall_seconds": round(wall_seconds, 1), "metrics": metrics_of(results)}
    ran_at = points_ran_at(results)
    if ran_at:
        entry["points_ran_at"] = ran_at
    os.makedirs(directory or DIRECTORY, exist_ok=True)
    target = path(name, directory)
    workdir_lib.write_json(target, entry)
    return target


def points_ran_at(results) -> list[dict]:
    """Where the points of a study ran (`provenance.groups` of its results' per-point
    `provenance`); [] for results without it. The entry's own commit is the one that
    recorded it; a study resumed across sessions may have trained its points at others,
    and a reproduction should know."""
    where = results.get("provenance") if isinstance(results, dict) else None
    return provenance.groups(where) if isinstance(where, dict) else []


def load(name: str, directory: str | None = None) -> dict:
    try:
        with open(path(name, directory)) as f:
            return json.load(f)
    except FileNotFoundError:
        known = ", ".join(names(directory)) or "none"
        raise ConfigError(f"no registry entry {name!r} in {directory or DIRECTORY} (entries: "
                          f"{known})") from None


def names(directory: str | None = None) -> list[str]:
    directory = directory or DIRECTORY
    if not os.path.isdir(directory):
        return []
    return sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".json"))


def compare(recorded: dict[str, float], measured: dict[str, float], rtol: float
            ) -> list[tuple[str, float, float | None, bool]]:
    """`(metric, recorded, measured, agrees)` for every recorded metric."""
    rows = []
    for key, old in sorted(recorded.items()):
        new = measured.get(key)
        agrees = new is not None and (
            new == old or (rtol > 0 and math.isclose(new, old, rel_tol=rtol, abs_tol=1e-12)))
        rows.append((key, old, new, agrees))
    return rows


def format_value(value: float, spec: str) -> str:
    """`value` as a quote shows it, without a `%` sign: `spec` is a Python format spec
    (`.1%` shows 0.926 as 92.6)."""
    return format(value, spec or "g").rstrip("%")


def quoted_numbers(text: str) -> list[tuple[str, str, str, str]]:
    """Every `(number, entry, metric, format)` quoted with a registry comment in `text`."""
    return [m.groups() for m in QUOTE.finditer(text)]
