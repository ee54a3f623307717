"""The contract every recurrent cell follows, and the scan that unrolls it.

Shape letters used throughout the library: B batch, T time, I input features,
H hidden units, G gates (the fused gate axis has size G*H), V vocabulary.

A *cell* is a frozen dataclass of static hyper-parameters (hashable, so it can
be a static argument of `jax.jit`) with pure methods on a parameter pytree::

    params = cell.init(key, input_size)          # pytree of arrays
    carry = cell.initial_carry(batch_shape)      # NamedTuple of zeros
    carry, y = cell(params, carry, x)            # one time step

A cell splits its step into an input projection, which does not depend on the
carry, and a recurrent step::

    px = cell.project_inputs(params, xs)         # [..., I] -> [..., G*H]
    carry = cell.transition(params, carry, px_t) # the recurrence
    y = cell.readout(params, carry, px_t)        # the output (carry.h by default)

Most cells (RNN, LSTM, GRU, IndRNN) split the recurrence once more, into the
carry's product with the recurrent weights and element-wise gating without
weights::

    r = cell.project_carry(params, carry)                 # e.g. h @ w_hh: [..., G*H]
    carry = cell.pointwise_transition(carry, px_t, r)     # the gates

and are unrolled by `recurrent.fused` with a hand-written backward pass: the
backward loop carries only the recurrent error, and the weight gradients are
one matrix product over all steps after it. Cells that define only
`transition` are unrolled by `scan_cell` (input projection for all steps in one
product before the loop, `jax.lax.scan` over the transition, JAX's own
derivative); so are all cells with `rec.unroll(..., gradient="autodiff")`.

Sequence-level layers that cannot be stepped alone (`Bidirectional`) or that
compose cells (`Stack`) implement `Layer` directly; `rec.unroll` calls every
layer through the same `unroll_time_major` method, so it has no per-cell code.
"""

from __future__ import annotations

import abc
import functools
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp

from recurrent import _checks, newton
from recurrent.fused import scan_fused

Params = Any  # a pytree of jax arrays
Carry = Any  # a NamedTuple (or a tuple of them, for composite layers)


class HiddenCarry(NamedTuple):
    """Carry of cells whose whole state is the hidden vector (RNN, GRU)."""

    h: jax.Array


class LSTMCarry(NamedTuple):
    """Carry of the LSTM: hidden vector `h` and memory cell `c`."""

    h: jax.Array
    c: jax.Array


class UnitSlice(NamedTuple):
    """Where a cell's recurrent units sit in one of its parameter arrays.

    Entry `start + u` along axis `axis` of `params[name]` belongs to unit u, for
    u < `size`; the other entries along that axis are not declared (for example
    the other gates of a fused kernel). See `Cell.recurrent_parameters`.
    """

    name: str
    axis: int
    start: int
    size: int


class Layer(abc.ABC):
    """Anything `rec.unroll` accepts: cells, `Bidirectional`, `Stack`."""

    @property
    @abc.abstractmethod
    def output_size(self) -> int:
        """Size of the feature axis of the outputs `y`."""

    @abc.abstractmethod
    def init(self, key: jax.Array, input_size: int) -> Params:
        """Returns freshly initialised parameters for inputs of `input_size`."""

    @abc.abstractmethod
    def initial_carry(self, batch_shape, dtype=jnp.float32) -> Carry:
        """Returns the all-zero carry for a batch of shape `batch_shape`."""

    @abc.abstractmethod
    def input_size(self, params: Params) -> int:
        """The input size that `params` were initialised for."""

    @property
    def has_dropout(self) -> bool:
        """Whether unrolling with an `rng` draws random numbers (dropout).

        False for cells; `Stack` answers for its dropout and its layers. Module
        wrappers (`rec.nnx`, `rec.eqx`) read it to decide whether they need a key.
        """
        return False

    @abc.abstractmethod
    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse, unroll, remat,
                          rng, perturbation=None, mode="sequential", gradient="fused",
                          layout="auto", initial_guess=None) -> tuple[jax.Array, Carry]:
        """Runs the layer over a time-major sequence (validated by the caller).

        Args:
          params: the layer's parameters.
          xs_TxBxI: inputs, time-major.
          carry: the initial carry for batch shape (B,).
          lengths_B: int array of valid lengths, or None when all are T.
          reverse: process each sequence's valid part from its end.
          unroll: `jax.lax.scan`'s unroll factor.
          remat: rematerialise the step in the backward pass.
          rng: a PRNG key enabling dropout, or None.
          perturbation: None, or a pytree shaped like the carry with a leading
            time axis, added to the carry after every transition (see
            `scan_cell`); composite layers split it among their parts.
          mode: "sequential" (`jax.lax.scan`), "parallel" (`jax.lax.associative_scan`,
            only for `LinearCell`s), "auto" (each cell picks the faster form for the
            backend), or "newton" / a `rec.Newton` (Newton's method over the whole
            trajectory, `recurrent.newton`, for every cell).
          gradient: "fused" (cells with `project_carry` get the custom VJP of
            `recurrent.fused`) or "autodiff" (JAX differentiates the scan; needed for
            forward-mode transforms).
          layout: the fused loop's layout, "auto", "batch_major", "feature_major" or
            either with "_split" (see `rec.fused_layout`); the other loops are
            batch-major.
          initial_guess: Newton mode only: None, or the trajectory its iteration
            starts from, shaped like `perturbation` (validated by `rec.unroll`);
            composite layers split it among their parts.

        Returns:
          `(ys_TxBxO, final_carry)`.
        """


