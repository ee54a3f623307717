"""The cost of the analysis instruments against a training step of the same cell and shape:
`rec.analysis.state_grads` (dL/ds_t for every t), `lyapunov_spectrum` (the leading
`exponents` Lyapunov exponents) and `parameter_sensitivity` (`probes` random probes)."""

from __future__ import annotations

import jax

import recurrent as rec
from experiments.benchmark.timing import compile_once, inputs, interleaved_medians, loss_of_outputs


def measure(cell_name, shape, seed, repeats, exponents: int = 0, probes: int = 0) -> dict:
    """Each instrument against a training step of the same loss, timed in turns; the
    Lyapunov and sensitivity rows only when `exponents` / `probes` > 0."""
    cell = rec.make_cell(cell_name, hidden_size=shape[3])
    params = cell.init(jax.random.key(seed), shape[2])
    xs = inputs(shape, seed)
    programs = {
        "train": jax.grad(lambda p, x: loss_of_outputs(rec.unroll(cell, p, x)[0])),
        "state_grads": lambda p, x: rec.analysis.state_grads(cell, p, x, loss_of_outputs)}
    if exponents:
        programs["lyapunov"] = lambda p, x: rec.analysis.lyapunov_spectrum(
            cell, p, x, num_exponents=exponents)
    if probes:
        programs["sensitivity"] = lambda p, x: rec.analysis.parameter_sensitivity(
            cell, p, x, num_probes=probes).sensitivity
    compiled = {name: compile_once(fn, params, xs)[0] for name, fn in programs.items()}
    medians = interleaved_medians(
        {name: (lambda fn=fn: jax.block_until_ready(fn(params, xs)))
         for name, fn in compiled.items()}, repeats)
    train_s = medians["train"]
    row = {"cell": cell_name, "shape": list(shape), "train_ms": 1e3 * train_s,
           "state_grads_ms": 1e3 * medians["state_grads"],
           "ratio": medians["state_grads"] / train_s,
           "lyapunov_exponents": exponents, "sensitivity_probes": probes}
    for name in ("lyapunov", "sensitivity"):
        if name in medians:
            row[f"{name}_ms"] = 1e3 * medians[name]
            row[f"{name}_ratio"] = medians[name] / train_s
    return row
