"""Collects the runs of a sweep into one table and plots.

    python -m experiments.aggregate SWEEPDIR

Reads every run under SWEEPDIR (a directory holding `config.json`; finished
runs also hold `results.json`), groups the runs that differ only in their
seed, and writes:

  summary.json, summary.csv   one row per group: task, length, cell, learning
                              rate, seeds, the headline metric's mean, standard
                              deviation (over seeds), min and max, the task's
                              baseline, steps, mean training wall time
  summary.md                  the same as a markdown table, with the command
  plots/<task>_vs_length      final metric against sequence length, one line
                              per cell (mean; bars: min-max over seeds),
                              baseline dashed (tasks with a length or gap)
  plots/<task>_T<length>_curves
                              the evaluation metric during training, per cell
                              (mean; band: min-max over seeds), baseline dashed

Each plot is PNG and PDF. Unfinished runs are listed, not averaged.

    python -m experiments.aggregate SWEEPDIR --entry=NAME

prints the table with each number tied to registry entry NAME (the comments of
`experiments.registry`), for quoting in docs/: the entry is what
`launch.py --record=NAME` wrote from the sweep's `results.json` (`results`).
"""

from __future__ import annotations

import collections
import csv
import json
import os

import numpy as np

from experiments import cli, plotting, registry
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError
from experiments.workdir import read_metrics

COLUMNS = ("task", "length", "cell", "learning_rate", "seeds", "metric", "mean", "std", "min",
           "max", "baseline", "mean_over_baseline", "steps", "wall_seconds")


def _task_label(task: dict) -> str:
    return task["name"] + ("-permuted" if task.get("permute") else "")


def _length(task: dict):
    return task.get("length", task.get("gap"))


def collect(sweepdir: str) -> tuple[list[dict], list[str]]:
    """`(runs, unfinished)`: one dict per finished run below `sweepdir`, and the
    directories of runs without results."""
    runs, unfinished = [], []
    for root, dirs, files in os.walk(sweepdir):
        dirs.sort()
        if "config.json" not in files:
            continue
        dirs.clear()  # A run's own subdirectories (checkpoints, ...) hold no runs.
        if "results.json" not in files:
            unfinished.append(root)
            continue
        config, results = workdir_lib.read_finished(root)
        metric = results.get("metric", "eval_answer_accuracy")
        curve = [(row["step"], row[metric]) for row in
                 read_metrics(os.path.join(root, "metrics.jsonl")) if metric in row]
        runs.append({"workdir": root, "task": _task_label(config["task"]),
                     "length": _length(config["task"]), "cell": config["model"]["cell"],
                     "learning_rate": config["train"]["learning_rate"],
                     "seed": config["seed"], "metric": metric, "value": results[metric],
                     "baseline": results["chance"],
                     "higher_is_better": results.get("higher_is_better", True),
                     "steps": results["step"], "wall_seconds": results.get("wall_seconds"),
                     "curve": curve})
    return runs, unfinished


def summarize(runs: list[dict]) -> list[dict]:
    """One row per (task, length, cell, learning rate), statistics over seeds."""
    groups = collections.defaultdict(list)
    for run in runs:
        groups[(run["task"], run["length"], run["cell"], run["learning_rate"])].append(run)
    rows = []
    for (task, length, cell, lr), members in groups.items():
        values = np.array([m["value"] for m in members], np.float64)
        walls = [m["wall_seconds"] for m in members if m["wall_seconds"] is not None]
        rows.append({
            "task": task, "length": length, "cell": cell, "learning_rate": lr,
            "seeds": len(members), "metric": members[0]["metric"],
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()), "max": float(values.max()),
            "baseline": members[0]["baseline"],
            "mean_over_baseline": float(values.mean() / members[0]["baseline"]),
            "steps": int(max(m["steps"] for m in members)),
            "wall_seconds": float(np.mean(walls)) if walls else None,
            "higher_is_better": members[0]["higher_is_better"]})
    rows.sort(key=lambda r: (r["task"], r["length"] is None, r["length"] or 0, r["cell"],
                             r["learning_rate"]))
    return rows


def _spec(value) -> str:
    return ".3g" if abs(value) >= 1e-3 or value == 0 else ".2e"


def row_key(row: dict) -> str:
    """A group's name in `results`: task, length, cell and learning rate."""
    length = "" if row["length"] is None else f"_T{row['length']}"
    return f"{row['task']}{length}_{row['cell']}_lr{row['learning_rate']:g}"


#: The statistics of a group that `results` keeps (everything but its wall time).
STATISTICS = ("mean", "std", "min", "max", "baseline", "mean_over_baseline", "steps", "seeds")


def results(sweepdir: str) -> dict:
    """The sweep's numbers, for its `results.json`: each group's statistics, each run's
    metric, and the runs' summed training time (`total_wall_seconds`)."""
    runs, _ = collect(sweepdir)
    return {"summary": {row_key(r): {k: r[k] for k in STATISTICS} for r in summarize(runs)},
            "points": {os.path.relpath(r["workdir"], sweepdir): r["value"] for r in runs},
            "total_wall_seconds": sum(r["wall_seconds"] or 0.0 for r in runs)}


