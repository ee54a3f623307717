"""The Elman recurrent cell."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import HiddenCarry, KernelCell
from recurrent.registry import register_cell

ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda z: z}
RECURRENT_INITS = ("orthogonal", "identity")


@register_cell("rnn")
@dataclasses.dataclass(frozen=True)
class RNN(KernelCell):
    r"""Elman RNN cell, the recurrence of the blog post the project starts from.

    .. math::

        h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}), \qquad y_t = h_t

    with :math:`f` = tanh (default), relu, or linear (the identity, for
    analysis of linear recurrences). Shapes: `w_ih` `[I, H]`, `w_hh` `[H, H]`,
    `b_ih`, `b_hh` `[H]` (the kernels are the transposes of PyTorch's).

    Initialisation: `w_ih` LeCun normal (variance 1/I); `w_hh` orthogonal
    scaled by `recurrent_scale` (default), or `recurrent_scale * I` with
    `recurrent_init="identity"`, which with relu is the IRNN of Le et al.
    (2015), "A Simple Way to Initialize Recurrent Networks of Rectified Linear
    Units", arXiv:1504.00941; biases zero.

    Attributes:
      hidden_size: H, the number of hidden units.
      activation: "tanh", "relu" or "linear".
      recurrent_init: "orthogonal" or "identity".
      recurrent_scale: gain of the recurrent initialisation.
      param_dtype: dtype of the parameters.
      matmul_dtype: None (default) for products in the parameters' dtype, or
        e.g. "bfloat16": the matrix products' operands are cast to it and
        accumulate in float32, while the carry and the gates stay float32.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> cell = rec.RNN(hidden_size=4, activation="relu", recurrent_init="identity")
      >>> params = cell.init(jax.random.key(0), 3)
      >>> carry, y = cell(params, cell.initial_carry(2), jnp.ones((2, 3)))
      >>> y.shape
      (2, 4)
    """

    feature_major: ClassVar[bool] = True
    hidden_size: int
    activation: str = "tanh"
    recurrent_init: str = "orthogonal"
    recurrent_scale: float = 1.0
    param_dtype: Any = "float32"
    matmul_dtype: Any = None

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)
        _checks.one_of("activation", self.activation, ACTIVATIONS)
        _checks.one_of("recurrent_init", self.recurrent_init, RECURRENT_INITS)

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        h, dtype, scale = self.hidden_size, self.param_dtype, self.recurrent_scale
        if self.recurrent_init == "identity":
            recurrent = lambda k: initializers.identity_blocks(h, 1, scale, dtype)  # noqa: E731
        else:
            recurrent = lambda k: initializers.orthogonal_blocks(k, h, 1, scale, dtype)  # noqa: E731
        return initializers.fused_gate_params(key, input_size, h, 1, recurrent, dtype)

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    def pointwise_transition(self, carry, projected_x, projected_carry, axis=-1):
        del axis  # Element-wise: the same along either axis.
        return HiddenCarry(h=ACTIVATIONS[self.activation](projected_x + projected_carry))

    def pointwise_vjp(self, carry, projected_x, projected_carry, axis=-1):
        """The activation's derivative from its output h_t alone (tanh' = 1 - h_t^2, relu'
        = [h_t > 0], linear' = 1): the one residual is the new state, which the fused
        unroll stores anyway, so it stores nothing more per step."""
        new = self.pointwise_transition(carry, projected_x, projected_carry, axis)
        return new, jax.tree_util.Partial(_PULLBACKS[self.activation], new.h)


def _tanh_pullback(h, new_bar):
    z_bar = new_bar.h * (1.0 - h * h)
    return HiddenCarry(h=jnp.zeros_like(z_bar)), z_bar, z_bar


def _relu_pullback(h, new_bar):  # jax.nn.relu's derivative at 0 is 0, as here.
    z_bar = jnp.where(h > 0, new_bar.h, jnp.zeros_like(new_bar.h))
    return HiddenCarry(h=jnp.zeros_like(z_bar)), z_bar, z_bar


def _linear_pullback(h, new_bar):
    del h
    return HiddenCarry(h=jnp.zeros_like(new_bar.h)), new_bar.h, new_bar.h


_PULLBACKS = {"tanh": _tanh_pullback, "relu": _relu_pullback, "linear": _linear_pullback}
