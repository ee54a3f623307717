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
    carry, y = cell.step(params, carry, px_t)

Sequence-level layers that cannot be stepped alone (`Bidirectional`) or that
compose cells (`Stack`) implement `Layer` directly; `rec.unroll` calls every
layer through the same `unroll_time_major` method, so it has no per-cell code.
"""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

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
                          unroll, remat, rng) -> tuple[jax.Array, Carry]:
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

        Returns:
          `(ys_TxBxO, final_carry)`.
        """


class Cell(Layer):
    """A single recurrent cell with a fused input projection and a step.

    Subclasses are frozen dataclasses with a `hidden_size` field and implement
    `init`, `initial_carry`, `project_inputs` and `step`. Everything else
    (calling one step, unrolling, validation) is shared.
    """

    hidden_size: int

    @property
    def output_size(self) -> int:
        return self.hidden_size

    @abc.abstractmethod
    def project_inputs(self, params: Params, xs: jax.Array) -> jax.Array:
        """The carry-independent part of the step, for any leading axes."""

    @abc.abstractmethod
    def step(self, params: Params, carry: Carry, projected_x: jax.Array):
        """One recurrent step on an already projected input; `(carry, y)`."""

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
                          unroll, remat, rng):
        del rng  # A single cell has no dropout.
        projected = self.project_inputs(params, xs_TxBxI)
        return scan_steps(self.step, params, projected, carry, lengths_B,
                          reverse=reverse, unroll=unroll, remat=remat)


def _keep_where(valid_B, new, old):
    """Per example, `new` where valid else `old`, for every carry leaf."""
    def pick(n, o):
        v = valid_B.reshape(valid_B.shape + (1,) * (n.ndim - valid_B.ndim))
        return jnp.where(v, n, o)
    return jax.tree_util.tree_map(pick, new, old)


def scan_steps(step, params, projected_TxBxD, carry, lengths_B, *, reverse=False,
               unroll=1, remat=False):
    """Scans `step(params, carry, projected_t)` over the leading time axis.

    With `lengths_B`, steps past a sequence's end leave its carry unchanged and
    output zeros. Scanning in reverse then starts each sequence at its own last
    valid step, because the carry stays at its initial value until then.
    """
    def body(carry, inputs):
        if lengths_B is None:
            return step(params, carry, inputs)
        projected_t, valid_B = inputs
        new_carry, y = step(params, carry, projected_t)
        new_carry = _keep_where(valid_B, new_carry, carry)
        y = jnp.where(valid_B[:, None], y, jnp.zeros_like(y))
        return new_carry, y

    if remat:
        body = jax.checkpoint(body)
    if lengths_B is None:
        xs = projected_TxBxD
    else:
        steps = projected_TxBxD.shape[0]
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
        xs = (projected_TxBxD, valid_TxB)
    carry, ys = jax.lax.scan(body, carry, xs, reverse=reverse, unroll=unroll)
    return ys, carry