class Cell(Layer):
    """A single recurrent cell with a fused input projection and a step.

    Subclasses are frozen dataclasses with a `hidden_size` field and implement
    `init`, `initial_carry`, `project_inputs`, and either `transition` or the
    pair `project_carry` and `pointwise_transition` (which gives them the fused
    backward pass); they may override `readout` (default: `y = carry.h`) and
    `retention`. Everything else (calling one step, unrolling, validation,
    analysis) is shared.

    The step is split in two so that analysis can reach the carry between
    them: `carry_t = transition(params, carry_{t-1}, px_t)` and
    `y_t = readout(params, carry_t, px_t)`. The readout must work for any
    leading axes (the fused unroll applies it to all steps at once).
    """

    hidden_size: int
    #: Names of the gate blocks along the fused G*H axis, in order.
    gate_names: ClassVar[tuple[str, ...]] = ("h",)

    @property
    def output_size(self) -> int:
        return self.hidden_size

    @abc.abstractmethod
    def project_inputs(self, params: Params, xs: jax.Array):
        """The carry-independent part of the step, for any leading axes (an array,
        or a pytree of arrays that share the leading axes)."""

    def transition(self, params: Params, carry: Carry, projected_x: jax.Array) -> Carry:
        """The new carry from the previous one and an already projected input."""
        if not self.has_fused_backward:
            raise NotImplementedError(
                f"{type(self).__name__} must define transition, or project_carry and "
                f"pointwise_transition")
        return self.pointwise_transition(carry, projected_x, self.project_carry(params, carry))

    def project_carry(self, params: Params, carry: Carry):
        """The carry's product with the recurrent weights, for any leading axes.

        Optional; defined together with `pointwise_transition`. It must be
        linear in the weights it uses (a matrix product plus, at most, a bias):
        the fused backward computes its weight gradient for all steps at once.
        """
        raise NotImplementedError(f"{type(self).__name__} does not split its transition")

    def pointwise_transition(self, carry: Carry, projected_x, projected_carry) -> Carry:
        """The new carry from the old one and both projections: the gates.

        Optional; element-wise, with no weights of its own (they all live in
        `project_inputs` and `project_carry`).
        """
        raise NotImplementedError(f"{type(self).__name__} does not split its transition")

    def project_carry_transpose(self, params: Params, carry: Carry):
        """The transpose of `project_carry` in the carry: `r_bar -> carry_bar`.

        `project_carry` is affine in the carry, so one linear map serves every
        step (`carry` only gives the structure). The default differentiates
        `project_carry`; `KernelCell`s multiply by a kernel transposed once,
        which XLA:CPU runs faster inside a loop.
        """
        zeros = jax.tree_util.tree_map(jnp.zeros_like, carry)
        pullback = jax.vjp(lambda s: self.project_carry(params, s), zeros)[1]
        return lambda recurrent_bar: pullback(recurrent_bar)[0]

    def pointwise_vjp(self, carry: Carry, projected_x, projected_carry, axis: int = -1):
        """`(new_carry, pullback)` of `pointwise_transition`, as `jax.vjp` returns them.

        The pullback maps the new carry's cotangent to those of `(carry,
        projected_x, projected_carry)`; it must be a pytree (`jax.vjp`'s result
        or a `jax.tree_util.Partial`), since the fused unroll stacks one per step
        as the residuals of its forward pass. Cells may override it with a
        hand-written derivative that stores fewer residuals. A residual that is
        the carry's or the new carry's own array is not stored twice: the fused
        unroll reads it from the states it stores anyway.

        `axis` is the feature axis of every argument: -1 (batch first, the
        default), or 0 for the feature-major unroll of `KernelCell`s that set
        `feature_major` (their `pointwise_transition` takes the same `axis`).
        """
        transition = self.pointwise_transition
        if axis != -1:
            transition = functools.partial(transition, axis=axis)
        return jax.vjp(transition, carry, projected_x, projected_carry)

    @property
    def has_fused_backward(self) -> bool:
        """Whether the cell splits its transition, so unrolls use `recurrent.fused`."""
        return type(self).project_carry is not Cell.project_carry

    def readout(self, params: Params, carry: Carry, projected_x: jax.Array) -> jax.Array:
        """The output `y_t` from the new carry (the hidden vector by default)."""
        del params, projected_x
        return carry.h

    def retention(self, params: Params, carry: Carry, projected_x: jax.Array):
        """Per unit, the fraction of the previous memory the step keeps.

        The LSTM's forget gate f, the GRU's update gate z; None for cells
        without such a gate. `1 / (1 - retention)` is the unit's timescale.
        """
        del params, carry, projected_x
        return None

    @property
    def has_retention_gate(self) -> bool:
        """Whether the cell defines `retention` (a forget or update gate)."""
        return type(self).retention is not Cell.retention

    def recurrent_parameters(self) -> dict[str, UnitSlice]:
        """Each unit's own recurrent parameters: `{label: UnitSlice}`.

        The parameters that set how much of its past a unit keeps (the row of
        W_hh of an Elman unit, the forget-gate weights of an LSTM unit, the
        diagonal lambda of the LRU), for `rec.analysis.parameter_sensitivity`.
        Every slice has the same `size`, the number of units. The default is
        empty: a cell that declares nothing has no sensitivity to report.
        """
        return {}

    def step(self, params: Params, carry: Carry, projected_x: jax.Array):
        """One recurrent step on an already projected input; `(carry, y)`."""
        carry = self.transition(params, carry, projected_x)
        return carry, self.readout(params, carry, projected_x)

    def recurrent_matrices(self, params: Params) -> dict[str, jax.Array]:
        """The `H x H` recurrent matrix of each gate, in the math convention.

        `{gate: W}` with the gate's pre-activation `W h_{t-1}` (our kernels
        are used as `h @ w_hh`, so `W` is the transpose of a `w_hh` block).
        """
        blocks = jnp.split(params["w_hh"], len(self.gate_names), axis=-1)
        return {name: block.T for name, block in zip(self.gate_names, blocks, strict=True)}

    def input_size(self, params: Params) -> int:
        return params["w_ih"].shape[0]

    def __call__(self, params: Params, carry: Carry, x: jax.Array):
        """One time step: `x` is `[*batch_shape, input_size]`.

        Returns:
          `(new_carry, y)` with `y` of shape `[*batch_shape, output_size]`.
        """
        _checks.feature_size(x, self.input_size(params), "x")
        _checks.carry_matches(self, carry, tuple(jnp.shape(x)[:-1]))
        return self.step(params, carry, self.project_inputs(params, x))

    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse, unroll, remat,
                          rng, perturbation=None, mode="sequential", gradient="fused",
                          layout="auto", initial_guess=None):
        del rng  # A single cell has no dropout.
        if (config := newton.as_newton(mode)) is not None:
            _batch_major_only(self, layout)
            return newton.unroll_newton(self, config, params, self.project_inputs(params, xs_TxBxI),
                                        carry, lengths_B, reverse=reverse,
                                        perturbation=perturbation, unroll=unroll,
                                        initial_guess=initial_guess)
        if mode == "parallel":
            raise ValueError(f"mode='parallel' needs a recurrence linear in the carry; "
                             f"{type(self).__name__} has none (use 'sequential' or 'auto')")
        if gradient == "fused" and self.has_fused_backward:
            return scan_fused(self, params, xs_TxBxI, carry, lengths_B, reverse=reverse,
                              unroll=unroll, remat=remat, perturbation=perturbation,
                              layout=layout)
        _batch_major_only(self, layout)
        projected = self.project_inputs(params, xs_TxBxI)
        return scan_cell(self, params, projected, carry, lengths_B, reverse=reverse,
                         unroll=unroll, remat=remat, perturbation=perturbation)


