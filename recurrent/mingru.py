"""minGRU: the GRU with gates that depend on the input only."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import HiddenCarry, LinearCell, UnitSlice
from recurrent.registry import register_cell


def positive(v):
    """g(v) = v + 1/2 for v >= 0 and sigmoid(v) below: continuous, increasing, > 0."""
    return jnp.where(v >= 0, v + 0.5, jax.nn.sigmoid(v))


class InputGatedCell(LinearCell):
    """Shared by MinGRU and MinLSTM: every gate and the candidate come from one
    fused input projection `w_ih` `[I, G*H]`, `b_ih` `[G*H]` (G = len(gate_names)),
    and the recurrence has no weights of its own."""

    hidden_size: int
    param_dtype: Any

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        width = len(self.gate_names) * self.hidden_size
        return {"w_ih": initializers.input_kernel(key, input_size, width, self.param_dtype),
                "b_ih": jnp.zeros((width,), self.param_dtype)}

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        shape = _checks.batch_shape_tuple(batch_shape) + (self.hidden_size,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    def project_inputs(self, params, xs):
        return xs @ params["w_ih"] + params["b_ih"]

    def retention(self, params, carry, projected_x):
        """a_t, the fraction of h_{t-1} that h_t keeps (1 - z_t, or f'_t)."""
        return self.coefficients(params, projected_x)[0].h

    def recurrent_matrices(self, params):
        return {}  # No recurrent weights: a_t comes from the input.

    #: The gates whose input weights set the retention a_t.
    retention_gates: ClassVar[tuple[str, ...]] = ()

    def recurrent_parameters(self):
        """No weights read h_{t-1}; a_t is set by the retention gates' input weights
        and biases, so those are each unit's parameters of its memory."""
        h = self.hidden_size
        declared = {}
        for gate in self.retention_gates:
            start = self.gate_names.index(gate) * h
            declared[f"w_ih.{gate}"] = UnitSlice("w_ih", 1, start, h)
            declared[f"b_ih.{gate}"] = UnitSlice("b_ih", 0, start, h)
        return declared


@register_cell("mingru")
@dataclasses.dataclass(frozen=True)
class MinGRU(InputGatedCell):
    r"""minGRU (Feng et al. 2024, "Were RNNs All We Needed?", arXiv:2410.01201).

    .. math::

        z_t &= \sigma(W_z x_t + b_z), \qquad \tilde h_t = W_h x_t + b_h \\
        h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t, \qquad y_t = h_t

    Neither the gate nor the candidate reads h_{t-1}, so the recurrence is
    linear in the carry (`a_t = 1 - z_t`, `b_t = z_t h~_t`) and the cell also
    trains in parallel over time (`rec.unroll(..., mode="parallel")`). The
    gradient through k steps is the product of the k diagonals `1 - z`.

    Params: `w_ih` `[I, 2H]` (blocks z, h), `b_ih` `[2H]`; no recurrent weights.
    Initialisation: `w_ih` LeCun normal, biases zero.

    Attributes:
      hidden_size: H, the number of hidden units.
      log_space: the paper's log-space form: the candidate becomes
        g(W_h x + b_h) > 0 (g(v) = v + 1/2 for v >= 0, sigmoid(v) below), and
        parallel mode computes in log space (Heinsen 2023), which keeps its
        range over long sequences; the carry must then stay >= 0.
      param_dtype: dtype of the parameters.
    """

    gate_names: ClassVar[tuple[str, ...]] = ("z", "h")
    retention_gates: ClassVar[tuple[str, ...]] = ("z",)
    hidden_size: int
    log_space: bool = False
    param_dtype: Any = "float32"

    def coefficients(self, params, projected_x):
        z_pre, candidate = jnp.split(projected_x, 2, axis=-1)
        z = jax.nn.sigmoid(z_pre)
        if self.log_space:
            candidate = positive(candidate)
        return HiddenCarry(h=1.0 - z), HiddenCarry(h=z * candidate)
