"""The cost of `rec.analysis.state_grads` (dL/ds_t for every t) against a training step."""

from __future__ import annotations

import jax

import recurrent as rec
from experiments.benchmark.timing import compile_once, inputs, interleaved_medians, loss_of_outputs


def measure(cell_name, shape, seed, repeats) -> dict:
    """`rec.analysis.state_grads` against a training step of the same loss, in turns."""
    cell = rec.make_cell(cell_name, hidden_size=shape[3])
    params = cell.init(jax.random.key(seed), shape[2])
    xs = inputs(shape, seed)
    train = compile_once(jax.grad(
        lambda p, x: loss_of_outputs(rec.unroll(cell, p, x)[0])), params, xs)[0]
    grads = compile_once(
        lambda p, x: rec.analysis.state_grads(cell, p, x, loss_of_outputs), params, xs)[0]
    medians = interleaved_medians(
        {"train": lambda: jax.block_until_ready(train(params, xs)),
         "state_grads": lambda: jax.block_until_ready(grads(params, xs))}, repeats)
    train_s, grads_s = medians["train"], medians["state_grads"]
    return {"cell": cell_name, "shape": list(shape), "train_ms": 1e3 * train_s,
            "state_grads_ms": 1e3 * grads_s, "ratio": grads_s / train_s}
