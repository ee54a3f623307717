"""Instruments for vanishing and exploding gradients, for every cell.

Everything here works through the cell contract (`transition`, `readout`,
`retention`, `recurrent_matrices`) and the carry perturbation that every layer's
`unroll_time_major` accepts, so there is no per-cell code.

Notation: s_t is the carry after step t, flattened over its fields (for the
LSTM s_t = [h_t; c_t], size S = 2H), and the Jacobian product over a lag is

    J_t = ds_{T'} / ds_t = prod_{k=t+1}^{T'} ds_k / ds_{k-1},

where T' is each sequence's last valid step.

References:
  Bengio, Simard & Frasconi (1994), "Learning long-term dependencies with
  gradient descent is difficult", IEEE TNN 5(2).
  Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent
  neural networks", ICML, arXiv:1211.5063.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from recurrent import _checks, newton
from recurrent.base import Cell, LinearCell
from recurrent.unroll import check_mode, prepare

#: Default threshold of `gradient_horizon`: the error signal has fallen a hundredfold.
DEFAULT_HORIZON_THRESHOLD = 1e-2


def _zeros_over_time(carry, steps: int):
    return jax.tree_util.tree_map(lambda c: jnp.zeros((steps,) + c.shape, c.dtype), carry)


def _unrolled(cell, params, xs_TxBxI, carry, lengths, mode, gradient="fused"):
    """`perturbation -> (ys_TxBxO, final_carry)`, for gradients at zero."""
    check_mode(mode)

    def run(perturbation):
        return cell.unroll_time_major(params, xs_TxBxI, carry, lengths, reverse=False,
                                      unroll=1, remat=False, rng=None,
                                      perturbation=perturbation, mode=mode, gradient=gradient)
    return run


def state_grads(cell, params, xs, loss_fn, carry=None, lengths=None, *, mode="auto"):
    """dL/ds_t for every time step t, in one backward pass.

    A zero perturbation is added to the carry right after every transition
    (inside the scan, before the readout and the next step); the gradient
    with respect to it at step t is the total derivative of the loss with
    respect to the carry at t, through the output y_t and all later steps.

    Args:
      cell: any layer `rec.unroll` accepts.
      params: its parameters.
      xs: inputs `[B, T, I]`.
      loss_fn: maps the unrolled outputs `ys` `[B, T, O]` to a scalar.
      carry: the initial carry (zeros if None).
      lengths: optional valid lengths `[B]`; gradients past them are zero.
      mode: as in `rec.unroll`; in parallel mode the perturbation enters the
        recurrence (the `b` of `s_t = a_t s_{t-1} + b_t`).

    Returns:
      A pytree with the carry's structure whose leaves have leading
      `[B, T]` axes, e.g. `LSTMCarry(h=dL/dh [B, T, H], c=dL/dc [B, T, H])`.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.LSTM(8)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> xs = jnp.ones((2, 20, 3))
      >>> grads = rec.analysis.state_grads(cell, params, xs, lambda ys: ys[:, -1].sum())
      >>> grads.c.shape
      (2, 20, 8)
    """
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    run = _unrolled(cell, params, xs_TxBxI, carry, lengths, mode)

    def loss_of(perturbation):
        ys_TxBxO, _ = run(perturbation)
        return loss_fn(jnp.swapaxes(ys_TxBxO, 0, 1))

    grads = jax.grad(loss_of)(_zeros_over_time(carry, xs_TxBxI.shape[0]))
    return jax.tree_util.tree_map(lambda g: jnp.swapaxes(g, 0, 1), grads)


def newton_info(cell: Cell, params, xs, carry=None, lengths=None, *, reverse=False,
                mode="newton") -> newton.NewtonInfo:
    """How `rec.unroll(cell, params, xs, ..., mode=mode)` converges in Newton mode.

    Runs the same Newton solve (without the fallback's result) and returns its
    iterations, final residual and whether it converged.

    Args:
      cell: a single `rec.Cell` (for a `Stack`, ask each layer with its own inputs).
      params, xs, carry, lengths, reverse: as in `rec.unroll`.
      mode: "newton" or a `rec.Newton`.

    Returns:
      `NewtonInfo(iterations, residual, converged)`, scalars.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.GRU(4)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> info = rec.analysis.newton_info(cell, params, jnp.ones((2, 16, 3)))
      >>> bool(info.converged), int(info.iterations) < 16
      (True, True)
    """
    if not isinstance(cell, Cell):
        raise TypeError(f"newton_info needs a single rec.Cell, got {type(cell).__name__}")
    config = newton.as_newton(mode)
    if config is None:
        raise ValueError(f"mode must be 'newton' or a rec.Newton, got {mode!r}")
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    return newton.newton_info(cell, config, params, cell.project_inputs(params, xs_TxBxI),
                              carry, lengths, reverse=bool(reverse))


def carry_norms(grads) -> jax.Array:
    """The Euclidean norm over every carry field and unit: `[B, T, ...] -> [B, T]`."""
    leaves = jax.tree_util.tree_leaves(grads)
    return jnp.sqrt(sum(jnp.sum(jnp.square(jnp.abs(g)).reshape(g.shape[:2] + (-1,)), -1)
                        for g in leaves))


def by_lag(values_BxT, reference_steps_B, max_lag: int | None = None) -> jax.Array:
    """Re-indexes per-step values by their distance before a reference step.

    Column k of the result is the value at step `reference - k` (k = 0 is the
    reference step itself; steps before 0 give NaN).

    Args:
      values_BxT: e.g. `carry_norms(state_grads(...))`.
      reference_steps_B: per example, the step of the answer (the loss).
      max_lag: the number of lags minus one; `max(reference_steps)` if None.

    Returns:
      `[B, max_lag + 1]`.
    """
    values_BxT = jnp.asarray(values_BxT)
    reference_steps_B = jnp.asarray(reference_steps_B)
    if max_lag is None:
        max_lag = int(np.max(np.asarray(reference_steps_B)))
    steps = reference_steps_B[:, None] - jnp.arange(max_lag + 1)[None, :]
    gathered = jnp.take_along_axis(values_BxT, jnp.clip(steps, 0, values_BxT.shape[1] - 1), 1)
    return jnp.where(steps >= 0, gathered, jnp.nan)


def gradient_horizon(norms_by_lag, threshold: float = DEFAULT_HORIZON_THRESHOLD):
    """The largest lag k such that ||g_{T-j}|| / ||g_T|| >= threshold for all j <= k.

    Args:
      norms_by_lag: `[..., K]` gradient norms by lag (see `by_lag`), lag 0
        being the step of the loss.
      threshold: epsilon; the default 1e-2 asks how far back the error signal
        stays within a hundredfold of its size at the loss.

    Returns:
      Integer lags `[...]`; `K - 1` if the ratio never falls below threshold.
    """
    norms = np.asarray(norms_by_lag, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = norms / norms[..., :1]
    below = ~(ratio >= threshold)  # NaN (before the sequence start) counts as below.
    first_below = np.where(below.any(-1), below.argmax(-1), norms.shape[-1])
    return first_below - 1


def decay_rate(norms_by_lag, max_lag: int | None = None) -> np.ndarray:
    """Least-squares slope of log10 ||g_{T-k}|| against k: decades per step.

    Negative when gradients vanish with distance (an RNN), near zero when they
    survive (an LSTM). Lags with NaN or zero norms are left out.

    Args:
      norms_by_lag: `[..., K]` (see `by_lag`).
      max_lag: fit lags 0..max_lag only (all if None).

    Returns:
      `[...]` slopes.
    """
    norms = np.asarray(norms_by_lag, dtype=np.float64)
    if max_lag is not None:
        norms = norms[..., :max_lag + 1]
    lags = np.arange(norms.shape[-1], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(norms)
    ok = np.isfinite(logs)
    n = ok.sum(-1)
    mean_k = np.where(ok, lags, 0).sum(-1) / np.maximum(n, 1)
    mean_y = np.where(ok, logs, 0).sum(-1) / np.maximum(n, 1)
    dk = np.where(ok, lags - mean_k[..., None], 0)
    dy = np.where(ok, logs - mean_y[..., None], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n >= 2, (dk * dy).sum(-1) / (dk * dk).sum(-1), np.nan)


def _flatten_state(carry) -> jax.Array:
    return jnp.concatenate(jax.tree_util.tree_leaves(carry), axis=-1)


def _unflatten_state(vector, like):
    leaves, tree = jax.tree_util.tree_flatten(like)
    sizes = np.cumsum([leaf.shape[-1] for leaf in leaves])[:-1]
    return jax.tree_util.tree_unflatten(tree, jnp.split(vector, sizes, axis=-1))


class JacobianNorms(NamedTuple):
    """Norms of J_t = ds_{T'}/ds_t per example and step, `[B, T]` each."""

    spectral: jax.Array
    frobenius: jax.Array


def jacobian_norms(cell, params, xs, carry=None, lengths=None, *, num_iterations: int = 20,
                   block_size: int = 4, num_probes: int | None = None,
                   key=None, mode: str = "auto") -> JacobianNorms:
    """Spectral and Frobenius norms of the Jacobian products J_t, for every t.

    No Jacobian is materialised: the unrolled map from carry perturbations to
    the final carry is linearised once (`jax.linearize`), and its JVP and
    transposed (VJP) maps are applied to vectors.

    * Spectral norm: block power iteration on J_t^T J_t with `block_size`
      vectors, for all t at once (`jax.vmap` over t), `num_iterations`
      rounds, then Rayleigh-Ritz on the block.
    * Frobenius norm: ||J_t||_F^2 = sum_i ||e_i^T J_t||^2; each VJP of one
      probe gives e_i^T J_t for every t. With `num_probes=None` the probes
      are the S basis vectors (exact); with an integer, that many Gaussian
      probes (Hutchinson's estimator, unbiased for the square).

    Past a sequence's end the norms are zero; at its last step J is the
    identity.

    Args:
      cell, params, xs, carry, lengths: as in `rec.unroll`.
      num_iterations: power-iteration rounds.
      block_size: vectors per power iteration (at most S are used).
      num_probes: None for the exact Frobenius norm, else the number of
        random probes.
      key: PRNG key for the power iteration's start and the probes.
      mode: as in `rec.unroll`.

    Returns:
      `JacobianNorms(spectral [B, T], frobenius [B, T])`.
    """
    _checks.positive_int("num_iterations", num_iterations)
    _checks.positive_int("block_size", block_size)
    if num_probes is not None:
        _checks.positive_int("num_probes", num_probes)
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    steps = xs_TxBxI.shape[0]
    # Forward mode (linearize) needs JAX's own derivative of the scan.
    run = _unrolled(cell, params, xs_TxBxI, carry, lengths, mode, gradient="autodiff")
    zeros = _zeros_over_time(carry, steps)
    _, jvp_fn = jax.linearize(lambda p: _flatten_state(run(p)[1]), zeros)
    vjp_fn = jax.linear_transpose(jvp_fn, zeros)
    key = jax.random.key(0) if key is None else key
    key_start, key_probes = jax.random.split(key)
    flat_zero = _flatten_state(carry)
    times = jnp.arange(steps)

    def apply_jacobian(t, u_BxS):  # J_t u
        at_t = (times == t).astype(u_BxS.dtype)
        tangent = jax.tree_util.tree_map(
            lambda z, u: at_t.reshape((-1,) + (1,) * u.ndim) * u[None],
            zeros, _unflatten_state(u_BxS, carry))
        return jvp_fn(tangent)

    def apply_transpose(w_BxS):  # rows t: J_t^H w, [T, B, S] (conjugates: complex states)
        (grads,) = vjp_fn(jnp.conj(w_BxS))
        return jnp.conj(_flatten_state(grads))

    # Block power (subspace) iteration: `block_size` vectors per (t, example),
    # re-orthonormalised each round, then the largest singular value of J_t
    # restricted to the subspace (Rayleigh-Ritz). Far more robust than one
    # vector when the top singular values are close.
    size = flat_zero.shape[-1]
    block = min(block_size, size)
    u = jax.random.normal(key_start, (steps, block) + flat_zero.shape, flat_zero.dtype)

    def orthonormal(u_TxKxBxS):
        q, _ = jnp.linalg.qr(jnp.transpose(u_TxKxBxS, (0, 2, 3, 1)))  # [T, B, S, K]
        return jnp.transpose(q, (0, 3, 1, 2))

    jacobian_block = jax.vmap(jax.vmap(apply_jacobian, (None, 0)), (0, 0))
    transpose_row = jax.vmap(jax.vmap(lambda t, w: apply_transpose(w)[t], (None, 0)), (0, 0))
    u = jax.lax.fori_loop(
        0, num_iterations, lambda _, u: orthonormal(transpose_row(times, jacobian_block(times, u))),
        orthonormal(u))
    images = jnp.transpose(jacobian_block(times, u), (0, 2, 3, 1))  # [T, B, S, K]
    spectral = jnp.linalg.svd(images, compute_uv=False)[..., 0]

    if num_probes is None:
        probes = jnp.broadcast_to(jnp.eye(size, dtype=flat_zero.dtype)[:, None, :],
                                  (size,) + flat_zero.shape)
        scale = 1.0
    else:
        probes = jax.random.normal(key_probes, (num_probes,) + flat_zero.shape, flat_zero.dtype)
        scale = 1.0 / num_probes
    squares = jax.lax.map(lambda w: jnp.sum(jnp.square(jnp.abs(apply_transpose(w))), -1),
                          probes)
    frobenius = jnp.sqrt(scale * jnp.sum(squares, 0))
    return JacobianNorms(spectral=spectral.T, frobenius=frobenius.T)


def diagonal_jacobian_products(cell: LinearCell, params, xs, lengths=None):
    """Closed form of ds_{T'}/ds_t for a `LinearCell`: the diagonal prod_{k>t} a_k.

    Args:
      cell: a cell with `s_t = a_t * s_{t-1} + b_t` (`rec.LinearCell`).
      params, xs, lengths: as in `rec.unroll`.

    Returns:
      The carry structure with `[B, T, ...]` leaves: the diagonal of J_t for
      each example and step (zero past a sequence's end, one at its last step).
      Its spectral norm is the largest |entry| over all leaves, its Frobenius
      norm the root of the summed squares.
    """
    if not isinstance(cell, LinearCell):
        raise TypeError(f"{type(cell).__name__} is not a LinearCell; its Jacobians are not "
                        "diagonal products (use jacobian_norms)")
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, None, lengths, time_major=False)
    a, _ = cell.coefficients(params, cell.project_inputs(params, xs_TxBxI))
    steps = xs_TxBxI.shape[0]
    valid = (jnp.ones(xs_TxBxI.shape[:2], bool) if lengths is None
             else jnp.arange(steps)[:, None] < lengths[None, :])

    def products(a_TxBxH):
        a_TxBxH = jnp.where(valid[..., None], a_TxBxH, 1)  # Padding passes the carry through.
        after = jnp.concatenate([a_TxBxH[1:], jnp.ones_like(a_TxBxH[:1])])  # a_{t+1}, ...
        prod = jnp.flip(jnp.cumprod(jnp.flip(after, 0), 0), 0)
        return jnp.swapaxes(jnp.where(valid[..., None], prod, 0), 0, 1)

    return jax.tree_util.tree_map(products, a)


def step_jacobians(cell: Cell, params, xs, carry=None) -> jax.Array:
    """Explicit one-step Jacobians ds_t/ds_{t-1}, `[B, T, S, S]` (for small S).

    The reference that `jacobian_norms` avoids building; useful on tiny
    problems and for the spectrum along a trajectory.
    """
    xs_TxBxI, carry, _ = prepare(cell, params, xs, carry, None, time_major=False)
    projected = cell.project_inputs(params, xs_TxBxI)

    def one_example_step(state_S, px, like):
        def f(s):
            return _flatten_state(cell.transition(params, _unflatten_state(s, like), px))
        return jax.jacobian(f)(state_S)

    def body(c, px):
        like = jax.tree_util.tree_map(lambda leaf: leaf[0], c)
        jac = jax.vmap(lambda s, p: one_example_step(s, p, like))(_flatten_state(c), px)
        return cell.transition(params, c, px), jac

    _, jacobians = jax.lax.scan(body, carry, projected)
    return jnp.swapaxes(jacobians, 0, 1)


class Spectrum(NamedTuple):
    """Singular values (descending) and eigenvalues of a square matrix."""

    singular_values: np.ndarray
    eigenvalues: np.ndarray


def spectrum(matrix) -> Spectrum:
    """Singular values and (complex) eigenvalues of a square matrix."""
    matrix = np.asarray(matrix)
    matrix = matrix.astype(np.complex128 if np.iscomplexobj(matrix) else np.float64)
    return Spectrum(np.linalg.svd(matrix, compute_uv=False), np.linalg.eigvals(matrix))


def recurrent_spectrum(cell: Cell, params) -> dict[str, Spectrum]:
    """The spectrum of each gate's recurrent matrix, `{gate: Spectrum}`.

    For the Elman RNN the gradient through k steps is bounded by
    (max|f'| * sigma_max(W))^k (Pascanu et al. 2013), so singular values
    below 1 mean vanishing gradients.
    """
    return {gate: spectrum(w) for gate, w in cell.recurrent_matrices(params).items()}


class Timescales(NamedTuple):
    """Per-unit gate statistics over a batch of sequences, `[H]` each."""

    mean_retention: jax.Array
    timescale: jax.Array


def gate_timescales(cell: Cell, params, xs, carry=None, lengths=None) -> Timescales:
    """The per-unit timescale 1/(1 - f) implied by a gated cell's retention gate.

    The retention (the LSTM's forget gate f, the GRU's update gate z) is
    averaged over every valid step of every sequence in `xs`; a unit that keeps
    a fraction f of its memory per step forgets it over about 1/(1 - f)
    steps (Tallec & Ollivier 2018). Traceable: it runs under `jax.jit` and
    `jax.vmap` (with `cell` static).

    Raises:
      ValueError: the cell has no retention gate (e.g. the Elman RNN).
    """
    if not getattr(cell, "has_retention_gate", False):
        raise ValueError(f"{type(cell).__name__} has no retention gate, so no gate timescale")
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    projected = cell.project_inputs(params, xs_TxBxI)

    def body(c, px):
        return cell.transition(params, c, px), cell.retention(params, c, px)

    _, retention_TxBxH = jax.lax.scan(body, carry, projected)
    steps, batch = xs_TxBxI.shape[:2]
    valid = jnp.ones((steps, batch)) if lengths is None else (
        jnp.arange(steps)[:, None] < lengths[None, :])
    valid = valid.astype(retention_TxBxH.dtype)
    mean = jnp.einsum("tbh,tb->h", retention_TxBxH, valid) / jnp.sum(valid)
    return Timescales(mean_retention=mean, timescale=1.0 / (1.0 - mean))
