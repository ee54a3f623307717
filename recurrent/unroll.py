"""`rec.unroll`: run any layer over a whole sequence with `jax.lax.scan`."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from recurrent import _checks
from recurrent.base import Layer
from recurrent.fused import LAYOUTS
from recurrent.newton import Newton

MODES = ("auto", "sequential", "parallel", "newton")
GRADIENTS = ("fused", "autodiff")


def unroll(cell, params, xs, carry=None, *, lengths=None, reverse=False,
           time_major=False, unroll=1, remat=False, rng=None, mode="auto", gradient="fused",
           layout="auto", initial_guess=None):
    """Runs `cell` over the time axis of `xs`.

    The input projection of all time steps is one matrix product before the
    loop; only the recurrent step runs inside `jax.lax.scan`.

    Args:
      cell: a cell (`rec.RNN`, `rec.LSTM`, `rec.GRU`, ...), `rec.Bidirectional`
        or `rec.Stack`.
      params: the parameters returned by `cell.init`.
      xs: inputs `[B, T, I]` (`[T, B, I]` with `time_major=True`).
      carry: initial carry for batch shape `(B,)`; zeros when None.
      lengths: optional int array `[B]` of valid lengths (right padding). Past
        its end a sequence's carry stays unchanged and its outputs are zero,
        so the returned carry is each sequence's carry at its last valid step.
      reverse: process each sequence from its last valid step back to its
        first; outputs stay aligned with the inputs they were computed from.
      time_major: whether `xs` and the returned `ys` are `[T, B, ...]`.
      unroll: how many steps `jax.lax.scan` unrolls per loop iteration.
      remat: rematerialise each step in the backward pass (gradient
        checkpointing): per-step activations are recomputed instead of stored,
        so training memory grows with T by the carry only.
      rng: a PRNG key enabling dropout in layers that have it (`rec.Stack`);
        None (the default) is deterministic evaluation.
      mode: "sequential" (`jax.lax.scan`), "parallel" (`jax.lax.associative_scan`,
        for cells whose recurrence is linear in the carry: `rec.LinearCell`s such
        as MinGRU) or "auto" (the default: parallel for linear cells on GPU and
        TPU, sequential otherwise), or "newton" / `rec.Newton(...)` for every cell
        (Newton's method on the whole trajectory, each iteration an associative
        scan: DEER, quasi-DEER with `rec.Newton(jacobian="diagonal")`; see
        `rec.Newton` and `rec.analysis.newton_info`; reverse-mode gradients only,
        whatever `gradient` says). All give the same result; "auto" stays
        sequential for nonlinear cells.
      gradient: how reverse-mode gradients of the unroll are computed. "fused"
        (the default): cells that split their step into `project_carry` and
        `pointwise_transition` (RNN, LSTM, GRU, IndRNN) use a custom VJP whose
        backward loop carries only the recurrent error, with the weight
        gradients as one matrix product over all steps after it (see
        `recurrent.fused`); reverse mode only. "autodiff": JAX differentiates
        the scan itself, which also supports forward mode (`jax.jvp`,
        `jax.jacfwd`, `jax.hessian`). Both give the same values and gradients.
      layout: the fused loop's memory layout: "batch_major" (carries `[B, H]`),
        "feature_major" (carries `[H, B]`, for cells with `feature_major`: RNN,
        LSTM, GRU), either with "_split" ("batch_major_split",
        "feature_major_split": each per-step product cut into two independent
        products over blocks of the kernel's columns, which XLA:CPU can run on two
        cores; for `KernelCell`s) or "auto" (the default: `rec.fused_layout(cell,
        batch=B, steps=T)`, the one measured fastest on the backend at the nearest
        shape, from the table `rec.tuning`). Every layout gives the same values and
        gradients; the other loops (`gradient="autodiff"`, linear cells) are
        batch-major and refuse every layout but "auto" and "batch_major".
      initial_guess: Newton mode only: the trajectory Newton's iteration starts
        from instead of the initial carry repeated (a warm start, for example the
        previous training step's states, `rec.analysis.newton_info(...).states`;
        for cells whose whole carry is `h`, such as RNN and GRU, also
        `rec.HiddenCarry(h=ys)`). A pytree shaped like the carry with leading `[B, T]`
        axes (`[T, B]` with `time_major=True`). It changes the number of
        iterations, not the result, and gets no gradient.

    Returns:
      `(ys, carry)`: outputs `[B, T, O]` (same layout as `xs`) and the final
      carry.

    Raises:
      ValueError / TypeError at trace time for a wrong input size, carry,
      params, lengths or initial_guess.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.LSTM(hidden_size=8)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> xs = jnp.ones((2, 5, 3))
      >>> ys, carry = rec.unroll(cell, params, xs, lengths=jnp.array([5, 2]))
      >>> ys.shape, carry.h.shape
      ((2, 5, 8), (2, 8))
    """
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, carry, lengths, time_major)
    _checks.positive_int("unroll", unroll)
    check_mode(mode)
    _checks.one_of("gradient", gradient, GRADIENTS)
    _checks.one_of("layout", layout, LAYOUTS)
    if initial_guess is not None and not isinstance(mode, Newton) and mode != "newton":
        raise ValueError(f"initial_guess is only used in Newton mode (mode='newton' or a "
                         f"rec.Newton), got mode={mode!r}")
    initial_guess = trajectory_time_major("initial_guess", initial_guess, carry,
                                          xs_TxBxI.shape[0], time_major)
    ys, carry = cell.unroll_time_major(
        params, xs_TxBxI, carry, lengths, reverse=bool(reverse), unroll=unroll,
        remat=bool(remat), rng=rng, mode=mode, gradient=gradient, layout=layout,
        initial_guess=initial_guess)
    return (ys if time_major else jnp.swapaxes(ys, 0, 1)), carry


def trajectory_time_major(name, trajectory, carry, steps, time_major):
    """Checks that `trajectory` (if not None) is shaped like `carry` with a time axis
    (`[B, T, ...]` leaves, `[T, B, ...]` with `time_major`); returns it time-major."""
    if trajectory is None:
        return None
    expected_leaves, expected_tree = jax.tree_util.tree_flatten(carry)
    leaves, tree = jax.tree_util.tree_flatten(trajectory)
    if tree != expected_tree:
        raise TypeError(f"{name} must have the structure of the carry, {expected_tree}; "
                        f"got {tree}")
    layout = "[T, B, ...]" if time_major else "[B, T, ...]"
    for leaf, like in zip(leaves, expected_leaves, strict=True):
        batch, rest = jnp.shape(like)[0], tuple(jnp.shape(like)[1:])
        want = (steps, batch, *rest) if time_major else (batch, steps, *rest)
        if tuple(jnp.shape(leaf)) != want:
            raise ValueError(f"{name} must hold the carry at every step, {layout}: "
                             f"expected a leaf of shape {want}, got {tuple(jnp.shape(leaf))}")
    return trajectory if time_major else jax.tree_util.tree_map(
        lambda leaf: jnp.swapaxes(jnp.asarray(leaf), 0, 1), trajectory)


def check_mode(mode):
    """Returns `mode` if it is one of `MODES` or a `rec.Newton`, else raises."""
    if not isinstance(mode, Newton) and mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)} or a rec.Newton, got {mode!r}")
    return mode


def prepare(cell, params, xs, carry, lengths, time_major):
    """Validates the arguments of `unroll` (and of the analysis tools).

    Returns:
      `(xs_TxBxI, carry, lengths)`: time-major inputs, the carry (zeros if
      None was given) and validated lengths (or None).
    """
    if not isinstance(cell, Layer):
        raise TypeError(
            f"cell must be a recurrent cell or layer (rec.RNN, rec.LSTM, "
            f"rec.Stack, ...), got {type(cell).__name__}")
    xs = jnp.asarray(xs)
    if xs.ndim != 3:
        layout = "[T, B, I]" if time_major else "[B, T, I]"
        raise ValueError(f"xs must have 3 axes {layout}, got shape {xs.shape}")
    input_size = cell.input_size(params)
    _checks.params_match(cell, params, input_size)
    _checks.feature_size(xs, input_size, "xs")
    xs_TxBxI = xs if time_major else jnp.swapaxes(xs, 0, 1)
    steps, batch = xs_TxBxI.shape[:2]
    if carry is None:
        dtype = jnp.result_type(xs.dtype, *jax.tree_util.tree_leaves(params))
        carry = cell.initial_carry((batch,), dtype)
    else:
        _checks.carry_matches(cell, carry, (batch,))
    if lengths is not None:
        lengths = _checks.lengths_array(lengths, batch, steps)
    return xs_TxBxI, carry, lengths
