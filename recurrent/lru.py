"""The Linear Recurrent Unit: a complex diagonal linear recurrence."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp

from recurrent import _checks, initializers
from recurrent.base import HiddenCarry, LinearCell, UnitSlice
from recurrent.registry import register_cell


@register_cell("lru")
@dataclasses.dataclass(frozen=True)
class LRU(LinearCell):
    r"""Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural
    Networks for Long Sequences", arXiv:2303.06349).

    .. math::

        \lambda &= \exp(-\exp(\nu) + i \exp(\theta)), \qquad
        \gamma = \sqrt{1 - |\lambda|^2} \\
        h_t &= \lambda \odot h_{t-1} + \gamma \odot (B x_t), \qquad
        y_t = \mathrm{Re}(C h_t) + D x_t

    The state h is complex with N = `state_size` units; the output has
    `hidden_size` features. `exp(nu)` > 0 keeps |lambda| < 1 (stable), and
    gamma normalises the state's scale. The recurrence is diagonal and linear,
    so it trains in parallel over time, and ds_T/ds_t = diag(lambda^(T-t)).

    Initialisation ("ring"): |lambda| uniform in the ring area between
    `r_min` and `r_max`, phase uniform in [0, `max_phase`]; `gamma_log`
    = log(sqrt(1 - |lambda|^2)); B (real and imaginary parts) normal with
    variance 1/(2I); C normal with variance 1/N per part; D LeCun normal.

    Params: `nu_log`, `theta_log`, `gamma_log` `[N]`; `b_re`, `b_im` `[I, N]`;
    `c_re`, `c_im` `[N, H]`; `d` `[I, H]` (kernels are used as `x @ w`).

    Attributes:
      hidden_size: H, the output features.
      state_size: N, complex state units (default: hidden_size).
      r_min, r_max: the ring of initial |lambda| (0 <= r_min < r_max < 1).
      max_phase: the largest initial phase of lambda.
      param_dtype: dtype of the real parameters.
    """

    hidden_size: int
    state_size: int | None = None
    r_min: float = 0.9
    r_max: float = 0.999
    max_phase: float = math.pi / 10
    param_dtype: Any = "float32"

    def __post_init__(self):
        _checks.positive_int("hidden_size", self.hidden_size)
        _checks.declared_types(self)
        if self.state_size is not None:
            _checks.positive_int("state_size", self.state_size)
        if not 0 <= self.r_min < self.r_max < 1:
            raise ValueError(f"r_min and r_max must satisfy 0 <= r_min < r_max < 1, got "
                             f"r_min={self.r_min!r}, r_max={self.r_max!r}")
        if self.max_phase <= 0:
            raise ValueError(f"max_phase must be > 0, got {self.max_phase!r}")

    @property
    def units(self) -> int:
        return self.hidden_size if self.state_size is None else self.state_size

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        n, h, dtype = self.units, self.hidden_size, self.param_dtype
        k_r, k_phase, k_b1, k_b2, k_c1, k_c2, k_d = jax.random.split(key, 7)
        u1 = jax.random.uniform(k_r, (n,), dtype)
        u2 = jax.random.uniform(k_phase, (n,), dtype)
        nu_log = jnp.log(-0.5 * jnp.log(u1 * (self.r_max ** 2 - self.r_min ** 2)
                                        + self.r_min ** 2))
        theta_log = jnp.log(self.max_phase * u2)
        modulus = jnp.exp(-jnp.exp(nu_log))
        b_scale = 1.0 / math.sqrt(2 * input_size)
        return {
            "nu_log": nu_log, "theta_log": theta_log,
            "gamma_log": jnp.log(jnp.sqrt(1.0 - modulus ** 2)),
            "b_re": b_scale * jax.random.normal(k_b1, (input_size, n), dtype),
            "b_im": b_scale * jax.random.normal(k_b2, (input_size, n), dtype),
            "c_re": jax.random.normal(k_c1, (n, h), dtype) / math.sqrt(n),
            "c_im": jax.random.normal(k_c2, (n, h), dtype) / math.sqrt(n),
            "d": initializers.input_kernel(k_d, input_size, h, dtype),
        }

    def eigenvalues(self, params) -> jax.Array:
        """lambda, the diagonal of the recurrence, `[N]` complex."""
        return jnp.exp(-jnp.exp(params["nu_log"]) + 1j * jnp.exp(params["theta_log"]))

    def initial_carry(self, batch_shape, dtype=jnp.complex64):
        dtype = jnp.result_type(dtype, jnp.complex64)  # The state is complex.
        shape = _checks.batch_shape_tuple(batch_shape) + (self.units,)
        return HiddenCarry(h=jnp.zeros(shape, dtype))

    def input_size(self, params):
        return params["b_re"].shape[0]

    def project_inputs(self, params, xs):
        b = params["b_re"] + 1j * params["b_im"]
        return (jnp.exp(params["gamma_log"]) * (xs @ b), xs @ params["d"])

    def coefficients(self, params, projected_x):
        normalised_bx, _ = projected_x
        return (HiddenCarry(h=jnp.broadcast_to(self.eigenvalues(params), normalised_bx.shape)),
                HiddenCarry(h=normalised_bx))

    def readout(self, params, carry, projected_x):
        c = params["c_re"] + 1j * params["c_im"]
        return (carry.h @ c).real + projected_x[1]

    def retention(self, params, carry, projected_x):
        """|lambda|: the fraction of each unit's state magnitude a step keeps."""
        return jnp.broadcast_to(jnp.abs(self.eigenvalues(params)), projected_x[0].shape)

    def recurrent_parameters(self):
        """lambda's parametrisation: `nu_log` (its modulus) and `theta_log` (its phase)."""
        return {name: UnitSlice(name, 0, 0, self.units) for name in ("nu_log", "theta_log")}

    def recurrent_matrices(self, params):
        return {"lambda": jnp.diag(self.eigenvalues(params))}