def _batch_major_only(cell, layout):
    """Refuses the fused loop's other layouts for a loop that is not the fused one."""
    if layout not in ("auto", "batch_major"):
        raise ValueError(f"layout={layout!r} is a layout of the fused loop (gradient='fused' "
                         f"with a cell that has feature_major = True); {type(cell).__name__} "
                         f"runs batch-major here (use 'auto' or 'batch_major')")


def matmul(x: jax.Array, w: jax.Array, dtype=None) -> jax.Array:
    """`x @ w`; with `dtype` (e.g. "bfloat16") the operands are cast to it and the
    products accumulate in (and return) the operands' own precision.

    This is the cells' `matmul_dtype` option: low-precision matrix products
    while the carry and all element-wise gating stay in float32.
    """
    if dtype is None:
        return x @ w
    return jnp.matmul(x.astype(dtype), w.astype(dtype),
                      preferred_element_type=jnp.result_type(x, w))


def join_gates(blocks, axis: int = -1) -> jax.Array:
    """Concatenates per-gate blocks along the fused gate axis `axis` (-1, or 0).

    Along axis 0 (the feature-major unroll) the blocks are chosen by a `where`
    over a new leading gate axis instead: XLA:CPU compiles a concatenation
    along the leading axis inside a loop fusion into scalar code, several times
    slower for the LSTM's gate derivatives, while the `where` vectorises.
    """
    if axis in (-1, blocks[0].ndim - 1):
        return jnp.concatenate(blocks, axis=-1)
    if axis != 0:
        raise ValueError(f"axis must be 0 or -1, got {axis!r}")
    gate = jax.lax.broadcasted_iota(jnp.int32, (len(blocks),) + (1,) * blocks[0].ndim, 0)
    joined = blocks[-1]
    for index in reversed(range(len(blocks) - 1)):
        joined = jnp.where(gate == index, blocks[index], joined)
    joined = jnp.broadcast_to(joined, (len(blocks),) + jnp.shape(blocks[0]))
    return joined.reshape((-1,) + joined.shape[2:])


