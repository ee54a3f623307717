"""Figures of the vanishing-gradient study, drawn from its saved arrays.

    python -m experiments.plots WORKDIR      # redraws WORKDIR/plots/ and report.md

No retraining: everything comes from WORKDIR/points/*.npz. Each figure is
written as PNG and PDF:

  gradient_norms      log10 ||dL/ds_t|| against distance from the answer, one line
                      per cell, at initialisation and after training; key marked
  gradient_heatmap    training step x lag, per cell
  accuracy_vs_gap     held-out answer accuracy against gap (mean, min-max over
                      seeds), chance drawn
  jacobian_norms      spectral and Frobenius norms of ds_answer/ds_t against lag
  spectrum            singular values and eigenvalues of the recurrent matrices,
                      at initialisation and after training
"""

from __future__ import annotations

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown")


def _color(cells, cell):
    return COLORS[list(cells).index(cell) % len(COLORS)]


def _save(fig, plot_dir: str, name: str) -> None:
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(plot_dir, f"{name}.{ext}"), dpi=110, bbox_inches="tight")
    plt.close(fig)


def _log10(values):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(values)


def _band(ax, x, per_seed, color, label, style="-"):
    """Mean over seeds as a line, min-max over seeds as a band."""
    ax.plot(x, np.nanmean(per_seed, 0), style, color=color, label=label)
    if per_seed.shape[0] > 1:
        ax.fill_between(x, np.nanmin(per_seed, 0), np.nanmax(per_seed, 0), color=color,
                        alpha=0.2, linewidth=0)


def plot_gradient_norms(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, index, title in ((axes[0], 0, "at initialisation"), (axes[1], -1, "after training")):
        for cell in cells:
            p = points[(cell, gap)]
            norms = _log10(p["grad_norms"][:, index])
            _band(ax, np.arange(norms.shape[-1]), norms, _color(cells, cell), cell)
        ax.axvline(gap, color="k", linestyle="--", linewidth=1)
        ax.annotate("key (the first country)", (gap, 0.97), xycoords=("data", "axes fraction"),
                    ha="right", va="top", fontsize=8, rotation=90)
        step = int(points[(cells[0], gap)]["measured_steps"][index])
        ax.set_title(f"{title} (step {step})")
        ax.set_xlabel("distance from the answer (steps)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("log10 ||dL/ds_t||")
    axes[1].legend()
    fig.suptitle(f"Gradient of the answer's loss with respect to the state, gap {gap}")
    _save(fig, plot_dir, "gradient_norms")


def plot_gradient_heatmap(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(1, len(cells), figsize=(4.5 * len(cells), 3.6), squeeze=False)
    data = {cell: np.nanmean(_log10(points[(cell, gap)]["grad_norms"]), 0) for cell in cells}
    finite = np.concatenate([d[np.isfinite(d)] for d in data.values()])
    vmin, vmax = (np.percentile(finite, 2), finite.max()) if finite.size else (None, None)
    for ax, cell in zip(axes[0], cells, strict=True):
        steps = points[(cell, gap)]["measured_steps"]
        image = ax.imshow(data[cell], aspect="auto", origin="lower", cmap="viridis", vmin=vmin,
                          vmax=vmax, extent=(-0.5, data[cell].shape[1] - 0.5, -0.5,
                                             len(steps) - 0.5))
        ax.set_yticks(range(len(steps)), [str(s) for s in steps])
        ax.axvline(gap, color="w", linestyle="--", linewidth=1)
        ax.set_title(cell)
        ax.set_xlabel("distance from the answer (steps)")
    axes[0, 0].set_ylabel("training step")
    fig.colorbar(image, ax=axes[0].tolist(), label="log10 ||dL/ds_t||")
    fig.suptitle(f"Gradient norms during training, gap {gap} (key at the dashed line)")
    _save(fig, plot_dir, "gradient_heatmap")


def plot_accuracy_vs_gap(points, cells, gaps, plot_dir):
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    chance = None
    for cell in cells:
        done = [g for g in gaps if (cell, g) in points]
        accuracy = np.array([points[(cell, g)]["eval_accuracy"][:, -1] for g in done]).T
        _band(ax, done, accuracy, _color(cells, cell), cell, style="o-")
        chance = float(points[(cell, done[0])]["chance"])
    ax.axhline(chance, color="k", linestyle=":", label=f"chance ({chance:.3f})")
    ax.set_xscale("log", base=2)
    ax.set_xticks(gaps, [str(g) for g in gaps])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("gap (tokens between the key and the answer)")
    ax.set_ylabel("held-out answer accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Which cells bridge which gaps")
    _save(fig, plot_dir, "accuracy_vs_gap")


def plot_jacobian_norms(points, cells, gap, plot_dir):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, title in ((axes[0], "jac_spectral", "spectral norm"),
                           (axes[1], "jac_frobenius", "Frobenius norm")):
        for cell in cells:
            p = points[(cell, gap)]
            lags = np.arange(p[key].shape[-1])
            _band(ax, lags, _log10(p[key][:, 0]), _color(cells, cell), f"{cell}, init", "--")
            _band(ax, lags, _log10(p[key][:, -1]), _color(cells, cell), f"{cell}, trained")
        ax.axvline(gap, color="k", linestyle="--", linewidth=1)
        ax.set_title(f"||ds_answer / ds_t||, {title}")
        ax.set_xlabel("distance from the answer (steps)")
        ax.set_ylabel("log10 norm")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Jacobian products, gap {gap}")
    _save(fig, plot_dir, "jacobian_norms")


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
            color = COLORS[g % len(COLORS)]
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
    fig.suptitle(f"Recurrent matrices at initialisation and after training, gap {gap}")
    _save(fig, plot_dir, "spectrum")


def plot_study(workdir: str, points, config: dict) -> list[str]:
    """Draws every figure into WORKDIR/plots/; returns their base names."""
    plot_dir = os.path.join(workdir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    cells = [c for c in config["study"]["cells"] if any(k[0] == c for k in points)]
    gaps = list(config["study"]["gaps"])
    # The figures by lag use the largest gap that every cell has finished.
    common = [g for g in gaps if all((c, g) in points for c in cells)]
    gap = max(common)
    plot_gradient_norms(points, cells, gap, plot_dir)
    plot_gradient_heatmap(points, cells, gap, plot_dir)
    plot_accuracy_vs_gap(points, cells, gaps, plot_dir)
    plot_jacobian_norms(points, cells, gap, plot_dir)
    plot_spectrum(points, cells, gap, plot_dir)
    return ["gradient_norms", "gradient_heatmap", "accuracy_vs_gap", "jacobian_norms",
            "spectrum"]


def main(argv) -> None:
    from experiments import vanishing
    from experiments.errors import ConfigError

    if len(argv) != 2:
        sys.exit("usage: python -m experiments.plots WORKDIR")
    workdir = argv[1]
    if not os.path.exists(os.path.join(workdir, "config.json")):
        sys.exit(f"error: {workdir!r} is not a study workdir (no config.json)")
    try:
        vanishing.write_outputs(workdir)
    except ConfigError as e:
        sys.exit(f"error: {e}")
    print(f"plots and report written to {workdir}")


if __name__ == "__main__":
    main(sys.argv)
