"""The study's dynamical view: Lyapunov exponents and the curse of memory, per point.

The decay rate of ||dL/ds_(T-k)|| with the lag k and the largest Lyapunov exponent
lambda_1 of the driven map are one quantity seen two ways: the gradient at lag k is the
answer's gradient pulled back through k step Jacobians, whose product grows at the rate
lambda_1 for a generic direction. `summarize` sets them side by side, in decades per
step (lambda_1 / ln 10), and says how closely they agree; the figures:

  lyapunov_spectrum         the leading exponents of each cell at initialisation and at
                            the last measurement (largest gap, mean over seeds)
  sensitivity_vs_timescale  per unit, ||ds_T / d theta_unit|| against its timescale,
                            log-log, one panel per cell: the curse of memory is a steep
                            rise of the sensitivity with the timescale

Points trained before the instruments existed have no `lyapunov` array: they are left
out, and the report says so.
"""

from __future__ import annotations

import math

import matplotlib.ticker
import numpy as np

from experiments import plotting
from experiments.plotting import plt
from experiments.vanishing.statistics import spearman

FIGURES = ("lyapunov_spectrum", "sensitivity_vs_timescale")


def _decades(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value) / math.log(10)


def _top_exponent(point, index: int) -> float | None:
    """Mean over seeds of the largest exponent at measurement `index` (ln per step); seeds
    whose exponent is NaN (a diverged seed) or -inf (collapsed, see `_collapsed`) are left
    out, and None is returned when no seed is left."""
    top = point["lyapunov"][:, index, 0]
    top = top[np.isfinite(top)]
    return float(np.mean(top)) if len(top) else None


def _collapsed(point, index: int) -> bool:
    """Whether every seed that did not diverge has lambda_1 = -inf at measurement `index`.

    Exact, not an underflow: a ReLU cell's step Jacobian is exactly 0 along the units
    that are off (diag(1[unit on]) W for the IRNN, diag(w * 1[unit on]) for IndRNN), so a
    product of them can be exactly 0 along every direction (for a diagonal recurrence, once
    each unit has been off at some step): the state is reset, not slowly forgotten, and the
    QR method's log |R_ii| is log 0."""
    top = point["lyapunov"][:, index, 0]
    top = top[~np.isnan(top)]
    return bool(len(top)) and bool(np.all(np.isneginf(top)))


def sensitivity_slope(point, index: int) -> tuple[float | None, float | None]:
    """The least-squares slope of log sensitivity on log timescale over the units of every
    seed at measurement `index`, and the span of their timescales (largest / smallest).

    The curse of memory in numbers: for the unnormalised linear unit h_t = lambda h_(t-1)
    + x_t the sensitivity grows as timescale^(3/2) (Zucchet & Orvieto's closed form,
    (1 + lambda^2) / (1 - lambda^2)^3, as lambda -> 1). None when fewer than 3 units have
    a positive timescale and sensitivity, or their timescales are all equal."""
    timescale = point["unit_timescales"][:, index].ravel()
    sensitivity = point["sensitivity"][:, index].ravel()
    ok = (timescale > 0) & (sensitivity > 0) & np.isfinite(timescale * sensitivity)
    if ok.sum() < 3 or np.ptp(timescale[ok]) == 0:
        return None, None
    x, y = np.log(timescale[ok]), np.log(sensitivity[ok])
    slope = float(np.polyfit(x, y, 1)[0])
    return slope, float(timescale[ok].max() / timescale[ok].min())


def point_summary(point) -> dict:
    """The largest exponent at init and trained, in ln/step and decades/step, and the
    sensitivity's slope on the timescale; {} when the point was not measured."""
    if "lyapunov" not in point:
        return {}
    init, trained = _top_exponent(point, 0), _top_exponent(point, -1)
    summary = {"lyapunov_max_init": init, "lyapunov_max_trained": trained,
               "lyapunov_max_init_decades": _decades(init),
               "lyapunov_max_trained_decades": _decades(trained),
               "lyapunov_collapsed_init": _collapsed(point, 0),
               "lyapunov_collapsed_trained": _collapsed(point, -1)}
    if "sensitivity" in point:
        for when, index in (("init", 0), ("trained", -1)):
            slope, span = sensitivity_slope(point, index)
            summary[f"sensitivity_slope_{when}"] = slope
            summary[f"timescale_span_{when}"] = span
    return summary


def agreement(per_point: dict) -> dict | None:
    """How closely lambda_1 / ln 10 and the gradient decay rate agree over the points, at
    initialisation and after training apart: per `init` / `trained`, the number of
    points, the median absolute difference in decades per step and Spearman's rank
    correlation. None if no point measured exponents."""
    result = {}
    for when in ("init", "trained"):
        pairs = [(row[f"lyapunov_max_{when}_decades"], row[f"decay_rate_{when}"])
                 for row in per_point.values()
                 if row.get(f"lyapunov_max_{when}_decades") is not None
                 and np.isfinite(row[f"decay_rate_{when}"])]
        if pairs:
            exponents, decays = np.array(pairs).T
            result[when] = {"pairs": len(pairs),
                            "median_abs_difference": float(np.median(np.abs(exponents - decays))),
                            "spearman": spearman(exponents.tolist(), decays.tolist())}
    return result or None


