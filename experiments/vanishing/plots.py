"""Figures of the vanishing-gradient study, drawn from its saved arrays alone.

Each figure is written as PNG and PDF into WORKDIR/plots/:

  steps_to_solve          steps to solve against gap, one line per cell (median over
                          seeds), log y; each seed a marker, censored seeds open at the
                          budget
  key_gradient_vs_steps   log10 ||dL/ds_key|| / ||dL/ds_answer|| at step 0 against the
                          steps to solve, one marker per (cell, gap, seed)
  key_gradient_training   log10 ||dL/ds_key|| against training step at the largest gap
  gradient_norms          log10 ||dL/ds_t|| against distance from the answer, one line
                          per cell, at initialisation and at the last measurement
  gradient_heatmap        measured training step x lag, per cell
  accuracy_vs_gap         final held-out answer accuracy against gap, chance drawn
  jacobian_norms          spectral and Frobenius norms of ds_answer/ds_t against lag
  spectrum                singular values and eigenvalues of the recurrent matrices,
                          at initialisation and at the last measurement

and, where the points measured them, `dynamics.FIGURES` (the Lyapunov spectrum and the
curse of memory).
"""

from __future__ import annotations

import os

import numpy as np

from experiments import plotting
from experiments.plotting import plt
from experiments.vanishing import dynamics

FIGURES = ("steps_to_solve", "key_gradient_vs_steps", "key_gradient_training",
           "gradient_norms", "gradient_heatmap", "accuracy_vs_gap", "jacobian_norms",
           "spectrum")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def key_gradient(point, index=0) -> np.ndarray:
    """log10 ||dL/ds_key|| / ||dL/ds_answer|| per seed at measurement `index`: how much
    of the answer's error signal reaches the key (lag = gap)."""
    norms = point["grad_norms"][:, index]
    return plotting.log10(norms[:, int(point["gap"])] / norms[:, 0])


