"""The contract every recurrent cell follows, and the scan that unrolls it.

Shape letters used throughout the library: B batch, T time, I input features,
H hidden units, G gates (the fused gate axis has size G*H), V vocabulary.

A *cell* is a frozen dataclass of static hyper-parameters (hashable, so it can
be a static argument of `jax.jit`) with pure methods on a parameter pytree::

    params = cell.init(key, input_size)          # pytree of arrays
    carry = cell.initial_carry(batch_shape)      # NamedTuple of zeros
    carry, y = cell(params, carry, x)            # one time step

A cell splits its step into an input projection, which does not depend on the
carry and so is computed for all time steps in one matrix product before the
loop, and a recurrent step, which is all that stays inside `jax.lax.scan`::

    px = cell.project_inputs(params, xs)         # [..., I] -> [..., G*H]
    carry = cell.transition(params, carry, px_t) # the recurrence
    y = cell.readout(params, carry, px_t)        # the output (carry.h by default)

Sequence-level layers that cannot be stepped alone (`Bidirectional`) or that
compose cells (`Stack`) implement `Layer` directly; `rec.unroll` calls every
layer through the same `unroll_time_major` method, so it has no per-cell code.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp

from recurrent import _checks

Params = Any  # a pytree of jax arrays
Carry = Any  # a NamedTuple (or a tuple of them, for composite layers)


class HiddenCarry(NamedTuple):
    """Carry of cells whose whole state is the hidden vector (RNN, GRU)."""

    h: jax.Array


class LSTMCarry(NamedTuple):
    """Carry of the LSTM: hidden vector `h` and memory cell `c`."""

    h: jax.Array
    c: jax.Array


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

    @abc.abstractmethod
    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse,
                          unroll, remat, rng, perturbation=None) -> tuple[jax.Array, Carry]:
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

        Returns:
          `(ys_TxBxO, final_carry)`.
        """


class Cell(Layer):
    """A single recurrent cell with a fused input projection and a step.

    Subclasses are frozen dataclasses with a `hidden_size` field and implement
    `init`, `initial_carry`, `project_inputs` and `transition`; they may
    override `readout` (default: `y = carry.h`) and `retention`. Everything
    else (calling one step, unrolling, validation, analysis) is shared.

    The step is split in two so that analysis can reach the carry between
    them: `carry_t = transition(params, carry_{t-1}, px_t)` and
    `y_t = readout(params, carry_t, px_t)`.
    """

    hidden_size: int
    #: Names of the gate blocks along the fused G*H axis, in order.
    gate_names: ClassVar[tuple[str, ...]] = ("h",)

    @property
    def output_size(self) -> int:
        return self.hidden_size

    @abc.abstractmethod
    def project_inputs(self, params: Params, xs: jax.Array) -> jax.Array:
        """The carry-independent part of the step, for any leading axes."""

    @abc.abstractmethod
    def transition(self, params: Params, carry: Carry, projected_x: jax.Array) -> Carry:
        """The new carry from the previous one and an already projected input."""

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

    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse,
                          unroll, remat, rng, perturbation=None):
        del rng  # A single cell has no dropout.
        projected = self.project_inputs(params, xs_TxBxI)
        return scan_cell(self, params, projected, carry, lengths_B, reverse=reverse,
                         unroll=unroll, remat=remat, perturbation=perturbation)


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
        steps = projected_TxBxD.shape[0]
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
    carry, ys = jax.lax.scan(body, carry, (projected_TxBxD, perturbation, valid_TxB),
                             reverse=reverse, unroll=unroll)
    return ys, carry
