"""Newton unrolls: every cell's whole trajectory solved at once, parallel over time.

The sequential recurrence `s_t = f(s_{t-1}, x_t)` is a system of T equations in the
trajectory `s_1..s_T`. Newton's method linearises every step around the current
guess of the trajectory,

    s_t ~ f(g_{t-1}) + J_t (s_{t-1} - g_{t-1}),   J_t = df/ds at the guess g_{t-1},

and solves the resulting *linear* recurrence for all steps with
`jax.lax.associative_scan` (depth O(log T)); repeated, it converges quadratically
for contracting cells and in at most T iterations always (in exact arithmetic,
each iteration makes at least one more leading step exact). This is DEER (Lim et
al. 2024); with `jacobian="diagonal"` only the Jacobians' diagonals are kept,
so each scan is element-wise (quasi-DEER, Gonzalez et al. 2024), at the price of
linear instead of quadratic convergence.

The iteration starts from the initial carry repeated over time, or from a given
trajectory (`rec.unroll(..., initial_guess=states)`: a warm start, for example from the
previous training step's states, `rec.analysis.newton_info(...).states`); a guess that is
already the fixed point converges in one iteration.

Each iteration is written in update form: with the residual `r_t = f(g_{t-1}) - g_t`,
the update `e = s_new - g` solves `e_t = J_t e_{t-1} + r_t` (`e_0 = 0`), which
keeps the fixed point's rounding at the residual's and not at the states'.

The carry is flattened per example into a vector of size S (all its fields, e.g.
S = 2H for the LSTM); the solver needs nothing but the cell's `transition` and
`readout`, so it has no per-cell code.

References:
  Lim, Zhu, Selfridge & Kasim (2024), "Parallelizing non-linear sequential models
  over the sequence length", ICLR, arXiv:2309.12252.
  Gonzalez, Warrington, Smith & Linderman (2024), "Towards scalable and stable
  parallelization of nonlinear RNNs", NeurIPS, arXiv:2407.19115.
  Danieli et al. (2025), "ParaRNN: Unlocking parallel training of nonlinear RNNs
  for large language models", arXiv:2510.21450.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

JACOBIANS = ("full", "diagonal")
FALLBACKS = ("sequential", "mark")


@dataclasses.dataclass(frozen=True)
class Newton:
    """Options of `rec.unroll(..., mode=rec.Newton(...))`; `mode="newton"` is `Newton()`.

    Attributes:
      jacobian: "full" (DEER: the S x S step Jacobians, an associative scan of matrix
        products, quadratic convergence) or "diagonal" (quasi-DEER: their diagonals
        only, an element-wise scan, linear convergence). For cells whose Jacobian is
        diagonal (IndRNN) both are the same method. Both compute the Jacobians with
        `jax.jacfwd` of the transition, i.e. S JVPs per step and example; "diagonal"
        saves the S x S scan (memory and matrix products), not those JVPs.
      max_iterations: at most this many Newton iterations; None means T, the number
        that suffices in exact arithmetic for the undamped method.
      tolerance: the iteration stops (converged) when the largest change of any state entry,
        `max |s_new - s_old|`, is at most `tolerance * max(1, max |s|)` (absolute for
        states of size up to 1, as those of tanh cells, relative beyond). The default
        1e-6 is about eight float32 rounding errors of a unit-sized state. At the
        end the result also counts as converged if the residual is that small.
      damping: lambda >= 0. 0 is plain Newton. With lambda > 0 every step of the
        update is shrunk, `e_t = (J_t e_{t-1} + r_t) / (1 + lambda)`: each step's
        update minimises `|e_t - (J_t e_{t-1} + r_t)|^2 + lambda |e_t|^2` given the
        previous step's (a causal, filtering simplification of the
        Levenberg-Marquardt smoother of ELK, Gonzalez et al. 2024). It keeps the
        products of Jacobians bounded where they explode (chaotic cells); the fixed
        point is unchanged, but convergence is no longer guaranteed within T
        iterations.
      fallback: what happens when the iteration stops without converging (at
        `max_iterations`, or at a non-finite update): "sequential" (default)
        recomputes the trajectory exactly with the sequential scan (`jax.lax.cond`,
        so only when needed); "mark" returns NaN states and outputs, so an
        unconverged result is never used silently. `rec.analysis.newton_info`
        reports iterations, residual and convergence either way.

    The iteration starts from the initial carry repeated over time, or from the
    trajectory given as `rec.unroll(..., initial_guess=...)` (a warm start); the
    result does not depend on the guess, only the number of iterations does.

    Gradients (reverse mode only) come from a custom VJP at the converged
    trajectory: the adjoint recurrence `lambda_{t-1} = J_t^T lambda_t + dL/ds_{t-1}`
    is solved with the same associative scan, always with the full Jacobians (exact
    gradients need them), then one VJP of the transition over all steps gives the
    gradients of the parameters, inputs, initial carry and perturbation. The
    Newton iterations themselves are never differentiated.
    """

    jacobian: str = "full"
    max_iterations: int | None = None
    tolerance: float = 1e-6
    damping: float = 0.0
    fallback: str = "sequential"

    def __post_init__(self):
        if self.jacobian not in JACOBIANS:
            raise ValueError(f"Newton jacobian must be one of {list(JACOBIANS)}, "
                             f"got {self.jacobian!r}")
        if self.fallback not in FALLBACKS:
            raise ValueError(f"Newton fallback must be one of {list(FALLBACKS)}, "
                             f"got {self.fallback!r}")
        m = self.max_iterations
        if m is not None and (isinstance(m, bool) or not isinstance(m, numbers.Integral)
                              or m < 1):
            raise ValueError(f"Newton max_iterations must be None or a positive integer, "
                             f"got {m!r}")
        for name, low_open in (("tolerance", True), ("damping", False)):
            value = getattr(self, name)
            ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                  and math.isfinite(value) and (value > 0 if low_open else value >= 0))
            if not ok:
                bound = "> 0" if low_open else ">= 0"
                raise ValueError(f"Newton {name} must be a finite number {bound}, "
                                 f"got {value!r}")


class NewtonInfo(NamedTuple):
    """How a Newton unroll went (`rec.analysis.newton_info`).

    Attributes:
      iterations: Newton iterations run (a scalar).
      residual: `max |f(s_{t-1}, x_t) - s_t|` over all steps and examples at the
        final Newton iterate (before any fallback; a scalar).
      converged: whether the last change fell below the tolerance (a scalar); if
        False the result came from the fallback.
      states: the trajectory the unroll returns, the carry after every step (after
        the fallback, so NaN where "mark" marked it): a pytree shaped like the carry
        with leading `[B, T]` axes, ready to warm-start another solve
        (`rec.unroll(..., initial_guess=info.states)`).
    """

    iterations: jax.Array
    residual: jax.Array
    converged: jax.Array
    states: object = None


def as_newton(mode) -> Newton | None:
    """The `Newton` options that `mode` asks for, or None for the other modes."""
    if isinstance(mode, Newton):
        return mode
    if isinstance(mode, str) and mode == "newton":
        return Newton()
    return None


def unroll_newton(cell, config: Newton, params, projected_TxBxD, carry, lengths_B, *,
                  reverse=False, perturbation=None, unroll=1, initial_guess=None):
    """Unrolls `cell` by Newton's method: the same `(ys, final_carry)` as `scan_cell`.

    Args:
      cell: any `Cell` (only `transition` and `readout` are used).
      config: the `Newton` options.
      params: the cell's parameters.
      projected_TxBxD: the projected inputs, time-major (`cell.project_inputs`).
      carry: the initial carry for batch shape (B,).
      lengths_B: valid lengths or None; padding steps have Jacobian I and offset 0.
      reverse: process each sequence's valid part from its end.
      perturbation: None or a carry-shaped pytree with a leading time axis, added to
        the carry after each transition (as in `scan_cell`).
      unroll: the unroll factor of the sequential fallback's scan.
      initial_guess: None (start from the carry repeated) or the trajectory to start
        from, carry-shaped with a leading time axis, in the inputs' time order
        (validated by the caller).

    Returns:
      `(ys_TxBxO, final_carry)`.
    """
    ys, final, _ = _unroll(cell, config, params, projected_TxBxD, carry, lengths_B,
                           reverse=reverse, perturbation=perturbation, unroll=unroll,
                           initial_guess=initial_guess)
    return ys, final


def newton_info(cell, config: Newton, params, projected_TxBxD, carry, lengths_B, *,
                reverse=False, initial_guess=None) -> NewtonInfo:
    """The `NewtonInfo` of `unroll_newton` with the same arguments; its `states` are
    time-major `[T, B, ...]` here."""
    return _unroll(cell, config, params, projected_TxBxD, carry, lengths_B,
                   reverse=reverse, perturbation=None, unroll=1,
                   initial_guess=initial_guess)[2]()


def _unroll(cell, config, params, projected_TxBxD, carry, lengths_B, *, reverse,
            perturbation, unroll, initial_guess):
    leaves = jax.tree_util.tree_leaves(projected_TxBxD)
    steps, batch = leaves[0].shape[:2]
    one_example = jax.tree_util.tree_map(lambda leaf: leaf[0], carry)
    _, unravel = ravel_pytree(one_example)

    def ravel(c):
        return ravel_pytree(c)[0]

    flat = jax.vmap(ravel)
    s0_BxS = flat(carry)
    p_TxBxS = (jnp.zeros((steps,) + s0_BxS.shape, s0_BxS.dtype) if perturbation is None
               else jax.vmap(flat)(perturbation).astype(s0_BxS.dtype))
    valid_TxB = (jnp.ones((steps, batch), bool) if lengths_B is None
                 else jnp.arange(steps)[:, None] < lengths_B[None, :])
    guess_TxBxS = (jnp.broadcast_to(s0_BxS[None], p_TxBxS.shape) if initial_guess is None
                   else jax.vmap(flat)(initial_guess).astype(s0_BxS.dtype))

    def in_order(tree):  # Processing order: reverse runs forward over flipped time.
        return jax.tree_util.tree_map(lambda x: jnp.flip(x, 0), tree) if reverse else tree

    def step(params, prev_S, px, p_S, valid):
        """One step of one example on flattened carries; padding passes the carry on."""
        new = ravel(cell.transition(params, unravel(prev_S), px)) + p_S
        return jnp.where(valid, new, prev_S)

    solve = _make_solver(step, config, unroll)
    info_box = []
    states_TxBxS = solve(params, in_order(projected_TxBxD), s0_BxS, in_order(p_TxBxS),
                         in_order(valid_TxB), in_order(guess_TxBxS), info_box)

    def as_carries(states_TxBxS):  # Processing order -> the inputs' order, unflattened.
        return jax.vmap(jax.vmap(unravel))(in_order(states_TxBxS))

    states = as_carries(states_TxBxS)
    ys = cell.readout(params, states, projected_TxBxD)
    ys = jnp.where(valid_TxB[..., None], ys, jnp.zeros_like(ys))
    last = 0 if reverse else steps - 1

    def info():
        solved = info_box[0]()
        return solved._replace(states=as_carries(solved.states))

    return ys, jax.tree_util.tree_map(lambda s: s[last], states), info


def _over_steps(fn):
    """`fn` of one (step, example) mapped over time and batch; params shared."""
    return jax.vmap(jax.vmap(fn, (None, 0, 0, 0, 0)), (None, 0, 0, 0, 0))


def _previous(s0_BxS, states_TxBxS):
    return jnp.concatenate([s0_BxS[None], states_TxBxS[:-1]], axis=0)


def _linear_scan(a, b, full: bool, reverse: bool = False):
    """x_t = a_t x_{t-1} + b_t (x_0 = 0) with `jax.lax.associative_scan`; `a` is
    `[T, B, S, S]` (full) or `[T, B, S]` (diagonal)."""
    if full:
        def compose(earlier, later):
            (a1, b1), (a2, b2) = earlier, later
            return a2 @ a1, jnp.einsum("...ij,...j->...i", a2, b1) + b2
    else:
        def compose(earlier, later):
            (a1, b1), (a2, b2) = earlier, later
            return a2 * a1, a2 * b1 + b2
    return jax.lax.associative_scan(compose, (a, b), reverse=reverse, axis=0)[1]


def _make_solver(step, config: Newton, unroll):
    """`solve(params, px, s0, p, valid, guess, info_box) -> states`, with a custom VJP
    (the guess gets no gradient: the fixed point does not depend on it)."""
    full = config.jacobian == "full"
    steps_of = _over_steps(step)
    jacobians_of = _over_steps(jax.jacfwd(step, argnums=1))

    def forward_states(params, px, s0, p, valid, guess):
        max_iterations = config.max_iterations or p.shape[0]
        shrink = 1.0 / (1.0 + config.damping)

        def update(states):
            prev = _previous(s0, states)
            residual = steps_of(params, prev, px, p, valid) - states
            jac = jacobians_of(params, prev, px, p, valid)
            if not full:
                jac = jnp.diagonal(jac, axis1=-2, axis2=-1)
            if config.damping:
                jac, residual_scaled = jac * shrink, residual * shrink
            else:
                residual_scaled = residual
            return _linear_scan(jac, residual_scaled, full), residual

        def scale(states):
            return config.tolerance * jnp.maximum(1.0, jnp.max(jnp.abs(states)))

        def not_done(loop):
            i, _, change, limit = loop
            first = i == 0  # `change` starts at inf.
            return (i < max_iterations) & (first | (~(change <= limit) & jnp.isfinite(change)))

        def body(loop):
            i, states, _, _ = loop
            delta, _ = update(states)
            states = states + delta
            return i + 1, states, jnp.max(jnp.abs(delta)), scale(states)

        inf = jnp.asarray(jnp.inf, p.dtype)
        iterations, states, change, limit = jax.lax.while_loop(
            not_done, body, (jnp.asarray(0), guess, inf, inf))
        prev = _previous(s0, states)
        residual = jnp.max(jnp.abs(steps_of(params, prev, px, p, valid) - states))
        # Converged: the last change, or the residual itself, within the tolerance.
        converged = jnp.isfinite(residual) & ((change <= limit) | (residual <= limit))

        if config.fallback == "sequential":
            def sequential():
                one_step = jax.vmap(step, (None, 0, 0, 0, 0))

                def body(s, inputs):
                    s = one_step(params, s, *inputs)
                    return s, s
                return jax.lax.scan(body, s0, (px, p, valid), unroll=unroll)[1]
            states = jax.lax.cond(converged, lambda: states, sequential)
        else:
            states = jnp.where(converged, states, jnp.nan)
        return states, NewtonInfo(iterations, residual, converged, states)

    @jax.custom_vjp
    def solve(params, px, s0, p, valid, guess):
        return forward_states(params, px, s0, p, valid, guess)[0]

    def solve_fwd(params, px, s0, p, valid, guess):
        states = forward_states(params, px, s0, p, valid, guess)[0]
        return states, (params, px, s0, p, valid, states)

    def solve_bwd(residuals, states_bar):
        params, px, s0, p, valid, states = residuals
        prev = _previous(s0, states)
        # lambda_t = states_bar_t + J_{t+1}^T lambda_{t+1}: a reverse linear recurrence.
        jac = jacobians_of(params, prev, px, p, valid)
        after = jnp.concatenate([jac[1:], jnp.zeros_like(jac[:1])], axis=0)
        adjoint = _linear_scan(jnp.swapaxes(after, -1, -2), states_bar, True, reverse=True)
        _, pullback = jax.vjp(lambda params, prev, px, p: steps_of(params, prev, px, p, valid),
                              params, prev, px, p)
        params_bar, prev_bar, px_bar, p_bar = pullback(adjoint)
        return params_bar, px_bar, prev_bar[0], p_bar, None, None

    solve.defvjp(solve_fwd, solve_bwd)

    def solve_with_info(params, px, s0, p, valid, guess, info_box):
        # The info comes from a second, undifferentiated forward solve, traced only
        # when read (`newton_info`), so unrolls do not pay for it.
        info_box.append(lambda: forward_states(params, px, s0, p, valid, guess)[1])
        return solve(params, px, s0, p, valid, guess)

    return solve_with_info