def _keep_where(valid_B, new, old):
    """Per example, `new` where valid else `old`, for every carry leaf."""
    def pick(n, o):
        v = valid_B.reshape(valid_B.shape + (1,) * (n.ndim - valid_B.ndim))
        return jnp.where(v, n, o)
    return jax.tree_util.tree_map(pick, new, old)


def scan_cell(cell, params, projected_TxBxD, carry, lengths_B, *, reverse=False,
              unroll=1, remat=False, perturbation=None):
    """Scans `cell`'s transition and readout over the leading time axis.

    With `lengths_B`, steps past a sequence's end leave its carry unchanged and
    output zeros. Scanning in reverse then starts each sequence at its own last
    valid step, because the carry stays at its initial value until then.

    `perturbation`, a carry-shaped pytree with a leading time axis, is added
    to the carry right after each transition (before the readout and the next
    step), so its gradient at step t is the total derivative of a loss with
    respect to the carry at t (`rec.analysis.state_grads` differentiates at
    zero). Past a sequence's end it has no effect.
    """
    def body(carry, inputs):
        projected_t, perturbation_t, valid_B = inputs
        new_carry = cell.transition(params, carry, projected_t)
        if perturbation_t is not None:
            new_carry = jax.tree_util.tree_map(jnp.add, new_carry, perturbation_t)
        y = cell.readout(params, new_carry, projected_t)
        if valid_B is not None:
            new_carry = _keep_where(valid_B, new_carry, carry)
            y = jnp.where(valid_B[:, None], y, jnp.zeros_like(y))
        return new_carry, y

    if remat:
        body = jax.checkpoint(body)
    valid_TxB = None
    if lengths_B is not None:
        steps = jax.tree_util.tree_leaves(projected_TxBxD)[0].shape[0]
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
    carry, ys = jax.lax.scan(body, carry, (projected_TxBxD, perturbation, valid_TxB),
                             reverse=reverse, unroll=unroll)
    return ys, carry


