"""Thin Flax linen wrappers: the functional cells as ordinary Flax modules.

The functional API is the source of truth; these modules only hold its
params as a Flax variable (`variables["params"]["cell"]`, the exact pytree
`cell.init` returns) and call `rec.unroll` or the cell's step.

Example:
  >>> import jax, jax.numpy as jnp, recurrent as rec
  >>> model = rec.nn.Recurrent(rec.LSTM(hidden_size=8))
  >>> xs = jnp.ones((2, 5, 3))
  >>> variables = model.init(jax.random.key(0), xs)
  >>> model.apply(variables, xs, lengths=jnp.array([5, 3])).shape
  (2, 5, 8)
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from recurrent.base import Layer
from recurrent.unroll import unroll


class Recurrent(nn.Module):
    """Unrolls a cell (or `Bidirectional`/`Stack`) over a sequence.

    Attributes:
      cell: any layer that `rec.unroll` accepts.
      reverse, time_major, unroll, remat: as in `rec.unroll`.
      return_carry: return `(ys, carry)` instead of `ys`.
    """

    cell: Layer
    reverse: bool = False
    time_major: bool = False
    unroll: int = 1
    remat: bool = False
    return_carry: bool = False

    @nn.compact
    def __call__(self, xs, carry=None, *, lengths=None, deterministic: bool = True):
        """Args: xs `[B, T, I]`; carry; lengths `[B]`; deterministic: when False,
        dropout inside the layer draws from the `"dropout"` rng collection."""
        params = self.param("cell", lambda rng: self.cell.init(rng, jnp.shape(xs)[-1]))
        rng = None if deterministic else self.make_rng("dropout")
        ys, carry = unroll(self.cell, params, xs, carry, lengths=lengths,
                           reverse=self.reverse, time_major=self.time_major,
                           unroll=self.unroll, remat=self.remat, rng=rng)
        return (ys, carry) if self.return_carry else ys


class Cell(nn.RNNCellBase):
    """One step of a cell, with Flax's `RNNCellBase` contract.

    Lets the library's cells run inside `flax.linen.RNN`, e.g.
    `nn.RNN(rec.nn.Cell(rec.GRU(8)))`. Note that Flax's own scan does not hoist
    the input projection out of the loop; `Recurrent` does.

    Attributes:
      cell: a steppable cell (or `Stack` of them).
    """

    cell: Any

    @nn.compact
    def __call__(self, carry, x):
        params = self.param("cell", lambda rng: self.cell.init(rng, jnp.shape(x)[-1]))
        return self.cell(params, carry, x)

    @nn.nowrap
    def initialize_carry(self, rng, input_shape):
        del rng  # Carries start at zero.
        return self.cell.initial_carry(tuple(input_shape[:-1]))

    @property
    def num_feature_axes(self) -> int:
        return 1