def markdown(rows: list[dict], command: str | None = None, unfinished=(),
             entry: str | None = None) -> str:
    """The summary table; with `entry`, each number carries its registry comment."""

    def number(row, field, spec=None):
        value = row[field]
        if value is None:
            return "-"
        spec = spec or _spec(value)
        mark = f"<!--result:{entry}:summary/{row_key(row)}/{field}:{spec}-->" if entry else ""
        return format(value, spec) + mark

    lines = []
    if command:
        lines += [f"Produced by `{command}`.", ""]
    lines += ["| task | T | cell | lr | seeds | metric | mean ± std | min – max | baseline "
              "| mean / baseline | steps | wall s / run |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['length'] if r['length'] is not None else '-'} | {r['cell']} "
            f"| {r['learning_rate']:g} | {r['seeds']} | {r['metric']} "
            f"| {number(r, 'mean')} ± {number(r, 'std')} "
            f"| {number(r, 'min')} – {number(r, 'max')} | {number(r, 'baseline')} "
            f"| {number(r, 'mean_over_baseline', '.3g')} | {r['steps']} "
            f"| {'-' if r['wall_seconds'] is None else round(r['wall_seconds'])} |")
    if unfinished:
        lines += ["", f"Unfinished runs (not in the table): {', '.join(unfinished)}."]
    return "\n".join(lines) + "\n"


def _finish(fig, ax, run, xlabel, title, plot_dir, name):
    """Baseline (dashed), labels, log scale for errors, legend; saves PNG and PDF."""
    ax.axhline(run["baseline"], color="k", linestyle="--",
               label=f"baseline ({run['baseline']:.3g})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(run["metric"])
    if not run["higher_is_better"]:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    plotting.save(fig, plot_dir, name)


def _plot_vs_length(runs, task, plot_dir):
    import matplotlib.pyplot as plt
    mine = [r for r in runs if r["task"] == task]
    cells = sorted({r["cell"] for r in mine})
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for i, cell in enumerate(cells):
        by_length = collections.defaultdict(list)
        for r in mine:
            if r["cell"] == cell:
                by_length[r["length"] or 0].append(r["value"])
        lengths = sorted(by_length)
        mean = np.array([np.mean(by_length[t]) for t in lengths])
        low = mean - np.array([np.min(by_length[t]) for t in lengths])
        high = np.array([np.max(by_length[t]) for t in lengths]) - mean
        ax.errorbar(lengths, mean, yerr=[low, high], marker="o", capsize=3,
                    color=plotting.COLORS[i % len(plotting.COLORS)], label=cell)
    _finish(fig, ax, mine[0], "sequence length T",
            f"{task}: final {mine[0]['metric']} (mean, min-max over seeds)",
            plot_dir, f"{task}_vs_length")


def _plot_curves(runs, task, length, plot_dir):
    import matplotlib.pyplot as plt
    mine = [r for r in runs if r["task"] == task and r["length"] == length and r["curve"]]
    if not mine:
        return
    cells = sorted({r["cell"] for r in mine})
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for i, cell in enumerate(cells):
        curves = [r["curve"] for r in mine if r["cell"] == cell]
        size = min(len(c) for c in curves)
        steps = [s for s, _ in curves[0][:size]]
        values = np.array([[v for _, v in c[:size]] for c in curves])
        plotting.band(ax, steps, values, plotting.COLORS[i % len(plotting.COLORS)], cell)
    suffix = "" if length is None else f" T={length}"
    _finish(fig, ax, mine[0], "training step", f"{task}{suffix}: held-out {mine[0]['metric']}",
            plot_dir, f"{task}{'' if length is None else f'_T{length}'}_curves")


def write(sweepdir: str, command: str | None = None) -> list[dict]:
    """Writes the summary files and plots of `sweepdir` (see the module docstring)."""
    runs, unfinished = collect(sweepdir)
    if not runs:
        raise ValueError(f"{sweepdir!r} holds no finished runs (no results.json below it)")
    rows = summarize(runs)
    with open(os.path.join(sweepdir, "summary.json"), "w") as f:
        json.dump({"command": command, "rows": rows,
                   "unfinished": [os.path.relpath(u, sweepdir) for u in unfinished]},
                  f, indent=2)
        f.write("\n")
    with open(os.path.join(sweepdir, "summary.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(sweepdir, "summary.md"), "w") as f:
        f.write(markdown(rows, command, [os.path.relpath(u, sweepdir) for u in unfinished]))
    plot_dir = os.path.join(sweepdir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    for task in sorted({r["task"] for r in runs}):
        if any(r["length"] is not None for r in runs if r["task"] == task):
            _plot_vs_length(runs, task, plot_dir)
        for length in sorted({r["length"] for r in runs if r["task"] == task},
                             key=lambda t: t or 0):
            _plot_curves(runs, task, length, plot_dir)
    return rows


def main(argv) -> None:
    usage = "usage: python -m experiments.aggregate SWEEPDIR [--entry=NAME]"
    args = [a for a in argv[1:] if not a.startswith("--entry=")]
    entries = [a.removeprefix("--entry=") for a in argv[1:] if a.startswith("--entry=")]
    if len(args) != 1 or len(entries) > 1 or len(argv) != 2 + len(entries):
        cli.fail(usage)
    if not os.path.isdir(args[0]):
        cli.fail(f"{args[0]!r} is not a directory; expected a sweep's workdir")
    try:
        entry = registry.check_name(entries[0], "--entry") if entries else None
        rows = write(args[0])
    except (ConfigError, ValueError) as e:
        cli.fail(e)
    print(markdown(rows, entry=entry), end="")
    print(f"wrote summary.json, summary.csv, summary.md and plots/ in {args[0]}")


if __name__ == "__main__":
    cli.main(main)