def plot_steps_to_solve(points, cells, gaps, plot_dir):
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    budget = max(int(p["budget"]) for p in points.values())
    for i, cell in enumerate(cells):
        color = plotting.color(cells, cell)
        done = [g for g in gaps if (cell, g) in points]
        medians = []
        for g in done:
            p = points[(cell, g)]
            steps, solved = p["steps_to_solve"], p["solved"].astype(bool)
            # Seeds side by side around the gap (a log-2 axis: multiplicative offsets).
            offsets = g * 2.0 ** (0.06 * (np.arange(len(steps)) - (len(steps) - 1) / 2)
                                  + 0.02 * (i - (len(cells) - 1) / 2))
            ax.scatter(offsets[solved], steps[solved], color=color, s=18, zorder=3)
            ax.scatter(offsets[~solved], steps[~solved], facecolors="none", edgecolors=color,
                       s=18, zorder=3)
            medians.append(np.median(np.where(solved, steps, budget)))
        ax.plot(done, medians, "-", color=color, label=cell)
    ax.axhline(budget, color="k", linestyle=":", linewidth=1)
    ax.annotate(f"budget ({budget} steps): open markers did not solve", (0.01, budget),
                xycoords=("axes fraction", "data"), va="bottom", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(gaps, [str(g) for g in gaps])
    ax.set_xlabel("gap (tokens between the key and the answer)")
    ax.set_ylabel("training steps to solve")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("How long each cell takes to learn each distance")
    plotting.save(fig, plot_dir, "steps_to_solve")


def plot_key_gradient_vs_steps(points, cells, gaps, plot_dir, rho=None):
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for cell in cells:
        color = plotting.color(cells, cell)
        for g in gaps:
            if (cell, g) not in points:
                continue
            p = points[(cell, g)]
            x, steps = key_gradient(p, 0), p["steps_to_solve"]
            solved = p["solved"].astype(bool)
            marker = MARKERS[gaps.index(g) % len(MARKERS)]
            ax.scatter(x[solved], steps[solved], color=color, marker=marker, s=22)
            ax.scatter(x[~solved], steps[~solved], facecolors="none", edgecolors=color,
                       marker=marker, s=22)
    for cell in cells:
        ax.scatter([], [], color=plotting.color(cells, cell), marker="o", label=cell)
    for g in gaps:
        ax.scatter([], [], color="0.4", marker=MARKERS[gaps.index(g) % len(MARKERS)],
                   label=f"gap {g}")
    ax.set_yscale("log")
    ax.set_xlabel("log10 ||dL/ds_key|| / ||dL/ds_answer|| at initialisation")
    ax.set_ylabel("training steps to solve (open: censored at the budget)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=2, loc="best")
    title = "Does the gradient at the key predict learning time?"
    if rho is not None:
        title += f"  (Spearman {rho:+.2f})"
    ax.set_title(title)
    plotting.save(fig, plot_dir, "key_gradient_vs_steps")


def plot_key_gradient_training(points, cells, gap, plot_dir):
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for cell in cells:
        p = points[(cell, gap)]
        steps = p["measured_steps"]
        key = plotting.log10(p["grad_norms"][:, :, gap])  # [seeds, measurements]
        # Step 0 drawn at 1 step on the log axis.
        plotting.band(ax, np.maximum(steps, 1), key, plotting.color(cells, cell), cell, "o-")
    ax.set_xscale("log")
    ax.set_xlabel("training step (step 0 drawn at 1)")
    ax.set_ylabel("log10 ||dL/ds_key||")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title(f"The gradient that reaches the key during training, gap {gap}")
    plotting.save(fig, plot_dir, "key_gradient_training")


def plot_gradient_norms(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, index, title in ((axes[0], 0, "at initialisation"),
                             (axes[1], -1, "at the last measurement")):
        for cell in cells:
            p = points[(cell, gap)]
            norms = plotting.log10(p["grad_norms"][:, index])
            step = int(p["measured_steps"][index])
            label = cell if index == 0 else f"{cell} (step {step})"
            plotting.band(ax, np.arange(norms.shape[-1]), norms, plotting.color(cells, cell),
                          label)
        ax.axvline(gap, color="k", linestyle="--", linewidth=1)
        ax.annotate("key (the first country)", (gap, 0.97), xycoords=("data", "axes fraction"),
                    ha="right", va="top", fontsize=8, rotation=90)
        ax.set_title(title)
        ax.set_xlabel("distance from the answer (steps)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("log10 ||dL/ds_t||")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Gradient of the answer's loss with respect to the state, gap {gap}")
    plotting.save(fig, plot_dir, "gradient_norms")


def plot_gradient_heatmap(points, cells, gap, plot_dir):
    columns = min(len(cells), 4)
    rows = -(-len(cells) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.5 * columns, 3.6 * rows),
                             squeeze=False)
    data = {cell: np.nanmean(plotting.log10(points[(cell, gap)]["grad_norms"]), 0)
            for cell in cells}
    finite = np.concatenate([d[np.isfinite(d)] for d in data.values()])
    vmin, vmax = (np.percentile(finite, 2), finite.max()) if finite.size else (None, None)
    for ax, cell in zip(axes.flat, cells, strict=False):
        steps = points[(cell, gap)]["measured_steps"]
        image = ax.imshow(data[cell], aspect="auto", origin="lower", cmap="viridis", vmin=vmin,
                          vmax=vmax, extent=(-0.5, data[cell].shape[1] - 0.5, -0.5,
                                             len(steps) - 0.5))
        ax.set_yticks(range(len(steps)), [str(s) for s in steps], fontsize=7)
        ax.axvline(gap, color="w", linestyle="--", linewidth=1)
        ax.set_title(cell)
        ax.set_xlabel("distance from the answer (steps)")
        ax.set_ylabel("training step")
    for ax in list(axes.flat)[len(cells):]:
        ax.set_axis_off()
    fig.colorbar(image, ax=axes.ravel().tolist(), label="log10 ||dL/ds_t||")
    fig.suptitle(f"Gradient norms during training, gap {gap} (key at the dashed line)")
    plotting.save(fig, plot_dir, "gradient_heatmap")


def plot_accuracy_vs_gap(points, cells, gaps, plot_dir):
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    chance = None
    for cell in cells:
        done = [g for g in gaps if (cell, g) in points]
        accuracy = np.array([points[(cell, g)]["eval_curve"][:, -1] for g in done]).T
        plotting.band(ax, done, accuracy, plotting.color(cells, cell), cell, style="o-")
        chance = float(points[(cell, done[0])]["chance"])
    ax.axhline(chance, color="k", linestyle=":", label=f"chance ({chance:.3f})")
    ax.set_xscale("log", base=2)
    ax.set_xticks(gaps, [str(g) for g in gaps])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("gap (tokens between the key and the answer)")
    ax.set_ylabel("final held-out answer accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Which cells bridge which gaps (at the point's stop)")
    plotting.save(fig, plot_dir, "accuracy_vs_gap")


def plot_jacobian_norms(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, title in ((axes[0], "jac_spectral", "spectral norm"),
                           (axes[1], "jac_frobenius", "Frobenius norm")):
        for cell in cells:
            p = points[(cell, gap)]
            lags = np.arange(p[key].shape[-1])
            color = plotting.color(cells, cell)
            plotting.band(ax, lags, plotting.log10(p[key][:, 0]), color, f"{cell}, init", "--")
            plotting.band(ax, lags, plotting.log10(p[key][:, -1]), color, f"{cell}, trained")
        ax.axvline(gap, color="k", linestyle="--", linewidth=1)
        ax.set_title(f"||ds_answer / ds_t||, {title}")
        ax.set_xlabel("distance from the answer (steps)")
        ax.set_ylabel("log10 norm")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Jacobian products, gap {gap}")
    plotting.save(fig, plot_dir, "jacobian_norms")


def plot_spectrum(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(2, len(cells), figsize=(4.5 * len(cells), 8), squeeze=False)
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for column, cell in enumerate(cells):
        p = points[(cell, gap)]
        gates = [str(g) for g in p["matrix_names"]]
        top, bottom = axes[0, column], axes[1, column]
        if not gates:
            for ax in (top, bottom):
                ax.text(0.5, 0.5, f"{cell}: no recurrent weights\n(gates read the input only)",
                        ha="center", va="center", transform=ax.transAxes)
                ax.set_axis_off()
            continue
        for g, gate in enumerate(gates):
            color = plotting.COLORS[g % len(plotting.COLORS)]
            for index, style, label in ((0, "--", "init"), (-1, "-", "trained")):
                values = p["singular_values"][0, index, g]
                top.plot(np.arange(1, len(values) + 1), values, style, color=color,
                         label=f"W_{gate}, {label}")
            for index, marker, alpha in ((0, "x", 0.4), (-1, "o", 0.8)):
                eig = p["eigenvalues"][0, index, g]
                bottom.scatter(eig.real, eig.imag, s=10, marker=marker, color=color, alpha=alpha,
                               label=f"W_{gate}, {'init' if index == 0 else 'trained'}")
        top.axhline(1.0, color="k", linewidth=0.8)
        top.set_yscale("log")
        top.set_title(f"{cell}: singular values (seed {int(p['seeds'][0])})")
        top.set_xlabel("index")
        top.legend(fontsize=7)
        bottom.plot(circle.real, circle.imag, "k", linewidth=0.8)
        bottom.set_aspect("equal")
        bottom.set_title(f"{cell}: eigenvalues")
        bottom.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Recurrent matrices at initialisation and at the last measurement, gap {gap}")
    plotting.save(fig, plot_dir, "spectrum")


def plot_study(workdir: str, points, config: dict, rho: float | None = None) -> list[str]:
    """Draws every figure into WORKDIR/plots/ from `points` (the saved arrays); returns
    their base names. `rho`: the Spearman correlation to print on the scatter."""
    plot_dir = os.path.join(workdir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    cells = [c for c in config["study"]["cells"] if any(k[0] == c for k in points)]
    gaps = list(config["study"]["gaps"])
    # The figures by lag use the largest gap that every cell has finished.
    common = [g for g in gaps if all((c, g) in points for c in cells)]
    gap = max(common) if common else None
    plot_steps_to_solve(points, cells, gaps, plot_dir)
    plot_key_gradient_vs_steps(points, cells, gaps, plot_dir, rho)
    plot_accuracy_vs_gap(points, cells, gaps, plot_dir)
    if gap is None:
        return ["steps_to_solve", "key_gradient_vs_steps", "accuracy_vs_gap"]
    plot_key_gradient_training(points, cells, gap, plot_dir)
    plot_gradient_norms(points, cells, gap, plot_dir)
    plot_gradient_heatmap(points, cells, gap, plot_dir)
    plot_jacobian_norms(points, cells, gap, plot_dir)
    plot_spectrum(points, cells, gap, plot_dir)
    drawn = [name for name, draw in (("lyapunov_spectrum", dynamics.plot_lyapunov_spectrum),
                                     ("sensitivity_vs_timescale",
                                      dynamics.plot_sensitivity_vs_timescale))
             if draw(points, cells, gap, plot_dir)]
    return list(FIGURES) + drawn