class KernelCell(Cell):
    """A cell whose weights are fused gate kernels in PyTorch's layout (RNN, LSTM, GRU).

    Params `w_ih` `[I, G*H]`, `w_hh` `[H, G*H]`, `b_ih`, `b_hh` `[G*H]`; the two
    products are `x @ w_ih` and `h @ w_hh`. `b_hh` is added to the input
    projection, unless `recurrent_bias` keeps it with the carry's product (the
    GRU's reset gate multiplies `h @ w_hh + b_hh`). Subclasses declare a
    `matmul_dtype` field (see `matmul`).
    """

    #: Whether `b_hh` belongs to the carry's product rather than the input's.
    recurrent_bias: ClassVar[bool] = False
    #: Whether the fused unroll may run the cell feature-major (batch last), as it
    #: does on CPU, where XLA's per-step products `w_hh^T h^T` are faster than
    #: `h w_hh` (`recurrent.fused`). Such a cell's `pointwise_transition` and
    #: `pointwise_vjp` take `axis=0` (arrays `[G*H, B]`, carry leaves `[H, B]`), its
    #: carry has a field `h`, and its readout is the default `y = h`.
    feature_major: ClassVar[bool] = False

    def recurrent_parameters(self):
        """Per unit, its column of every gate block of `w_hh` (`h @ w_hh`, so column u of
        a block is row u of the math convention's W, the weights into unit u)."""
        h = self.hidden_size
        return {f"w_hh.{gate}": UnitSlice("w_hh", 1, index * h, h)
                for index, gate in enumerate(self.gate_names)}

    def input_bias(self, params):
        """The bias added to the input product: `b_ih`, plus `b_hh` unless `recurrent_bias`."""
        return params["b_ih"] if self.recurrent_bias else params["b_ih"] + params["b_hh"]

    def project_inputs(self, params, xs):
        return matmul(xs, params["w_ih"], self.matmul_dtype) + self.input_bias(params)

    def project_carry(self, params, carry):
        product = matmul(carry.h, params["w_hh"], self.matmul_dtype)
        return product + params["b_hh"] if self.recurrent_bias else product

    def project_carry_transpose(self, params, carry):
        # The kernel is transposed once, outside the loop: a product with a materialised
        # w_hh^T runs faster on XLA:CPU than one contracting w_hh along its second axis.
        w_t = jnp.transpose(params["w_hh"])

        def pullback(recurrent_bar):
            h_bar = matmul(recurrent_bar, w_t, self.matmul_dtype)
            return type(carry)(**{name: h_bar if name == "h" else jnp.zeros_like(h_bar)
                                  for name in carry._fields})
        return pullback


class LinearCell(Cell):
    """A cell whose recurrence is linear (and element-wise) in the carry.

    .. math::

        s_t = a_t \\odot s_{t-1} + b_t,

    with `(a_t, b_t) = coefficients(params, px_t)` depending on the input only
    (MinGRU, MinLSTM, LRU). Their coefficients and readouts are computed for all
    steps outside the loop (see `linear_recurrence`); they also unroll in
    parallel over time with `jax.lax.associative_scan`, in O(log T) depth, and
    the Jacobian product ds_T/ds_t is the diagonal prod_{k>t} a_k.
    """

    #: Parallel mode computes in log space (needs a > 0, b > 0 and a carry >= 0).
    log_space: ClassVar[bool] = False

    @abc.abstractmethod
    def coefficients(self, params: Params, projected_x: jax.Array) -> tuple[Carry, Carry]:
        """`(a, b)`, carry-shaped, for any leading axes of `projected_x`."""

    def transition(self, params, carry, projected_x):
        a, b = self.coefficients(params, projected_x)
        return jax.tree_util.tree_map(lambda a, s, b: a * s + b, a, carry, b)

    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse, unroll, remat,
                          rng, perturbation=None, mode="sequential", gradient="fused",
                          layout="auto", initial_guess=None):
        del rng, gradient  # No dropout; the loop is a multiply-add, with nothing to fuse.
        _batch_major_only(self, layout)
        if (config := newton.as_newton(mode)) is not None:
            # The generic solver: the Jacobians are the diagonals a_t, so Newton is exact
            # after one iteration (a second confirms it).
            return newton.unroll_newton(self, config, params, self.project_inputs(params, xs_TxBxI),
                                        carry, lengths_B, reverse=reverse,
                                        perturbation=perturbation, unroll=unroll,
                                        initial_guess=initial_guess)
        if mode == "auto":
            mode = auto_mode()
        projected = self.project_inputs(params, xs_TxBxI)
        return linear_recurrence(self, params, projected, carry, lengths_B, reverse=reverse,
                                 perturbation=perturbation, parallel=mode == "parallel",
                                 unroll=unroll, remat=remat)


