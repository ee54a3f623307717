"""The gated recurrent unit, in the reset-after form of cuDNN and PyTorch."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import HiddenCarry, KernelCell, UnitSlice, join_gates
from recurrent.registry import register_cell


@register_cell("gru")
@dataclasses.dataclass(frozen=True)
class GRU(KernelCell):
    r"""Gated recurrent unit (Cho et al. 2014), reset-after form.

    .. math::

        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t &= \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}, \qquad y_t = h_t

    The reset gate multiplies the recurrent product *after* it is computed, as
    in cuDNN, PyTorch's `nn.GRU` and Flax's `GRUCell`, so `b_hn` stays separate
    from `b_in`. Gates are fused in PyTorch's order r, z, n: `w_ih` `[I, 3H]`,
    `w_hh` `[H, 3H]`, `b_ih`, `b_hh` `[3H]`.

    Initialisation: `w_ih` LeCun normal; `w_hh` one orthogonal block per gate;
    biases zero.

    Attributes:
      hidden_size: H, the number of hidden units.
      param_dtype: dtype of the parameters.
      matmul_dtype: None (default) for products in the parameters' dtype, or
        e.g. "bfloat16": the matrix products' operands are cast to it and
        accumulate in float32, while the carry and the gates stay float32.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.GRU(hidden_size=4)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> ys, carry = rec.unroll(cell, params, jnp.ones((2, 5, 3)))
      >>> ys.shape
      (2, 5, 4)
    """

    gate_names: ClassVar[tuple[str, ...]] = ("r", "z", "n")
    recurrent_bias: ClassVar[bool] = True
    feature_major: ClassVar[bool] = True
    hidden_size: int
    param_dtype: Any = "float32"
    matmul_dtype: Any = None

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        h, dtype = self.hidden_size, self.param_dtype
        return initializers.fused_gate_params(
            key, input_size, h, 3,
            lambda k: initializers.orthogonal_blocks(k, h, 3, 1.0, dtype), dtype)

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    @staticmethod
    def _gates(projected_x, projected_carry, axis=-1):
        x_r, x_z, x_n = jnp.split(projected_x, 3, axis=axis)
        h_r, h_z, h_n = jnp.split(projected_carry, 3, axis=axis)
        return jax.nn.sigmoid(x_r + h_r), jax.nn.sigmoid(x_z + h_z), x_n, h_n

    def pointwise_transition(self, carry, projected_x, projected_carry, axis=-1):
        r, z, x_n, h_n = self._gates(projected_x, projected_carry, axis)
        n = jnp.tanh(x_n + r * h_n)
        return HiddenCarry(h=(1.0 - z) * n + z * carry.h)

    def pointwise_vjp(self, carry, projected_x, projected_carry, axis=-1):
        r, z, x_n, h_n = self._gates(projected_x, projected_carry, axis)
        n = jnp.tanh(x_n + r * h_n)
        new = HiddenCarry(h=(1.0 - z) * n + z * carry.h)
        return new, jax.tree_util.Partial(_PULLBACKS[axis], r, z, n, h_n, carry.h)

    def recurrent_parameters(self):
        """The update-gate block of `w_hh`: per unit, the weights from h_{t-1} into z_t."""
        return {"w_hh.z": UnitSlice("w_hh", 1, self.hidden_size, self.hidden_size)}

    def retention(self, params, carry, projected_x):
        """The update gate z_t: the fraction of h_{t-1} that h_t keeps."""
        return self._gates(projected_x, self.project_carry(params, carry))[1]


def _gru_pullback(r, z, n, h_n, h_previous, new_bar, *, axis):
    """The GRU gating's VJP from its saved gates (no recomputation)."""
    g = new_bar.h
    n_pre_bar = g * (1.0 - z) * (1.0 - n * n)
    r_pre_bar = n_pre_bar * h_n * r * (1.0 - r)
    z_pre_bar = g * (h_previous - n) * z * (1.0 - z)
    projected_x_bar = join_gates([r_pre_bar, z_pre_bar, n_pre_bar], axis)
    projected_carry_bar = join_gates([r_pre_bar, z_pre_bar, n_pre_bar * r], axis)
    return HiddenCarry(h=g * z), projected_x_bar, projected_carry_bar


# One function object per layout, so the pullbacks' tree structure is stable.
_PULLBACKS = {axis: functools.partial(_gru_pullback, axis=axis) for axis in (-1, 0)}
