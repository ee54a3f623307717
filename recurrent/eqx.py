"""Thin Equinox wrappers: the functional cells as `eqx.Module`s.

The functional API is the source of truth; a module's only array field is
`params`, the exact pytree `cell.init` returns, and the cell itself is a
static field, so `eqx.filter_jit`, `eqx.filter_grad`, `eqx.filter_vmap` (over
a batch of models) and `eqx.tree_serialise_leaves` see just the params. The
call runs `rec.unroll` or the cell's step.

Equinox is an optional dependency: `pip install -e '.[equinox]'`.

Example:
  >>> import jax, jax.numpy as jnp, recurrent as rec
  >>> model = rec.eqx.Recurrent(rec.LSTM(hidden_size=8), 3, key=jax.random.key(0))
  >>> model(jnp.ones((5, 3))).shape  # One sequence [T, I], Equinox's convention,
  (5, 8)
  >>> model(jnp.ones((2, 5, 3)), lengths=jnp.array([5, 3])).shape  # or a batch.
  (2, 5, 8)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

try:
    import equinox as eqx
except ImportError as error:  # An optional extra: say how to get it.
    raise ImportError(
        "rec.eqx needs Equinox, an optional dependency of recurrent: "
        "pip install -e '.[equinox]' (or pip install equinox)") from error

from recurrent.base import Layer, Params
from recurrent.unroll import unroll as unroll_layer


def _check_layer(cell):
    if not isinstance(cell, Layer):
        raise TypeError(
            f"cell must be a recurrent cell or layer (rec.RNN, rec.LSTM, rec.Stack, ...), "
            f"got {type(cell).__name__}")
    return cell


class Recurrent(eqx.Module):
    """Unrolls a cell (or `Bidirectional`/`Stack`) over a sequence.

    Args:
      cell: any layer that `rec.unroll` accepts.
      input_size: I, the size of the inputs' feature axis.
      key: initialises the params (`cell.init(key, input_size)`).
      return_carry: return `(ys, carry)` instead of `ys`.
      inference: disables dropout, like `eqx.nn.Dropout`'s field of that name
        (`eqx.nn.inference_mode(model)` sets it).

    Attributes:
      cell: the functional layer (a static field).
      params: its parameters, the pytree `cell.init` returns.
    """

    cell: Layer = eqx.field(static=True)
    params: Params
    return_carry: bool = eqx.field(static=True)
    inference: bool

    def __init__(self, cell: Layer, input_size: int, *, key: jax.Array,
                 return_carry: bool = False, inference: bool = False):
        self.cell = _check_layer(cell)
        self.params = cell.init(key, input_size)
        self.return_carry = return_carry
        self.inference = inference

    def __call__(self, xs, carry=None, *, lengths=None, key=None, reverse=False,
                 time_major=False, unroll=1, remat=False, mode="auto", gradient="fused",
                 layout="auto", initial_guess=None, inference: bool | None = None):
        """Runs `rec.unroll(self.cell, self.params, xs, carry, ...)`.

        Args:
          xs: one sequence `[T, I]` (Equinox's convention: `jax.vmap` the
            model over a batch), or a batch `[B, T, I]` (`[T, B, I]` with
            `time_major=True`).
          carry: the initial carry, for batch shape `()` or `(B,)` as `xs`;
            zeros when None.
          lengths: the valid length, a scalar for one sequence or `[B]`.
          key: a PRNG key for dropout; needed only when the layer has dropout
            and `inference` is off.
          reverse, time_major, unroll, remat, mode, gradient, layout,
            initial_guess: as in `rec.unroll` (for one sequence, without the batch
            axis).
          inference: overrides the field for this call.

        Returns:
          `ys` `[T, O]` or `[B, T, O]`, or `(ys, final_carry)` with
          `return_carry`.
        """
        inference = self.inference if inference is None else inference
        rng = None
        if self.cell.has_dropout and not inference:
            if key is None:
                raise ValueError(f"{self.cell} has dropout: pass key=..., or set "
                                 "inference=True (eqx.nn.inference_mode) to turn it off")
            rng = key
        xs = jnp.asarray(xs)
        single = xs.ndim == 2
        if single:  # One sequence: a batch of one, taken off again below.
            xs = xs[:, None] if time_major else xs[None]
            carry = None if carry is None else jax.tree_util.tree_map(lambda c: c[None], carry)
            lengths = None if lengths is None else jnp.reshape(lengths, (1,))
            initial_guess = None if initial_guess is None else jax.tree_util.tree_map(
                lambda g: g[:, None] if time_major else g[None], initial_guess)
        ys, carry = unroll_layer(
            self.cell, self.params, xs, carry, lengths=lengths, reverse=reverse,
            time_major=time_major, unroll=unroll, remat=remat, mode=mode, gradient=gradient,
            layout=layout, initial_guess=initial_guess,
            rng=rng)
        if single:
            ys = ys[:, 0] if time_major else ys[0]
            carry = jax.tree_util.tree_map(lambda c: c[0], carry)
        return (ys, carry) if self.return_carry else ys


class Cell(eqx.Module):
    """One step of a cell, as an Equinox module.

    The call follows this library's contract, `(carry, x) -> (carry, y)`
    (unlike `eqx.nn.GRUCell(x, hidden) -> hidden`), because our cells' output
    need not be their carry (the LSTM's carry is `(h, c)`, the LRU's output
    is a readout); it is also the signature of a `jax.lax.scan` body:
    `jax.lax.scan(lambda carry, x: model(carry, x), carry, xs_TxI)`.

    Args:
      cell: a steppable cell (or `Stack` of them).
      input_size: I, the size of the inputs' feature axis.
      key: initialises the params.

    Attributes:
      cell: the functional cell (a static field).
      params: its parameters, the pytree `cell.init` returns.
    """

    cell: Layer = eqx.field(static=True)
    params: Params

    def __init__(self, cell: Layer, input_size: int, *, key: jax.Array):
        self.cell = _check_layer(cell)
        self.params = cell.init(key, input_size)

    def initial_carry(self, batch_shape=(), dtype=jnp.float32):
        """The zero carry; `batch_shape` `()` for one example (Equinox's convention)."""
        return self.cell.initial_carry(batch_shape, dtype)

    def __call__(self, carry, x, *, key=None):
        """One step: `x` `[..., I]` -> `(new_carry, y)`; `key` is ignored (no dropout
        inside a step), as in Equinox's own cells."""
        del key
        return self.cell(self.params, carry, x)
