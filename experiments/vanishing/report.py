"""The study's results: `results.json`, `report.md` and the plots, from the saved arrays.

    python -m experiments.plots WORKDIR      # redraws WORKDIR/plots/ and report.md

Everything here reads `WORKDIR/config.json` and `WORKDIR/points/*.npz` alone; nothing
is retrained.
"""

from __future__ import annotations

import json
import os

import numpy as np

import recurrent as rec
from experiments import models, provenance
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError
from experiments.vanishing import dynamics, plots
from experiments.vanishing.statistics import median_steps, spearman

TIMING = ("compile_seconds", "train_seconds")  # Wall-clock: they differ between runs.
#: Arrays that say how and where a point ran, not what it computed.
RUN_RECORD = (*TIMING, "provenance")


def point_path(workdir: str, cell: str, gap: int) -> str:
    """`points/<cell>_gap<gap>.npz`, the cell spec made file-name safe."""
    return os.path.join(workdir, "points", f"{models.cell_slug(cell)}_gap{gap}.npz")


def load_points(workdir: str) -> dict[tuple[str, int], dict[str, np.ndarray]]:
    """Every finished point of a study, keyed by (cell, gap), in config order."""
    config = workdir_lib.read_json(workdir_lib.config_path(workdir))
    points = {}
    for cell in config["study"]["cells"]:
        for gap in config["study"]["gaps"]:
            path = point_path(workdir, cell, gap)
            if os.path.exists(path):
                with np.load(path) as data:
                    points[(cell, gap)] = dict(data)
    return points


def _logs(values) -> list[float | None]:
    """log10 ratios for JSON: None where the gradient underflowed to 0 (log10 = -inf)."""
    return [float(v) if np.isfinite(v) else None for v in values]


