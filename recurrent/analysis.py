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

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from recurrent import _checks, newton
from recurrent.base import Cell, LinearCell
from recurrent.unroll import check_mode, prepare, trajectory_time_major

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
                mode="newton", initial_guess=None) -> newton.NewtonInfo:
    """How `rec.unroll(cell, params, xs, ..., mode=mode)` converges in Newton mode.

    Runs the same Newton solve and returns its iterations, final residual, whether
    it converged, and the trajectory the unroll returns.

    Args:
      cell: a single `rec.Cell` (for a `Stack`, ask each layer with its own inputs).
      params, xs, carry, lengths, reverse, initial_guess: as in `rec.unroll`
        (batch-major).
      mode: "newton" or a `rec.Newton`.

    Returns:
      `NewtonInfo(iterations, residual, converged, states)`: scalars, and the carry
      after every step with leading `[B, T]` axes (for `initial_guess` of a later
      solve).

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
    guess = trajectory_time_major("initial_guess", initial_guess, carry, xs_TxBxI.shape[0],
                                  time_major=False)
    info = newton.newton_info(cell, config, params, cell.project_inputs(params, xs_TxBxI),
                              carry, lengths, reverse=bool(reverse), initial_guess=guess)
    return info._replace(states=jax.tree_util.tree_map(lambda s: jnp.swapaxes(s, 0, 1),
                                                       info.states))


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


def _to_real_vector(carry) -> jax.Array:
    """The carry as one real vector per example, `[B, S]`: every leaf flattened after
    its batch axis, a complex leaf as its real parts followed by its imaginary parts."""
    parts = []
    for leaf in jax.tree_util.tree_leaves(carry):
        flat = leaf.reshape(leaf.shape[:1] + (-1,))
        parts += [flat.real, flat.imag] if jnp.iscomplexobj(leaf) else [flat]
    return jnp.concatenate(parts, axis=-1)


def _from_real_vector(vector_BxS, like):
    """The inverse of `_to_real_vector`, shaped and typed as the carry `like`."""
    leaves, tree = jax.tree_util.tree_flatten(like)
    rebuilt, offset = [], 0
    for leaf in leaves:
        size = int(np.prod(leaf.shape[1:]))
        take = lambda i: vector_BxS[:, offset + i * size:offset + (i + 1) * size]  # noqa: B023, E731
        if jnp.iscomplexobj(leaf):
            values, offset = take(0) + 1j * take(1), offset + 2 * size
        else:
            values, offset = take(0), offset + size
        rebuilt.append(values.reshape(leaf.shape).astype(leaf.dtype))
    return jax.tree_util.tree_unflatten(tree, rebuilt)


def real_state_size(carry) -> int:
    """S, the size of the carry as a real vector per example (a complex unit counts twice)."""
    return sum(int(np.prod(leaf.shape[1:])) * (2 if jnp.iscomplexobj(leaf) else 1)
               for leaf in jax.tree_util.tree_leaves(carry))


def _valid_steps(lengths, steps: int, batch: int) -> jax.Array:
    """`[T, B]`: whether step t lies within example b's sequence."""
    if lengths is None:
        return jnp.ones((steps, batch), bool)
    return jnp.arange(steps)[:, None] < lengths[None, :]


def _require_cell(cell, instrument: str) -> None:
    if not isinstance(cell, Cell):
        raise TypeError(f"{instrument} steps a single cell's transition; cell must be a "
                        f"rec.Cell (rec.RNN, rec.LSTM, rec.LRU, ...), got {type(cell).__name__}")


