"""The long short-term memory cell."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import KernelCell, LSTMCarry, UnitSlice, join_gates
from recurrent.registry import register_cell


@register_cell("lstm")
@dataclasses.dataclass(frozen=True)
class LSTM(KernelCell):
    r"""Long short-term memory cell (Hochreiter & Schmidhuber, 1997).

    .. math::

        z_t &= W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}
              = [z^i, z^f, z^g, z^o] \\
        i_t &= \sigma(z^i), \; f_t = \sigma(z^f), \;
        g_t = \tanh(z^g), \; o_t = \sigma(z^o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t), \qquad y_t = h_t

    The gates are fused along the last axis in PyTorch's order i, f, g, o:
    `w_ih` `[I, 4H]`, `w_hh` `[H, 4H]`, `b_ih`, `b_hh` `[4H]`.

    Initialisation: `w_ih` LeCun normal; `w_hh` one orthogonal block per gate;
    biases zero, then `forget_bias` is added to the forget-gate part of `b_ih`
    (Gers et al. 2000; Jozefowicz et al. 2015). With `chrono_t_max` set, the
    chrono initialisation of Tallec & Ollivier (2018), "Can recurrent neural
    networks warp time?", arXiv:1804.11188, replaces it: per unit
    :math:`b^f \sim \log \mathcal{U}(1, T_{max} - 1)` and :math:`b^i = -b^f`,
    so the units' forget timescales spread up to about `chrono_t_max` steps.

    Attributes:
      hidden_size: H, the number of hidden units.
      forget_bias: added to the forget-gate bias at initialisation.
      chrono_t_max: if set (>= 2), use the chrono initialisation instead.
      param_dtype: dtype of the parameters.
      matmul_dtype: None (default) for products in the parameters' dtype, or
        e.g. "bfloat16": the matrix products' operands are cast to it and
        accumulate in float32, while the carry and the gates stay float32.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.LSTM(hidden_size=4)
      >>> params = cell.init(jax.random.key(0), 3)
      >>> carry, y = cell(params, cell.initial_carry(2), jnp.ones((2, 3)))
      >>> carry.c.shape
      (2, 4)
    """

    gate_names: ClassVar[tuple[str, ...]] = ("i", "f", "g", "o")
    feature_major: ClassVar[bool] = True
    hidden_size: int
    forget_bias: float = 1.0
    chrono_t_max: float | None = None
    param_dtype: Any = "float32"
    matmul_dtype: Any = None

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)
        if self.chrono_t_max is not None and self.chrono_t_max < 2:  # Its type: checked above.
            raise ValueError(f"chrono_t_max must be None or a number >= 2, got "
                             f"{self.chrono_t_max!r}")

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        h, dtype = self.hidden_size, self.param_dtype
        key, k_chrono = jax.random.split(key)
        params = initializers.fused_gate_params(
            key, input_size, h, 4,
            lambda k: initializers.orthogonal_blocks(k, h, 4, 1.0, dtype), dtype)
        if self.chrono_t_max is None:
            b_forget = jnp.full((h,), self.forget_bias, dtype)
            b_input = jnp.zeros((h,), dtype)
        else:
            b_forget = jnp.log(jax.random.uniform(
                k_chrono, (h,), dtype, 1.0, self.chrono_t_max - 1.0))
            b_input = -b_forget
        params["b_ih"] = params["b_ih"].at[:h].set(b_input).at[h:2 * h].set(b_forget)
        return params

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return LSTMCarry(h=jnp.zeros(shape, dtype), c=jnp.zeros(shape, dtype))

    def pointwise_transition(self, carry, projected_x, projected_carry, axis=-1):
        z_i, z_f, z_g, z_o = jnp.split(projected_x + projected_carry, 4, axis=axis)
        c = jax.nn.sigmoid(z_f) * carry.c + jax.nn.sigmoid(z_i) * jnp.tanh(z_g)
        h = jax.nn.sigmoid(z_o) * jnp.tanh(c)
        return LSTMCarry(h=h, c=c)

    def pointwise_vjp(self, carry, projected_x, projected_carry, axis=-1):
        z_i, z_f, z_g, z_o = jnp.split(projected_x + projected_carry, 4, axis=axis)
        i, f, g, o = (jax.nn.sigmoid(z_i), jax.nn.sigmoid(z_f), jnp.tanh(z_g),
                      jax.nn.sigmoid(z_o))
        c = f * carry.c + i * g
        tanh_c = jnp.tanh(c)
        new = LSTMCarry(h=o * tanh_c, c=c)
        return new, jax.tree_util.Partial(_PULLBACKS[axis], i, f, g, o, carry.c, tanh_c)

    def recurrent_parameters(self):
        """The forget-gate block of `w_hh`: per unit, the weights from h_{t-1} into f_t."""
        return {"w_hh.f": UnitSlice("w_hh", 1, self.hidden_size, self.hidden_size)}

    def retention(self, params, carry, projected_x):
        """The forget gate f_t: the fraction of c_{t-1} that c_t keeps."""
        z = projected_x + self.project_carry(params, carry)
        return jax.nn.sigmoid(jnp.split(z, 4, axis=-1)[1])


def _lstm_pullback(i, f, g, o, c_previous, tanh_c, new_bar, *, axis):
    """The LSTM gating's VJP from its saved activations (no recomputation)."""
    c_bar = new_bar.c + new_bar.h * o * (1.0 - tanh_c * tanh_c)
    z_bar = join_gates([c_bar * g * i * (1.0 - i),
                        c_bar * c_previous * f * (1.0 - f),
                        c_bar * i * (1.0 - g * g),
                        new_bar.h * tanh_c * o * (1.0 - o)], axis)
    carry_bar = LSTMCarry(h=jnp.zeros_like(new_bar.h), c=c_bar * f)
    return carry_bar, z_bar, z_bar


# One function object per layout, so the pullbacks' tree structure is stable.
_PULLBACKS = {axis: functools.partial(_lstm_pullback, axis=axis) for axis in (-1, 0)}
