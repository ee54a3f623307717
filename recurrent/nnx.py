"""Thin Flax NNX wrappers: the functional cells as `flax.nnx` modules.

The functional API is the source of truth; these modules only hold its
params as `nnx.Param` leaves in `module.params` (the exact pytree `cell.init`
returns, same structure and names) and call `rec.unroll` or the cell's step.
They are ordinary NNX modules: `nnx.jit`, `nnx.grad`, `nnx.Optimizer`,
`nnx.split` / `nnx.merge` and Orbax checkpoints of `nnx.state` work on them.

Example:
  >>> import jax.numpy as jnp, recurrent as rec
  >>> from flax import nnx
  >>> model = rec.nnx.Recurrent(rec.LSTM(hidden_size=8), 3, rngs=nnx.Rngs(0))
  >>> model(jnp.ones((2, 5, 3)), lengths=jnp.array([5, 3])).shape
  (2, 5, 8)
  >>> sorted(nnx.state(model, nnx.Param)["params"])
  ['b_hh', 'b_ih', 'w_hh', 'w_ih']
"""

from __future__ import annotations

import jax
from flax import nnx

from recurrent.base import Layer, Params
from recurrent.unroll import unroll as unroll_layer


def _is_variable(leaf) -> bool:
    return isinstance(leaf, nnx.Variable)


def _init_params(cell, in_features, rngs: nnx.Rngs):
    """`cell.init`'s pytree with every array wrapped in an `nnx.Param`."""
    if not isinstance(cell, Layer):
        raise TypeError(
            f"cell must be a recurrent cell or layer (rec.RNN, rec.LSTM, rec.Stack, ...), "
            f"got {type(cell).__name__}")
    if not isinstance(rngs, nnx.Rngs):
        raise TypeError(f"rngs must be an nnx.Rngs, got {type(rngs).__name__}")
    return nnx.data(jax.tree_util.tree_map(nnx.Param, cell.init(rngs.params(), in_features)))


def _values(params) -> Params:
    return jax.tree_util.tree_map(lambda v: v[...], params, is_leaf=_is_variable)


class Recurrent(nnx.Module):
    """Unrolls a cell (or `Bidirectional`/`Stack`) over a sequence.

    Args:
      cell: any layer that `rec.unroll` accepts.
      in_features: I, the size of the inputs' feature axis.
      rngs: `rngs.params()` initialises the params; for a layer with dropout
        (`rec.Stack(..., dropout=p)`) the module also keeps a fork of the
        `"dropout"` stream, as `nnx.Dropout` does.
      return_carry: return `(ys, carry)` instead of `ys`.
      deterministic: disables dropout (NNX's convention: `model.eval()` sets it,
        `model.train()` clears it; it defaults to False like `nnx.Dropout`).

    Attributes:
      cell: the functional layer (static).
      params: its parameters, `cell.init`'s pytree of `nnx.Param`.
    """

    def __init__(self, cell: Layer, in_features: int, *, rngs: nnx.Rngs,
                 return_carry: bool = False, deterministic: bool = False):
        self.params = _init_params(cell, in_features, rngs)
        self.cell = cell
        self.return_carry = return_carry
        self.deterministic = deterministic
        self.rngs = rngs["dropout"].fork() if cell.has_dropout else nnx.data(None)

    def functional_params(self) -> Params:
        """The params as plain arrays, the pytree `rec.unroll(self.cell, ...)` takes."""
        return _values(self.params)

    def __call__(self, xs, carry=None, *, lengths=None, reverse=False, time_major=False,
                 unroll=1, remat=False, mode="auto", gradient="fused", layout="auto",
                 initial_guess=None, deterministic: bool | None = None, rngs=None):
        """Runs `rec.unroll(self.cell, params, xs, carry, ...)`.

        Args:
          xs: inputs `[B, T, I]` (`[T, B, I]` with `time_major=True`).
          carry: the initial carry for batch shape `(B,)`; zeros when None.
          lengths, reverse, time_major, unroll, remat, mode, gradient, layout,
            initial_guess: as in `rec.unroll`.
          deterministic: overrides the attribute for this call.
          rngs: an `nnx.Rngs`, `nnx.RngStream` or key for this call's dropout,
            instead of the stream kept at construction.

        Returns:
          `ys` `[B, T, O]`, or `(ys, final_carry)` with `return_carry`.
        """
        ys, carry = unroll_layer(
            self.cell, self.functional_params(), xs, carry, lengths=lengths, reverse=reverse,
            time_major=time_major, unroll=unroll, remat=remat, mode=mode, gradient=gradient,
            layout=layout, initial_guess=initial_guess,
            rng=self._dropout_key(deterministic, rngs))
        return (ys, carry) if self.return_carry else ys

    def _dropout_key(self, deterministic, rngs):
        deterministic = self.deterministic if deterministic is None else deterministic
        if deterministic or not self.cell.has_dropout:
            return None
        rngs = self.rngs if rngs is None else rngs
        if isinstance(rngs, nnx.Rngs):
            return rngs["dropout"]()
        if isinstance(rngs, nnx.RngStream):
            return rngs()
        if isinstance(rngs, jax.Array):
            return rngs
        raise TypeError(f"rngs must be an nnx.Rngs, nnx.RngStream or a key for "
                        f"{self.cell}'s dropout, got {type(rngs).__name__}")

    def set_view(self, deterministic: bool | None = None):
        """Lets `nnx.view(model, deterministic=...)` switch dropout."""
        if deterministic is not None:
            self.deterministic = deterministic


class Cell(nnx.RNNCellBase):
    """One step of a cell, with NNX's `RNNCellBase` contract.

    Lets the library's cells run inside `flax.nnx.RNN` and
    `flax.nnx.Bidirectional`, e.g.
    `nnx.RNN(rec.nnx.Cell(rec.GRU(8), 3, rngs=nnx.Rngs(0)))`. Note that NNX's
    scan does not hoist the input projection out of the loop; `Recurrent` does.

    Args:
      cell: a steppable cell (or `Stack` of them).
      in_features: I, the size of the inputs' feature axis.
      rngs: `rngs.params()` initialises the params.

    Attributes:
      cell: the functional cell (static).
      params: its parameters, `cell.init`'s pytree of `nnx.Param`.
    """

    def __init__(self, cell: Layer, in_features: int, *, rngs: nnx.Rngs):
        self.params = _init_params(cell, in_features, rngs)
        self.cell = cell

    def functional_params(self) -> Params:
        """The params as plain arrays, the pytree `self.cell` takes."""
        return _values(self.params)

    def __call__(self, carry, inputs):
        """One step: `inputs` `[..., I]` -> `(new_carry, y)`, `y` `[..., O]`."""
        return self.cell(self.functional_params(), carry, inputs)

    def initialize_carry(self, input_shape, rngs=None, carry_init=None):
        """The cell's zero carry for inputs of shape `[*batch, I]`.

        With `carry_init` (an `nnx.initializers` function) every carry leaf is
        drawn from it instead, with keys from `rngs` (its `"carry"` stream).
        """
        carry = self.cell.initial_carry(tuple(input_shape[:-1]))
        if carry_init is None:
            return carry
        if isinstance(rngs, nnx.Rngs):
            rngs = rngs.carry
        if rngs is None:
            raise ValueError("initialize_carry needs rngs to draw the carry from carry_init")
        return jax.tree_util.tree_map(lambda z: carry_init(rngs(), z.shape, z.dtype), carry)

    @property
    def num_feature_axes(self) -> int:
        return 1
