"""The study's statistics: medians of censored learning times and rank correlations."""

from __future__ import annotations

import numpy as np
import scipy.stats


def median_steps(steps: np.ndarray, solved: np.ndarray) -> tuple[float, bool]:
    """The median of steps to solve, with censored seeds counted as beyond the budget.

    Returns `(median, censored)`: censored when the median seed did not solve (then
    `median` is the budget, a lower bound)."""
    order = np.lexsort((steps, ~solved))  # Solved seeds by step, then the censored ones.
    ranked_steps, ranked_solved = steps[order], solved[order]
    n = len(steps)
    middle = [(n - 1) // 2, n // 2]
    if not ranked_solved[middle].all():
        return float(ranked_steps[middle[-1]]), True
    return float(np.mean(ranked_steps[middle])), False


def spearman(x, y) -> float | None:
    """Spearman's rank correlation (ties averaged), or None for fewer than 3 points
    or a constant variable."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(scipy.stats.spearmanr(x, y).statistic)