def report_lines(summary: dict) -> list[str]:
    """The report's section on the exponents, beside the decay rates."""
    lines = ["", "## Largest Lyapunov exponent and gradient decay rate (largest gap)", "",
             "lambda_1: the largest Lyapunov exponent of the cell driven by the held-out "
             "inputs (`rec.analysis.lyapunov_spectrum`, mean over seeds and Jacobian "
             "examples), in decades per step (lambda_1 / ln 10) so that it reads beside the "
             "decay rate of the gradient, the same quantity seen two ways.", ""]
    rows = [(cell, r) for cell, r in summary["cells"].items() if "lyapunov_max_init" in r]
    if not rows:
        return lines + ["Not measured: these points were trained before the study measured "
                        "Lyapunov exponents (`analysis.lyapunov_exponents`)."]
    lines += ["| cell | lambda_1 at init | decay rate at init | lambda_1 trained "
              "| decay rate trained |", "|---|---|---|---|---|"]
    for cell, r in rows:
        lines.append(f"| {cell} | {_exponent(r, 'init')} | {r['decay_rate_init']:.3f} "
                     f"| {_exponent(r, 'trained')} | {r['decay_rate_trained']:.3f} |")
    lines.append("")
    if any(r.get(f"lyapunov_collapsed_{w}") for _, r in rows for w in ("init", "trained")):
        lines += ["-inf: every measured seed's largest exponent is exactly -inf (seeds that "
                  "diverged are left out), a collapse rather than a decay: with ReLU each "
                  "step's Jacobian is exactly 0 along the units that are off, and the product "
                  "over the window can leave no direction alive (for IndRNN's diagonal "
                  "recurrence, once every unit has been off at some step); the gradient then "
                  "reaches the past only through examples and directions that stay on. n/a: "
                  "no seed left to measure. Left out of the agreement below.", ""]
    for when, text in (("init", "At initialisation"), ("trained", "At the last measurement")):
        a = summary["lyapunov_vs_decay"].get(when)
        if a is not None:
            rho = "n/a" if a["spearman"] is None else f"{a['spearman']:+.2f}"
            lines.append(f"- {text}, over {a['pairs']} points, lambda_1 / ln 10 and the decay "
                         f"rate differ by a median of {a['median_abs_difference']:.3f} decades "
                         f"per step (Spearman rank correlation {rho}).")
    lines += ["", "## Curse of memory: sensitivity against timescale (largest gap)", "",
              "Least-squares slope of log ||ds_T / d theta_unit|| on log timescale over every "
              "unit of every seed (`rec.analysis.parameter_sensitivity`), with the span of the "
              "timescales it is fitted over (largest / smallest). For the unnormalised linear "
              "unit h_t = lambda h_(t-1) + x_t the slope is 3/2 as lambda -> 1 (Zucchet & "
              "Orvieto 2024); a slope over a span near 1 says little.", "",
              "| cell | slope at init | span at init | slope trained | span trained |",
              "|---|---|---|---|---|"]
    for cell, r in rows:
        lines.append(f"| {cell} | " + " | ".join(
            _format(r.get(f"{k}_{w}"), ".2f" if k == "sensitivity_slope" else ".1f")
            for w in ("init", "trained") for k in ("sensitivity_slope", "timescale_span"))
            + " |")
    return lines


def _format(value, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _exponent(row, when: str) -> str:
    if row.get(f"lyapunov_collapsed_{when}"):
        return "-inf"
    return _format(row.get(f"lyapunov_max_{when}_decades"))


def plot_lyapunov_spectrum(points, cells, gap, plot_dir) -> bool:
    measured = [c for c in cells if "lyapunov" in points[(c, gap)]]
    if not measured:
        return False
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for cell in measured:
        spectrum = points[(cell, gap)]["lyapunov"]  # [seeds, measurements, K]
        index = np.arange(1, spectrum.shape[-1] + 1)
        color = plotting.color(cells, cell)
        plotting.band(ax, index, spectrum[:, 0], color, f"{cell}, init", "--")
        plotting.band(ax, index, spectrum[:, -1], color, f"{cell}, trained", "o-")
    ax.axhline(0.0, color="k", linewidth=0.8)
    ax.set_xlabel("exponent index i")
    ax.set_ylabel("lambda_i (ln per step)")
    ax.set_title(f"Lyapunov spectrum of the driven cell, gap {gap} (band: seeds)")
    ax.legend(fontsize=7, ncol=2)
    plotting.save(fig, plot_dir, "lyapunov_spectrum")
    return True


def plot_sensitivity_vs_timescale(points, cells, gap, plot_dir) -> bool:
    measured = [c for c in cells if "sensitivity" in points[(c, gap)]]
    if not measured:
        return False
    fig, axes = plt.subplots(1, len(measured), figsize=(3.6 * len(measured), 3.6),
                             squeeze=False)
    for ax, cell in zip(axes[0], measured, strict=True):
        p = points[(cell, gap)]
        for index, marker, label in ((0, "x", "init"), (-1, "o", "trained")):
            timescale = p["unit_timescales"][:, index].ravel()
            sensitivity = p["sensitivity"][:, index].ravel()
            # A growing unit (retention > 1) has a negative timescale: no place on a log axis.
            ok = (timescale > 0) & (sensitivity > 0) & np.isfinite(timescale * sensitivity)
            ax.scatter(timescale[ok], sensitivity[ok], s=10, marker=marker, alpha=0.6,
                       color=plotting.color(cells, cell) if index else "k",
                       label=f"{label} ({ok.sum()} of {ok.size} units)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # No crowded labels.
        ax.set_xlabel("unit timescale 1 / (1 - retention)")
        ax.set_title(cell)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("||ds_T / d theta_unit||")
    fig.suptitle(f"Curse of memory: sensitivity against timescale, gap {gap}, all seeds",
                 y=1.03)
    plotting.save(fig, plot_dir, "sensitivity_vs_timescale")
    return True
