"""What every figure of the experiments shares: colours, bands, log scales, saving.

Matplotlib runs headless (the Agg backend); each figure is written as PNG and PDF.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown",
          "tab:pink", "tab:gray", "tab:olive", "tab:cyan")


def color(names, name) -> str:
    """The colour of `name`, by its position in `names` (stable across figures)."""
    return COLORS[list(names).index(name) % len(COLORS)]


def save(fig, plot_dir: str, name: str) -> None:
    """Writes `fig` as `plot_dir/name.png` and `.pdf`, then closes it."""
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(plot_dir, f"{name}.{ext}"), dpi=110, bbox_inches="tight")
    plt.close(fig)


def log10(values):
    """log10 with zeros as -inf and NaNs kept, without warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(values)


def band(ax, x, per_seed, color, label, style="-"):
    """Mean over seeds (axis 0) as a line, min-max over seeds as a band."""
    ax.plot(x, np.nanmean(per_seed, 0), style, color=color, label=label)
    if per_seed.shape[0] > 1:
        ax.fill_between(x, np.nanmin(per_seed, 0), np.nanmax(per_seed, 0), color=color,
                        alpha=0.2, linewidth=0)