def _finite_mean(values) -> float | None:
    finite = [float(v) for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _mean_log(values) -> str:
    """The mean over seeds of `_logs` values; seeds whose gradient is 0 are counted apart."""
    finite = [v for v in values if v is not None]
    zeros = len(values) - len(finite)
    if not finite:
        return "0 (underflow)"
    return f"{np.mean(finite):.2f}" + (f" ({zeros} seed{'s' * (zeros > 1)}: 0)" if zeros else "")


def summarize(points, threshold: float, solved_accuracy: float) -> dict:
    """Per (cell, gap), per cell and over all seeds: learning time and gradients."""
    per_point, per_cell, timing, where = {}, {}, {}, {}
    markers = []  # (cell, gap, seed, key gradient at init, steps to solve, solved)
    for (cell, gap), p in points.items():
        norms = p["grad_norms"]  # [seeds, measurements, lags]
        horizon = rec.analysis.gradient_horizon(norms, threshold)
        decay = rec.analysis.decay_rate(norms, max_lag=gap)
        accuracy = p["eval_curve"][:, -1]
        steps, solved = p["steps_to_solve"].astype(int), p["solved"].astype(bool)
        median, censored = median_steps(steps, solved)
        init_key = plots.key_gradient(p, 0)
        per_point[f"{cell}/gap{gap}"] = {
            "cell": cell, "gap": gap,
            "steps_to_solve": steps.tolist(), "solved": solved.tolist(),
            "seeds_solved": int(solved.sum()), "seeds": len(steps),
            "diverged": p["diverged"].astype(bool).tolist(),
            "median_steps_to_solve": median, "median_censored": censored,
            "budget": int(p["budget"]), "stopped_at": int(p["stopped_at"]),
            "eval_accuracy_mean": float(accuracy.mean()),
            "eval_accuracy_min": float(accuracy.min()),
            "eval_accuracy_max": float(accuracy.max()),
            "key_gradient_init": _logs(init_key),
            "key_gradient_trained": _logs(plots.key_gradient(p, -1)),
            # Means over the seeds whose gradient did not underflow (None if none).
            "key_gradient_init_mean": _finite_mean(init_key),
            "key_gradient_trained_mean": _finite_mean(plots.key_gradient(p, -1)),
            "horizon_init": float(np.median(horizon[:, 0])),
            "horizon_trained": float(np.median(horizon[:, -1])),
            "decay_rate_init": float(np.mean(decay[:, 0])),
            "decay_rate_trained": float(np.mean(decay[:, -1])),
            "chance": float(p["chance"]),
            **dynamics.point_summary(p),
        }
        timing[f"{cell}/gap{gap}"] = {k: float(p[k]) for k in TIMING if k in p}
        # None: a process that trained the point but recorded nothing (an older commit).
        where[f"{cell}/gap{gap}"] = [json.loads(str(e)) for e in p.get("provenance", [])] or [None]
        markers += [(cell, gap, int(s), float(k), int(n), bool(ok))
                    for s, k, n, ok in zip(p["seeds"], init_key, steps, solved, strict=True)]
    for cell in dict.fromkeys(cell for cell, _ in points):
        rows = [r for r in per_point.values() if r["cell"] == cell]
        solved = [r["gap"] for r in rows if r["seeds_solved"] == r["seeds"]]
        longest = max(rows, key=lambda r: r["gap"])
        per_cell[cell] = {
            "largest_gap_solved": max(solved) if solved else None,
            "horizon_init": longest["horizon_init"],
            "horizon_trained": longest["horizon_trained"],
            "decay_rate_init": longest["decay_rate_init"],
            "decay_rate_trained": longest["decay_rate_trained"],
            "measured_at_gap": longest["gap"],
            **{k: v for k, v in longest.items()
               if k.startswith(("lyapunov_", "sensitivity_slope_", "timescale_span_"))},
        }
    x = [m[3] for m in markers]
    y = [m[4] for m in markers]
    ok = [m[5] for m in markers]
    gaps = sorted({m[1] for m in markers})
    correlation = {
        "all": spearman(x, y), "all_count": len(markers),
        "solved_only": spearman([v for v, s in zip(x, ok, strict=True) if s],
                                [v for v, s in zip(y, ok, strict=True) if s]),
        "solved_count": int(sum(ok)),
        "per_gap": {str(g): spearman([m[3] for m in markers if m[1] == g],
                                     [m[4] for m in markers if m[1] == g]) for g in gaps},
    }
    lyapunov = dynamics.agreement(per_point)
    return {"points": per_point, "cells": per_cell, "key_gradient_vs_steps": correlation,
            **({} if lyapunov is None else {"lyapunov_vs_decay": lyapunov}),
            "timing": timing, "provenance": where, "horizon_threshold": threshold,
            "solved_accuracy": solved_accuracy}


def _steps_cell(row) -> str:
    """`"400 (3/3)"`, or `">3000 (1/3)"` when the median seed is censored."""
    median = f"{row['median_steps_to_solve']:.0f}"
    median = f">{median}" if row["median_censored"] else median
    return f"{median} ({row['seeds_solved']}/{row['seeds']})"


def _rho(value) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def report(summary: dict, command: str) -> str:
    """`report.md`: every number computed from the saved arrays."""
    eps = summary["horizon_threshold"]
    points = list(summary["points"].values())
    cells = list(summary["cells"])
    gaps = sorted({r["gap"] for r in points})
    budget = max(r["budget"] for r in points)
    lines = [
        "# Vanishing gradients: report", "",
        f"Produced by `{command}`; regenerate (with the plots) from the saved arrays by "
        "`python -m experiments.plots WORKDIR`.", "",
        f"Steps to solve: the first evaluation at which a seed's held-out answer accuracy is "
        f">= {summary['solved_accuracy']:g}; a seed that never gets there within the budget "
        f"({budget} steps) is censored, written `>{budget}`, and so is a seed whose loss turned "
        "non-finite (`diverged`). A point stops when all its seeds have solved. Gradient "
        "horizon: the largest lag k at which ||dL/ds_(T-k)|| / "
        f"||dL/ds_T|| is still >= {eps:g} (median over seeds). Decay rate: least-squares slope "
        "of log10 ||dL/ds_(T-k)|| per step of lag, from the answer back to the key (mean over "
        "seeds). Key gradient: log10 ||dL/ds_key|| / ||dL/ds_answer|| (null in results.json, "
        "\"0\" here, where dL/ds_key underflowed to exactly 0 in float32).", "",
        "## Learning time: median steps to solve (seeds solved)", "",
        "| cell | " + " | ".join(f"gap {g}" for g in gaps) + " | largest gap every seed solved |",
        "|---|" + "---|" * (len(gaps) + 1),
    ]
    for cell in cells:
        row = {r["gap"]: r for r in points if r["cell"] == cell}
        solved = summary["cells"][cell]["largest_gap_solved"]
        lines.append(f"| {cell} | " + " | ".join(
            _steps_cell(row[g]) if g in row else "-" for g in gaps)
            + f" | {'none' if solved is None else solved} |")
    c = summary["key_gradient_vs_steps"]
    lines += [
        "", "## Does the gradient at the key predict learning time?", "",
        "Spearman rank correlation between the key gradient at step 0 and the steps to "
        "solve, one marker per (cell, gap, seed) (censored seeds at the budget):", "",
        f"- all markers: {_rho(c['all'])} ({c['all_count']} markers)",
        f"- solved seeds only: {_rho(c['solved_only'])} ({c['solved_count']} markers)",
        "- within one gap, across cells: " + ", ".join(
            f"gap {g}: {_rho(v)}" for g, v in c["per_gap"].items()),
        "", "## Per cell (gradients measured at the largest gap)", "",
        "| cell | largest gap solved | horizon at init | horizon trained "
        "| decay rate at init (decades/step) | decay rate trained |",
        "|---|---|---|---|---|---|",
    ]
    for cell, r in summary["cells"].items():
        solved = "none" if r["largest_gap_solved"] is None else str(r["largest_gap_solved"])
        lines.append(f"| {cell} | {solved} | {r['horizon_init']:.0f} | {r['horizon_trained']:.0f} "
                     f"| {r['decay_rate_init']:.3f} | {r['decay_rate_trained']:.3f} |")
    lines += dynamics.report_lines(summary)
    lines += ["", "## Per point", "",
              "| cell | gap | steps to solve per seed | stopped at | final accuracy (mean, "
              "min-max) | key gradient init (mean) | key gradient at stop (mean) "
              "| horizon init | horizon trained | decay rate init | decay rate trained |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in points:
        steps = ", ".join(str(n) if ok else "diverged" if bad else f">{n}"
                          for n, ok, bad in zip(r["steps_to_solve"], r["solved"],
                                                r["diverged"], strict=True))
        lines.append(
            f"| {r['cell']} | {r['gap']} | {steps} | {r['stopped_at']} "
            f"| {r['eval_accuracy_mean']:.3f} ({r['eval_accuracy_min']:.3f}-"
            f"{r['eval_accuracy_max']:.3f}) | {_mean_log(r['key_gradient_init'])} "
            f"| {_mean_log(r['key_gradient_trained'])} "
            f"| {r['horizon_init']:.0f} | {r['horizon_trained']:.0f} "
            f"| {r['decay_rate_init']:.3f} | {r['decay_rate_trained']:.3f} |")
    lines += ["", "## Time per point (wall clock of this run; not reproducible)", "",
              "| cell | gap | compile (s) | training and measurement (s) |", "|---|---|---|---|"]
    for name, t in summary["timing"].items():
        cell, gap = name.rsplit("/gap", 1)
        lines.append(f"| {cell} | {gap} | {t.get('compile_seconds', float('nan')):.1f} "
                     f"| {t.get('train_seconds', float('nan')):.1f} |")
    return "\n".join(lines + _provenance_lines(summary.get("provenance", {}))) + "\n"


def _provenance_lines(where: dict) -> list[str]:
    """Which points ran on which commit, machine and software. Numbers agree to the last
    digit only within one group (see `experiments/provenance.py`)."""
    lines = ["", "## Where the points were computed", "",
             "A point resumed in another process is listed once per process that trained it. "
             "Float rounding, and so every trained number, can differ between groups.", "",
             "| commit | machine | software | points |", "|---|---|---|---|"]
    for group in provenance.groups(where):
        commit = group["commit"]
        if len(commit) >= 40:  # A hash, perhaps with "+dirty": shorten the hash.
            commit = commit[:12] + commit[40:]
        software = ("not recorded" if group["software"] is None else
                    ", ".join(f"{k} {v}" for k, v in group["software"].items()))
        names = "; ".join(name.replace("/gap", " gap ") for name in group["points"])
        lines.append(f"| {commit} | {group['machine']} | {software} | {names} |")
    return lines


def write_outputs(workdir: str, command: str | None = None) -> dict:
    """Writes results.json, report.md and the plots from the saved point arrays.

    `command` is the one that produced the arrays; by default the one recorded
    in an existing results.json.
    """
    config = workdir_lib.load_config(workdir).to_dict()
    results_path = os.path.join(workdir, "results.json")
    if command is None and os.path.exists(results_path):
        command = workdir_lib.read_json(results_path).get("command")
    points = load_points(workdir)
    if not points:
        raise ConfigError(f"{workdir!r} holds no finished study point (points/*.npz)")
    summary = summarize(points, config["analysis"]["horizon_threshold"],
                        config["analysis"]["solved_accuracy"])
    summary["command"] = command or "python launch.py --config=experiments/configs/vanishing.py"
    # What the study cost, however many sessions ran it (the registry records this).
    summary["total_wall_seconds"] = sum(sum(t.values()) for t in summary["timing"].values())
    workdir_lib.write_json(results_path, summary)
    with open(os.path.join(workdir, "report.md"), "w") as f:
        f.write(report(summary, summary["command"]))
    plots.plot_study(workdir, points, config, summary["key_gradient_vs_steps"]["all"])
    return summary
