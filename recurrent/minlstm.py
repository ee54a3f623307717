"""minLSTM: the LSTM with input-only gates and normalised forget/input gates."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent.base import HiddenCarry
from recurrent.mingru import InputGatedCell, positive
from recurrent.registry import register_cell


@register_cell("minlstm")
@dataclasses.dataclass(frozen=True)
class MinLSTM(InputGatedCell):
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
    retention_gates: ClassVar[tuple[str, ...]] = ("f", "i")  # a_t = f / (f + i)
    hidden_size: int
    log_space: bool = False
    param_dtype: Any = "float32"

    def coefficients(self, params, projected_x):
        f_pre, i_pre, candidate = jnp.split(projected_x, 3, axis=-1)
        f, i = jax.nn.sigmoid(f_pre), jax.nn.sigmoid(i_pre)
        if self.log_space:
            candidate = positive(candidate)
        return HiddenCarry(h=f / (f + i)), HiddenCarry(h=i / (f + i) * candidate)