def auto_mode() -> str:
    """What mode="auto" runs for a `LinearCell` on the default backend.

    On CPU the sequential loop is faster at every length measured (see
    docs/performance.md); accelerators favour the O(log T)-depth parallel scan.
    """
    return "parallel" if jax.default_backend() in ("gpu", "tpu") else "sequential"


def linear_recurrence(cell: LinearCell, params, projected_TxBxD, carry, lengths_B, *,
                      reverse=False, perturbation=None, parallel=False, unroll=1, remat=False):
    """Unrolls a `LinearCell`: the same results as `scan_cell`, computed as

    1. `(a_t, b_t)` for every step at once (they depend on the input only);
    2. the states `s_t = a_t s_{t-1} + b_t`, with `jax.lax.associative_scan` on the
       composition `(a_1, b_1) . (a_2, b_2) = (a_1 a_2, a_2 b_1 + b_2)` (parallel) or
       with `jax.lax.scan` over nothing but that multiply-add (sequential);
    3. the readout for every step at once.

    Padding steps get `a = 1, b = 0` (the carry passes through unchanged) and
    zero outputs; the initial carry enters the first processed step's `b`; the
    perturbation is added to `b`, so it enters the recurrence itself.
    """
    a, b = cell.coefficients(params, projected_TxBxD)
    if perturbation is not None:
        b = jax.tree_util.tree_map(jnp.add, b, perturbation)
    steps = jax.tree_util.tree_leaves(projected_TxBxD)[0].shape[0]
    valid_TxB = None
    if lengths_B is not None:
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
        a = _keep_where(valid_TxB, a, jax.tree_util.tree_map(jnp.ones_like, a))
        b = _keep_where(valid_TxB, b, jax.tree_util.tree_map(jnp.zeros_like, b))
    first = steps - 1 if reverse else 0
    b = jax.tree_util.tree_map(lambda a, b, s: b.at[first].add(a[first] * s), a, b, carry)

    def compose(earlier, later):
        (a1, b1), (a2, b2) = earlier, later
        return (jax.tree_util.tree_map(jnp.multiply, a1, a2),
                jax.tree_util.tree_map(lambda a2, b1, b2: a2 * b1 + b2, a2, b1, b2))

    def multiply_add(state, ab):
        state = jax.tree_util.tree_map(lambda a, s, b: a * s + b, ab[0], state, ab[1])
        return state, state

    if parallel and cell.log_space:
        states = jax.tree_util.tree_map(lambda a, b: _log_space_scan(a, b, reverse), a, b)
    elif parallel:
        _, states = jax.lax.associative_scan(compose, (a, b), reverse=reverse, axis=0)
    else:
        zeros = jax.tree_util.tree_map(lambda s: jnp.zeros_like(s[0]), b)
        body = jax.checkpoint(multiply_add) if remat else multiply_add
        _, states = jax.lax.scan(body, zeros, (a, b), reverse=reverse, unroll=unroll)
    ys = cell.readout(params, states, projected_TxBxD)
    if valid_TxB is not None:
        ys = jnp.where(valid_TxB[..., None], ys, jnp.zeros_like(ys))
    last = 0 if reverse else steps - 1
    return ys, jax.tree_util.tree_map(lambda s: s[last], states)


def _log_space_scan(a_TxBxH, b_TxBxH, reverse: bool):
    """s_t = a_t s_{t-1} + b_t for positive a, b, via log-cumulative sums (Heinsen 2023):

    log s_t = A_t + logcumsumexp_{k <= t}(log b_k - A_k),  A_t = sum_{k <= t} log a_k.
    """
    if reverse:
        return jnp.flip(_log_space_scan(jnp.flip(a_TxBxH, 0), jnp.flip(b_TxBxH, 0), False), 0)
    log_a_cumulative = jnp.cumsum(jnp.log(a_TxBxH), axis=0)
    log_b = jnp.log(b_TxBxH)
    return jnp.exp(log_a_cumulative + jax.lax.cumlogsumexp(log_b - log_a_cumulative, axis=0))
