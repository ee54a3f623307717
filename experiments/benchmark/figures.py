"""Heatmaps of the per-process timings: ours against the fastest peer at every shape."""

from __future__ import annotations

import os

import numpy as np

from experiments import plotting
from experiments.plotting import plt


def speed_heatmaps(ratios: list[dict], plot_dir: str) -> list[str]:
    """One figure per cell and policy: the fastest peer's training step over ours (above 1:
    ours is faster), over B x H, one panel per T. Returns the names written."""
    os.makedirs(plot_dir, exist_ok=True)
    written = []
    for cell, policy in dict.fromkeys((r["cell"], r["policy"]) for r in ratios):
        mine = [r for r in ratios if (r["cell"], r["policy"]) == (cell, policy)]
        steps = sorted({r["T"] for r in mine})
        batches, hiddens = sorted({r["B"] for r in mine}), sorted({r["H"] for r in mine})
        fig, axes = plt.subplots(1, len(steps), figsize=(3.2 * len(steps), 2.8), squeeze=False)
        for ax, steps_t in zip(axes[0], steps, strict=True):
            grid = np.full((len(batches), len(hiddens)), np.nan)
            for r in mine:
                if r["T"] == steps_t:
                    grid[batches.index(r["B"]), hiddens.index(r["H"])] = r["train_over_best_peer"]
            image = ax.imshow(grid, cmap="RdYlGn", vmin=0.5, vmax=1.5, origin="lower")
            for (i, j), value in np.ndenumerate(grid):
                if not np.isnan(value):
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
            ax.set_xticks(range(len(hiddens)), hiddens)
            ax.set_yticks(range(len(batches)), batches)
            ax.set_xlabel("H")
            ax.set_ylabel("B")
            ax.set_title(f"T = {steps_t}")
        fig.colorbar(image, ax=axes[0].tolist(), label="fastest peer / ours")
        fig.suptitle(f"{cell}: training step, each framework in its own process ({policy})")
        name = f"speed_{cell}_{policy}"
        plotting.save(fig, plot_dir, name)
        written.append(name)
    return written
