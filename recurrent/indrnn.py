"""IndRNN: independently recurrent units with element-wise recurrent weights."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import Cell, HiddenCarry, UnitSlice
from recurrent.registry import register_cell

ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh}


@register_cell("indrnn")
@dataclasses.dataclass(frozen=True)
class IndRNN(Cell):
    r"""Independently recurrent neural network (Li et al. 2018, "Independently
    Recurrent Neural Network (IndRNN): Building A Longer and Deeper RNN",
    arXiv:1803.04831).

    .. math::

        h_t = f(W x_t + b + u \odot h_{t-1}), \qquad y_t = h_t

    Each unit recurs only on itself, so the gradient through k steps is
    :math:`\prod_k f'(\cdot)\, u` per unit. With `t_max` set, the recurrent
    weights are clipped to :math:`|u| \le 2^{1/t_{max}}` in every step (the
    paper's constraint for relu), so a unit's gradient can grow by at most a
    factor 2 over `t_max` steps; beyond the bound u gets no gradient.

    Params: `w_ih` `[I, H]`, `b_ih` `[H]`, `w_hh` `[H]` (the vector u).
    Initialisation: `w_ih` LeCun normal, `b_ih` zero, u uniform in [0, 1]
    (at most the bound).

    Attributes:
      hidden_size: H, the number of hidden units.
      activation: "relu" (default) or "tanh".
      t_max: if set (>= 1), the horizon of the recurrent-weight constraint.
      param_dtype: dtype of the parameters.
    """

    hidden_size: int
    activation: str = "relu"
    t_max: float | None = None
    param_dtype: Any = "float32"

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)
        _checks.one_of("activation", self.activation, ACTIVATIONS)
        if self.t_max is not None and self.t_max < 1:  # Its type: checked above.
            raise ValueError(f"t_max must be None or a number >= 1, got {self.t_max!r}")

    @property
    def recurrent_max(self) -> float | None:
        """The bound on |u|, 2 ** (1 / t_max), or None."""
        return None if self.t_max is None else 2.0 ** (1.0 / self.t_max)

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        k_in, k_rec = jax.random.split(key)
        h, dtype = self.hidden_size, self.param_dtype
        high = 1.0 if self.recurrent_max is None else min(1.0, self.recurrent_max)
        return {"w_ih": initializers.input_kernel(k_in, input_size, h, dtype),
                "b_ih": jnp.zeros((h,), dtype),
                "w_hh": jax.random.uniform(k_rec, (h,), dtype, 0.0, high)}

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    def _recurrent_weights(self, params):
        u = params["w_hh"]
        bound = self.recurrent_max
        return u if bound is None else jnp.clip(u, -bound, bound)

    def project_inputs(self, params, xs):
        return xs @ params["w_ih"] + params["b_ih"]

    def project_carry(self, params, carry):
        return self._recurrent_weights(params) * carry.h

    def pointwise_transition(self, carry, projected_x, projected_carry):
        return HiddenCarry(h=ACTIVATIONS[self.activation](projected_x + projected_carry))

    def recurrent_parameters(self):
        """The element-wise recurrent weight u of each unit."""
        return {"w_hh": UnitSlice("w_hh", 0, 0, self.hidden_size)}

    def recurrent_matrices(self, params):
        return {"h": jnp.diag(self._recurrent_weights(params))}
