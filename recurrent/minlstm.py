"""minLSTM: the LSTM with input-only gates and normalised forget/input gates."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import HiddenCarry, LinearCell
from recurrent.mingru import positive
from recurrent.registry import register_cell


@register_cell("minlstm")
@dataclasses.dataclass(frozen=True)
class MinLSTM(LinearCell):
    r"""minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", arXiv:2410.01201).

    .. math::

        f_t &= \sigma(W_f x_t + b_f), \quad i_t = \sigma(W_i x_t + b_i), \quad
        \tilde h_t = W_h x_t + b_h \\
        f'_t &= \frac{f_t}{f_t + i_t}, \quad i'_t = \frac{i_t}{f_t + i_t} \\
        h_t &= f'_t \odot h_{t-1} + i'_t \odot \tilde h_t, \qquad y_t = h_t

    The normalised gates sum to one, so h stays on the scale of the
    candidates. Linear in the carry (`a_t = f'_t`), so it also trains in
    parallel over time.

    Params: `w_ih` `[I, 3H]` (blocks f, i, h), `b_ih` `[3H]`; no recurrent
    weights. Initialisation: `w_ih` LeCun normal, biases zero.

    Attributes:
      hidden_size: H, the number of hidden units.
      log_space: the paper's log-space form: the candidate becomes
        g(W_h x + b_h) > 0 (g(v) = v + 1/2 for v >= 0, sigmoid(v) below), and
        parallel mode computes in log space (Heinsen 2023), which keeps its
        range over long sequences; the carry must then stay >= 0.
      param_dtype: dtype of the parameters.
    """

    gate_names: ClassVar[tuple[str, ...]] = ("f", "i", "h")
    hidden_size: int
    log_space: bool = False
    param_dtype: Any = "float32"

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        width = 3 * self.hidden_size
        return {"w_ih": initializers.input_kernel(key, input_size, width, self.param_dtype),
                "b_ih": jnp.zeros((width,), self.param_dtype)}

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    def project_inputs(self, params, xs):
        return xs @ params["w_ih"] + params["b_ih"]

    def coefficients(self, params, projected_x):
        f_pre, i_pre, candidate = jnp.split(projected_x, 3, axis=-1)
        f, i = jax.nn.sigmoid(f_pre), jax.nn.sigmoid(i_pre)
        if self.log_space:
            candidate = positive(candidate)
        return HiddenCarry(h=f / (f + i)), HiddenCarry(h=i / (f + i) * candidate)

    def retention(self, params, carry, projected_x):
        """f'_t: the fraction of h_{t-1} that h_t keeps."""
        return self.coefficients(params, projected_x)[0].h

    def recurrent_matrices(self, params):
        return {}  # The recurrence has no weights: a_t = f'_t comes from the input.
