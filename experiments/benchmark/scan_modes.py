"""Sequential against parallel unrolling of the cells whose recurrence is linear."""

from __future__ import annotations

import jax
import jax.numpy as jnp

import recurrent as rec
from experiments.benchmark.timing import compile_once, interleaved_medians


def linear_cells() -> list[str]:
    """The registered cells with a parallel form (`rec.LinearCell`s)."""
    return [n for n in rec.cell_names() if issubclass(rec.get_cell_class(n), rec.LinearCell)]


def measure(cell_name: str, steps: int, batch: int, width: int, seed: int,
            repeats: int) -> dict:
    """Forward + backward time of one unroll in each mode (and what "auto" picks)."""
    cell = rec.make_cell(cell_name, hidden_size=width)
    params = cell.init(jax.random.key(seed), width)
    xs = jax.random.normal(jax.random.key(seed + 1), (batch, steps, width))
    row = {"cell": cell_name, "T": steps, "B": batch, "width": width}
    calls = {}
    for mode in ("sequential", "parallel", "auto"):
        grad = compile_once(jax.grad(lambda p, xs, mode=mode: jnp.sum(
            rec.unroll(cell, p, xs, mode=mode)[0] ** 2)), params, xs)[0]
        calls[mode] = lambda grad=grad: jax.block_until_ready(grad(params, xs))
    for mode, seconds in interleaved_medians(calls, repeats).items():
        row[f"{mode}_ms"] = 1e3 * seconds
    row["auto_over_best"] = row["auto_ms"] / min(row["sequential_ms"], row["parallel_ms"])
    row["auto_picks"] = rec.auto_mode()
    return row
