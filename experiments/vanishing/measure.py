"""The gradient measurements of the study, for every seed of a point at once.

At a measured step, each seed is measured on the same held-out examples:

  grad_norms     ||dL/ds_t|| for the loss on the answer, by lag k = answer - t
                 (mean over examples); the key country is at lag = gap
  jac_spectral   ||ds_answer/ds_t||_2   (Jacobian products, by lag)
  jac_frobenius  ||ds_answer/ds_t||_F
  timescales     1 / (1 - mean retention) per unit (gated cells; NaN otherwise)
  lyapunov       the leading `analysis.lyapunov_exponents` Lyapunov exponents (natural
                 log per step) of the cell driven by the held-out inputs, mean over the
                 Jacobian examples (`rec.analysis.lyapunov_spectrum`)
  sensitivity    per recurrent unit, ||ds_T / d theta_unit|| (the curse of memory,
  unit_timescales  `rec.analysis.parameter_sensitivity`, `analysis.sensitivity_probes`
                 random probes) and the unit's timescale, on the Jacobian examples
  singular_values, eigenvalues   of each gate's recurrent matrix

The by-lag arrays are `[seeds, lags]` with lags 0..T-1 (NaN past a sequence's start).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

import recurrent as rec
from experiments.tasks import Batch

BY_LAG = ("grad_norms", "jac_spectral", "jac_frobenius")


def answer_loss_fn(params, batch: Batch):
    """The loss on the answer, as a function of the recurrent outputs `ys`."""
    kernel, bias = params["readout"]["kernel"], params["readout"]["bias"]

    def loss_fn(ys):
        losses = optax.softmax_cross_entropy_with_integer_labels(ys @ kernel + bias,
                                                                 batch.targets)
        return jnp.sum(losses * batch.metric_mask) / jnp.sum(batch.metric_mask)
    return loss_fn


def measure(params, batch: Batch, *, cell, jacobian_examples: int, power_iterations: int,
            lyapunov_exponents: int = 0, sensitivity_probes: int = 0):
    """Gradient and Jacobian-product norms by lag, gate timescales and, when asked for,
    Lyapunov exponents and parameter sensitivities, for one seed."""
    xs = params["embed"]["embedding"][batch.inputs]
    cell_params = params["recurrent"]["cell"]
    answer = batch.lengths - 1
    max_lag = batch.inputs.shape[1] - 1
    grads = rec.analysis.state_grads(cell, cell_params, xs, answer_loss_fn(params, batch),
                                     lengths=batch.lengths)
    norms = rec.analysis.by_lag(rec.analysis.carry_norms(grads), answer, max_lag)
    n = jacobian_examples
    jacobians = rec.analysis.jacobian_norms(cell, cell_params, xs[:n], lengths=batch.lengths[:n],
                                            num_iterations=power_iterations)
    timescales = (rec.analysis.gate_timescales(cell, cell_params, xs,
                                               lengths=batch.lengths).timescale
                  if cell.has_retention_gate else jnp.full(cell.hidden_size, jnp.nan))
    measured = {}
    if lyapunov_exponents:
        exponents = rec.analysis.lyapunov_spectrum(cell, cell_params, xs[:n],
                                                   num_exponents=lyapunov_exponents,
                                                   lengths=batch.lengths[:n])
        measured["lyapunov"] = jnp.mean(exponents, 0)
    if sensitivity_probes:
        sensitivity = rec.analysis.parameter_sensitivity(
            cell, cell_params, xs[:n], lengths=batch.lengths[:n], num_probes=sensitivity_probes)
        measured.update(sensitivity=sensitivity.sensitivity,
                        unit_timescales=sensitivity.timescale)
    return measured | {
        "grad_norms": jnp.nanmean(norms, 0),
        "jac_spectral": jnp.nanmean(rec.analysis.by_lag(jacobians.spectral, answer[:n],
                                                        max_lag), 0),
        "jac_frobenius": jnp.nanmean(rec.analysis.by_lag(jacobians.frobenius, answer[:n],
                                                         max_lag), 0),
        "timescales": timescales,
    }


@functools.partial(jax.jit, static_argnames=("cell", "jacobian_examples", "power_iterations",
                                             "lyapunov_exponents", "sensitivity_probes"))
def measure_seeds(params, batch: Batch, *, cell, jacobian_examples: int, power_iterations: int,
                  lyapunov_exponents: int = 0, sensitivity_probes: int = 0):
    """`measure` for every seed (leading axis of `params`) in one program.

    Module-level, with the cell static, so points of the same shape share one
    compilation."""
    return jax.vmap(lambda p: measure(
        p, batch, cell=cell, jacobian_examples=jacobian_examples,
        power_iterations=power_iterations, lyapunov_exponents=lyapunov_exponents,
        sensitivity_probes=sensitivity_probes))(params)


def spectra(cell, cell_params_seeds) -> dict[str, np.ndarray]:
    """Singular values and eigenvalues of each recurrent matrix, `[seeds, matrices, H]`.

    Cells whose recurrence has no weights (MinGRU) have zero matrices."""
    seeds = len(jax.tree_util.tree_leaves(cell_params_seeds)[0])
    singular_values, eigenvalues = [], []
    for s in range(seeds):
        params = jax.tree_util.tree_map(lambda p, s=s: np.asarray(p[s]), cell_params_seeds)
        matrices = cell.recurrent_matrices(params)
        if all(np.isfinite(m).all() for m in matrices.values()):
            spectrum = rec.analysis.recurrent_spectrum(cell, params)
            singular_values.append([m.singular_values for m in spectrum.values()])
            eigenvalues.append([m.eigenvalues for m in spectrum.values()])
        else:  # A diverged seed: no spectrum.
            singular_values.append([np.full(cell.hidden_size, np.nan) for _ in matrices])
            eigenvalues.append([np.full(cell.hidden_size, np.nan + 0j) for _ in matrices])
    shape = (seeds, -1, cell.hidden_size)
    return {"singular_values": np.array(singular_values).reshape(shape),
            "eigenvalues": np.array(eigenvalues).reshape(shape)}


def matrix_names(cell, cell_params_seeds) -> np.ndarray:
    """The names of the recurrent matrices that `spectra` measures, in its order."""
    params = jax.tree_util.tree_map(lambda p: p[0], cell_params_seeds)
    return np.asarray(list(cell.recurrent_matrices(params)), dtype=str)
