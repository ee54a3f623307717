"""The fused unroll: a custom VJP for cells whose step is a recurrent product
followed by element-wise gating.

A cell that splits its transition as

    px_t = project_inputs(params, x_t)                 # x_t @ w_ih + b
    r_t = project_carry(params, s_{t-1})               # h_{t-1} @ w_hh: the recurrent product
    s_t = pointwise_transition(s_{t-1}, px_t, r_t)     # the gates: element-wise, no weights

is unrolled here with a hand-written backward pass, the way cuDNN trains RNNs:

* the forward scan keeps, per step, the residuals of the gating's derivative
  (`Cell.pointwise_vjp`: by default whatever `jax.vjp` keeps; the LSTM keeps its
  four gate activations, c_{t-1} and tanh c_t) and the states;
* the backward scan carries only the error dL/ds_t: per step it applies the
  gating's pullback (element-wise) and one product with the transposed recurrent
  kernel, dL/ds_{t-1} += dL/dr_t w_hh^T;
* the weight gradients are then one large matrix product each over all T*B rows,
  dL/dw_hh = S_prev^T dL/dR and dL/dw_ih = X^T dL/dPX, instead of T small products
  accumulated inside the loop (what `jax.grad` of a plain `lax.scan` does).

The input projection runs inside the forward loop (one small product per step)
rather than before it: on XLA:CPU a [T, B, G*H] buffer of projected inputs costs
more in memory traffic than the per-step product, and reading gate blocks of a
step of it compiles to slow code (docs/performance.md has the measurements).

Values and gradients equal the plain scan's (`gradient="autodiff"` in
`rec.unroll`) to float32 rounding; the tests check this for every cell, with and
without `lengths`. A custom VJP supports reverse-mode differentiation only:
forward mode (`jax.jvp`, `jax.jacfwd`, `jax.hessian`) needs `gradient="autodiff"`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

_map = jax.tree_util.tree_map


def scan_fused(cell, params, xs_TxBxI, carry, lengths_B, *, reverse=False, unroll=1,
               remat=False, perturbation=None):
    """Same contract and results as `recurrent.base.scan_cell`, with the fused backward.

    The readout runs on all steps at once after the loop (it depends on the
    step's carry and projected input only), so the loop holds nothing but the
    recurrence.
    """
    steps = xs_TxBxI.shape[0]
    valid_TxB = None
    if lengths_B is not None:
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
    states = _recurrence(cell, bool(reverse), int(unroll), bool(remat), params, xs_TxBxI, carry,
                         valid_TxB, perturbation)
    # (The projection is dead code for readouts that do not read it.)
    ys = cell.readout(params, states, cell.project_inputs(params, xs_TxBxI))
    if valid_TxB is not None:
        ys = jnp.where(valid_TxB[..., None], ys, jnp.zeros_like(ys))
    last = 0 if reverse else steps - 1
    return ys, _map(lambda s: s[last], states)


def _expand(valid_B, like):
    return valid_B.reshape(valid_B.shape + (1,) * (like.ndim - valid_B.ndim))


def _gating(cell, state, projected_t, recurrent_t, perturbation_t, valid_B):
    """The carry after one step, and the pullback (VJP) of its gating."""
    new, pullback = cell.pointwise_vjp(state, projected_t, recurrent_t)
    if perturbation_t is not None:
        new = _map(jnp.add, new, perturbation_t)
    if valid_B is not None:
        new = _map(lambda n, o: jnp.where(_expand(valid_B, n), n, o), new, state)
    return new, pullback


def _forward(cell, reverse, unroll, remat, params, xs, carry, valid_TxB, perturbation):
    def body(state, inputs):
        x_t, perturbation_t, valid_B = inputs
        new, pullback = _gating(cell, state, cell.project_inputs(params, x_t),
                                cell.project_carry(params, state), perturbation_t, valid_B)
        return new, (new, None if remat else pullback)

    _, (states, pullbacks) = jax.lax.scan(body, carry, (xs, perturbation, valid_TxB),
                                          reverse=reverse, unroll=unroll)
    return states, pullbacks


def _previous(states, carry, reverse):
    """s_{t-1} for every step t, in processing order (the initial carry first)."""
    if reverse:
        return _map(lambda s, c: jnp.concatenate([s[1:], c[None]], 0), states, carry)
    return _map(lambda s, c: jnp.concatenate([c[None], s[:-1]], 0), states, carry)


def _flat(tree, steps_and_batch):
    """[T, B, ...] -> [T*B, ...] for every leaf (large 2-D products, no transposes)."""
    return _map(lambda a: a.reshape((-1,) + a.shape[len(steps_and_batch):]), tree)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3))
def _recurrence(cell, reverse, unroll, remat, params, xs, carry, valid_TxB, perturbation):
    return _forward(cell, reverse, unroll, remat, params, xs, carry, valid_TxB, perturbation)[0]


def _recurrence_fwd(cell, reverse, unroll, remat, params, xs, carry, valid_TxB, perturbation):
    states, pullbacks = _forward(cell, reverse, unroll, remat, params, xs, carry, valid_TxB,
                                 perturbation)
    return states, (params, xs, carry, valid_TxB, perturbation, states, pullbacks)


def _recurrence_bwd(cell, reverse, unroll, remat, residuals, states_bar):
    params, xs, carry, valid_TxB, perturbation, states, pullbacks = residuals
    previous = _previous(states, carry, reverse)
    through_kernel = cell.project_carry_transpose(params, carry)

    def body(state_bar, inputs):
        previous_t, x_t, pullback, output_bar_t, valid_B = inputs
        state_bar = _map(jnp.add, state_bar, output_bar_t)
        held_bar = None
        if valid_B is not None:  # Past the end the carry is copied: its error passes back.
            held_bar = _map(lambda g: jnp.where(_expand(valid_B, g), 0, g), state_bar)
            state_bar = _map(lambda g: jnp.where(_expand(valid_B, g), g, 0), state_bar)
        if pullback is None:  # remat: recompute the step instead of storing it.
            _, pullback = cell.pointwise_vjp(previous_t, cell.project_inputs(params, x_t),
                                             cell.project_carry(params, previous_t))
        previous_bar, projected_bar, recurrent_bar = pullback(state_bar)
        previous_bar = _map(jnp.add, previous_bar, through_kernel(recurrent_bar))
        if held_bar is not None:
            previous_bar = _map(jnp.add, previous_bar, held_bar)
        same = projected_bar is recurrent_bar  # e.g. z = px + r: store the error once.
        return previous_bar, (None if same else projected_bar, recurrent_bar,
                              None if perturbation is None else state_bar)

    zeros = _map(jnp.zeros_like, carry)
    carry_bar, (projected_bar, recurrent_bar, perturbation_bar) = jax.lax.scan(
        body, zeros, (previous if remat else None, xs if remat else None, pullbacks,
                      states_bar, valid_TxB),
        reverse=not reverse, unroll=unroll)
    if projected_bar is None:
        projected_bar = recurrent_bar
    # The weight gradients: one large matrix product over all steps each.
    steps_and_batch = xs.shape[:2]
    params_bar, xs_bar = jax.vjp(cell.project_inputs, params, _flat(xs, steps_and_batch))[1](
        _flat(projected_bar, steps_and_batch))
    (carry_params_bar,) = jax.vjp(
        lambda p: cell.project_carry(p, _flat(previous, steps_and_batch)), params)[1](
        _flat(recurrent_bar, steps_and_batch))
    params_bar = _map(jnp.add, params_bar, carry_params_bar)
    return params_bar, xs_bar.reshape(xs.shape), carry_bar, None, perturbation_bar


_recurrence.defvjp(_recurrence_fwd, _recurrence_bwd)