def lyapunov_spectrum(cell: Cell, params, xs, *, num_exponents: int | None = None,
                      warmup: int = 0, carry=None, lengths=None, return_local: bool = False,
                      key=None):
    r"""The leading Lyapunov exponents of the cell driven by `xs`, per example.

    The driven map is the transition `s_t = F(s_{t-1}, x_t)` along the cell's own
    trajectory (the one `rec.unroll` computes), with s the carry as a real vector
    of size S: all carry fields flattened, a complex carry (the LRU's) as its real
    and imaginary parts, so S = 2N there and each complex unit gives two exponents.
    With the step Jacobians `J_t = ds_t / ds_{t-1}`, the exponents are

    .. math::

        \lambda_i = \lim_{T \to \infty} \frac{1}{T} \log \sigma_i(J_T \cdots J_1),

    in natural log per step: negative exponents are contracting directions
    (gradients vanish at that rate), positive ones expanding (chaos, exploding
    gradients). They are computed by the standard QR method (Benettin et al.
    1980; Vogt et al. 2022; Engelken, Wolf & Abbott 2023): an orthonormal frame
    `Q_0` (S x k, random, the same for every example) is propagated as
    `J_t Q_{t-1} = Q_t R_t`, with `J_t` applied to the k columns as Jacobian-vector
    products (`jax.linearize`; no S x S Jacobian is built), and

    .. math::

        \lambda_i \approx \frac{1}{|\{t: w \le t < T'\}|} \sum_{t = w}^{T' - 1} \log |(R_t)_{ii}|,

    where w is `warmup` (steps, counted from 0, over which the frame aligns
    with the leading directions and which are left out of the average) and T'
    the sequence's length. The exponents come out in the QR method's order,
    which is descending up to the finite-time noise; they are not re-sorted, so
    that column i stays the i-th local exponent. A direction the step annihilates
    (a dead relu unit) gives -inf.

    Runs under `jax.jit` (with `cell`, `num_exponents` and `return_local` static);
    called eagerly, it compiles once per shape.

    Args:
      cell: a `rec.Cell` (its `transition` is stepped, so not a `Stack`).
      params: its parameters.
      xs: inputs `[B, T, I]`.
      num_exponents: k, how many leading exponents (all S if None).
      warmup: steps left out of the average (>= 0).
      carry: the initial carry (zeros if None).
      lengths: optional valid lengths `[B]`; steps past a sequence's end do not
        count, and its exponents are the average over its own valid steps.
      return_local: also return the local (one-step) exponents.
      key: PRNG key of the initial frame (`jax.random.key(0)` if None).

    Returns:
      The exponents `[B, k]` (NaN for an example with no valid step after the
      warmup); with `return_local`, `(exponents, local)`, where `local` `[B, T, k]`
      holds `log |(R_t)_{ii}|` for every step, the warmup included, and zero past
      each sequence's end.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.LSTM(8)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> xs = jax.random.normal(jax.random.key(1), (2, 50, 3))
      >>> rec.analysis.lyapunov_spectrum(cell, params, xs, num_exponents=4, warmup=10).shape
      (2, 4)

    References:
      Benettin, Galgani, Giorgilli & Strelcyn (1980), "Lyapunov characteristic
      exponents for smooth dynamical systems and for Hamiltonian systems",
      Meccanica 15.
      Vogt, Puelma Touzel, Shlizerman & Lajoie (2022), "On Lyapunov exponents for
      RNNs: understanding information propagation using dynamical systems tools",
      Frontiers in Applied Mathematics and Statistics 8, arXiv:2006.14123.
      Engelken, Wolf & Abbott (2023), "Lyapunov spectra of chaotic recurrent
      neural networks", Physical Review Research 5, arXiv:2006.02427.
    """
    _require_cell(cell, "lyapunov_spectrum")
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    size = real_state_size(carry)
    if num_exponents is None:
        num_exponents = size
    _checks.positive_int("num_exponents", num_exponents)
    if num_exponents > size:
        raise ValueError(f"num_exponents must be at most S = {size}, the carry's real size "
                         f"for {cell}, got {num_exponents}")
    if isinstance(warmup, bool) or not isinstance(warmup, int | np.integer) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    key = jax.random.key(0) if key is None else key
    exponents, local = _lyapunov(cell, params, xs_TxBxI, carry, lengths, key,
                                 int(num_exponents), warmup)
    return (exponents, local) if return_local else exponents


@functools.partial(jax.jit, static_argnames=("cell", "num_exponents"))
def _lyapunov(cell, params, xs_TxBxI, carry, lengths, key, num_exponents, warmup):
    steps, batch = xs_TxBxI.shape[:2]
    projected = cell.project_inputs(params, xs_TxBxI)
    state_BxS = _to_real_vector(carry)
    start = jax.random.normal(key, (state_BxS.shape[-1], num_exponents), state_BxS.dtype)
    frame_BxSxK = jnp.broadcast_to(jnp.linalg.qr(start)[0],
                                   (batch,) + start.shape).astype(state_BxS.dtype)

    def body(state, inputs):
        state_BxS, frame_BxSxK = state
        projected_t, valid_B = inputs

        def step(s):
            return _to_real_vector(cell.transition(params, _from_real_vector(s, carry),
                                                   projected_t))

        new_state, jvp = jax.linearize(step, state_BxS)
        images = jax.vmap(jvp, in_axes=2, out_axes=2)(frame_BxSxK)
        new_frame, r_BxKxK = jnp.linalg.qr(images)
        local_BxK = jnp.log(jnp.abs(jnp.diagonal(r_BxKxK, axis1=-2, axis2=-1)))
        keep = valid_B[:, None]
        return ((jnp.where(keep, new_state, state_BxS),
                 jnp.where(keep[..., None], new_frame, frame_BxSxK)),
                jnp.where(keep, local_BxK, 0.0))

    valid_TxB = _valid_steps(lengths, steps, batch)
    _, local_TxBxK = jax.lax.scan(body, (state_BxS, frame_BxSxK), (projected, valid_TxB))
    counted_TxB = valid_TxB & (jnp.arange(steps)[:, None] >= warmup)
    count_B = jnp.sum(counted_TxB, 0)
    total_BxK = jnp.sum(jnp.where(counted_TxB[..., None], local_TxBxK, 0.0), 0)
    exponents = jnp.where(count_B[:, None] > 0, total_BxK / jnp.maximum(count_B, 1)[:, None],
                          jnp.nan)
    return exponents, jnp.swapaxes(local_TxBxK, 0, 1)


class ParameterSensitivity(NamedTuple):
    """Per recurrent unit, `[U]` each (U = the cell's number of units)."""

    sensitivity: jax.Array  # over all the unit's declared parameters together
    by_parameter: dict  # {label: [U]}, one entry per `cell.recurrent_parameters()`
    timescale: jax.Array


def parameter_sensitivity(cell: Cell, params, xs, *, carry=None, lengths=None,
                          num_probes: int | None = None, key=None) -> ParameterSensitivity:
    r"""The curse of memory: how strongly the state depends on each unit's own parameters.

    For unit u with recurrent parameters theta_u (the entries that
    `cell.recurrent_parameters()` declares for it: the column of `w_hh` into an
    Elman unit, the forget-gate weights of an LSTM unit, the LRU's `nu_log` and
    `theta_log`, ...), the root mean square over the examples b of the Frobenius
    norm of the Jacobian of the final state,

    .. math::

        \mathrm{sensitivity}_u = \Big( \frac{1}{B} \sum_b
            \Big\| \frac{\partial s^{(b)}_{T'_b}}{\partial \theta_u} \Big\|_F^2 \Big)^{1/2},

    where s is the whole carry as a real vector (as in `lyapunov_spectrum`) at
    each sequence's last valid step T'_b, and the derivative is the total one,
    through every step (and through the input projection, where the parameter
    also appears there). For the scalar linear recurrence `h_t = lambda h_{t-1} + x_t`
    driven by white noise of unit variance, its square tends to
    E[(dh_t/d lambda)^2] = (1 + lambda^2) / (1 - lambda^2)^3 as t grows (Zucchet &
    Orvieto 2024): it explodes as the memory grows (|lambda| -> 1), even while
    the state itself stays bounded, unless the cell normalises its input or
    reparametrises lambda. `by_parameter` gives the same norm for each declared
    label on its own, `sensitivity` over all of them together.

    Computed in reverse mode, per example: one VJP of the unrolled cell
    (`gradient="autodiff"`) per probe of the final state, the S basis vectors
    (exact; `num_probes=None`) or `num_probes` Gaussian vectors (Hutchinson's
    estimator, unbiased for the square). The cost is S (or `num_probes`) backward
    passes per example.

    The timescale of each unit is `1 / (1 - rho)`: rho is the cell's retention
    (`gate_timescales`: the forget or update gate, |lambda| for the LRU, a_t for
    MinGRU and MinLSTM) where the cell has one, and otherwise the mean over
    valid steps and examples of the unit's self-coupling |dh_{t,u} / dh_{t-1,u}|
    (|f'| |u| for IndRNN; for the Elman RNN, whose units are coupled, only a
    rough guide). A negative timescale means rho > 1 (a growing unit).

    Args:
      cell: a `rec.Cell` that declares `recurrent_parameters`.
      params: its parameters.
      xs: inputs `[B, T, I]`.
      carry: the initial carry (zeros if None).
      lengths: optional valid lengths `[B]`.
      num_probes: None for the exact norm, else the number of random probes.
      key: PRNG key for the probes (`jax.random.key(0)` if None).

    Returns:
      `ParameterSensitivity(sensitivity [U], by_parameter {label: [U]}, timescale [U])`.

    Raises:
      ValueError: the cell declares no recurrent parameters, or slices of
        different sizes.

    References:
      Zucchet & Orvieto (2024), "Recurrent neural networks: vanishing and
      exploding gradients are not the end of the story", NeurIPS,
      arXiv:2405.21064.
    """
    _require_cell(cell, "parameter_sensitivity")
    declared = cell.recurrent_parameters()
    if not declared:
        raise ValueError(f"{type(cell).__name__} declares no recurrent parameters "
                         f"(Cell.recurrent_parameters), so it has no sensitivity to report")
    if len({unit_slice.size for unit_slice in declared.values()}) != 1:
        raise ValueError(f"{type(cell).__name__}.recurrent_parameters() declares slices of "
                         f"different sizes: {declared}")
    if num_probes is not None:
        _checks.positive_int("num_probes", num_probes)
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major=False)
    steps, batch = xs_TxBxI.shape[:2]
    lengths = jnp.full((batch,), steps, jnp.int32) if lengths is None else lengths
    key = jax.random.key(0) if key is None else key
    squares = _sensitivity_squares(cell, params, xs_TxBxI, carry, lengths, key, num_probes)
    by_parameter = {label: jnp.sqrt(value) for label, value in squares.items()}
    total = jnp.sqrt(sum(squares.values()))
    if cell.has_retention_gate:
        retention = gate_timescales(cell, params, xs, carry, lengths).mean_retention
    else:
        retention = _self_coupling(cell, params, xs_TxBxI, carry, lengths)
    units = next(iter(declared.values())).size
    if retention.shape != (units,):
        raise ValueError(f"{type(cell).__name__} declares {units} units but its retention "
                         f"has shape {retention.shape}")
    return ParameterSensitivity(sensitivity=total, by_parameter=by_parameter,
                                timescale=1.0 / (1.0 - retention))


def _unit_squares(gradient, unit_slice) -> jax.Array:
    """Per unit, the summed squares of its entries of one parameter's gradient, `[U]`."""
    block = jax.lax.slice_in_dim(gradient, unit_slice.start, unit_slice.start + unit_slice.size,
                                 axis=unit_slice.axis)
    block = jnp.moveaxis(block, unit_slice.axis, 0)
    return jnp.sum(jnp.square(jnp.abs(block)).reshape(unit_slice.size, -1), -1)


@functools.partial(jax.jit, static_argnames=("cell", "num_probes"))
def _sensitivity_squares(cell, params, xs_TxBxI, carry, lengths, key, num_probes):
    """`{label: [U]}`: the mean over examples of ||ds_{T'}/d theta_u||_F^2."""
    declared = cell.recurrent_parameters()
    size = real_state_size(carry)
    dtype = _to_real_vector(carry).dtype
    if num_probes is None:
        probes, scale = jnp.eye(size, dtype=dtype), 1.0
    else:
        probes, scale = jax.random.normal(key, (num_probes, size), dtype), 1.0 / num_probes

    def one_example(x_TxI, carry_one, length):
        def final_state(p):
            _, final = cell.unroll_time_major(
                p, x_TxI[:, None], jax.tree_util.tree_map(lambda c: c[None], carry_one),
                length[None], reverse=False, unroll=1, remat=False, rng=None,
                mode="sequential", gradient="autodiff")
            return _to_real_vector(final)[0]

        _, pullback = jax.vjp(final_state, params)

        def squares(probe_S):
            (gradient,) = pullback(probe_S)
            return {label: _unit_squares(gradient[unit_slice.name], unit_slice)
                    for label, unit_slice in declared.items()}

        per_probe = jax.lax.map(squares, probes)
        return {label: scale * jnp.sum(value, 0) for label, value in per_probe.items()}

    per_example = jax.vmap(one_example, in_axes=(1, 0, 0))(xs_TxBxI, carry, lengths)
    return {label: jnp.mean(value, 0) for label, value in per_example.items()}


@functools.partial(jax.jit, static_argnames=("cell",))
def _self_coupling(cell, params, xs_TxBxI, carry, lengths):
    """Per unit, the mean over valid steps of |dh_{t,u} / dh_{t-1,u}|, `[H]`."""
    steps, batch = xs_TxBxI.shape[:2]
    units = carry.h.shape[-1]
    projected = cell.project_inputs(params, xs_TxBxI)
    basis = jnp.eye(units, dtype=carry.h.dtype)

    def body(c, inputs):
        projected_t, valid_B = inputs
        new, jvp = jax.linearize(lambda s: cell.transition(params, s, projected_t), c)

        def column(u):  # the tangent e_u in h (and zero in any other field)
            tangent = jax.tree_util.tree_map(jnp.zeros_like, c)._replace(
                h=jnp.broadcast_to(basis[u], c.h.shape))
            return jvp(tangent).h[:, u]

        diagonal_BxH = jax.vmap(column, out_axes=1)(jnp.arange(units))
        new = jax.tree_util.tree_map(
            lambda n, o: jnp.where(valid_B.reshape((-1,) + (1,) * (n.ndim - 1)), n, o), new, c)
        return new, jnp.where(valid_B[:, None], jnp.abs(diagonal_BxH), 0.0)

    valid_TxB = _valid_steps(lengths, steps, batch)
    _, coupling_TxBxH = jax.lax.scan(body, carry, (projected, valid_TxB))
    return jnp.sum(coupling_TxBxH, (0, 1)) / jnp.maximum(jnp.sum(valid_TxB), 1)
