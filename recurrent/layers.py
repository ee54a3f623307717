"""Layers built from cells: bidirectional pairs and stacks."""

from __future__ import annotations

import dataclasses
import numbers
from typing import NamedTuple

import jax
import jax.numpy as jnp

from recurrent import _checks
from recurrent.base import Carry, Cell, Layer


class BidirectionalCarry(NamedTuple):
    """Carries of the two directions of a `Bidirectional` layer."""

    forward: Carry
    backward: Carry


@dataclasses.dataclass(frozen=True)
class Bidirectional(Layer):
    """Runs one layer forward and another backward in time, concatenating.

    .. math::

        y_t = [\\overrightarrow{y}_t ; \\overleftarrow{y}_t]

    The backward layer reads each sequence's valid part from its last step to
    its first (with `lengths`, padding is never read first), and its outputs
    are aligned with the inputs they came from. The final carry is
    `BidirectionalCarry(forward, backward)`: the forward carry after the last
    valid step and the backward carry after the first step. Params are
    `{"forward": ..., "backward": ...}`. It needs the whole sequence, so it can
    be unrolled but not stepped.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> layer = rec.Bidirectional(rec.LSTM(4), rec.LSTM(4))
      >>> params = layer.init(jax.random.key(0), 3)
      >>> ys, carry = rec.unroll(layer, params, jnp.ones((2, 5, 3)))
      >>> ys.shape
      (2, 5, 8)
    """

    forward_cell: Layer
    backward_cell: Layer

    def __post_init__(self):
        for name in ("forward_cell", "backward_cell"):
            if not isinstance(getattr(self, name), Layer):
                raise TypeError(
                    f"{name} must be a recurrent cell or layer, got "
                    f"{type(getattr(self, name)).__name__}")

    @property
    def output_size(self):
        return self.forward_cell.output_size + self.backward_cell.output_size

    def init(self, key, input_size):
        k_fwd, k_bwd = jax.random.split(key)
        return {"forward": self.forward_cell.init(k_fwd, input_size),
                "backward": self.backward_cell.init(k_bwd, input_size)}

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        return BidirectionalCarry(
            self.forward_cell.initial_carry(batch_shape, dtype),
            self.backward_cell.initial_carry(batch_shape, dtype))

    def input_size(self, params):
        return self.forward_cell.input_size(params["forward"])

    @property
    def has_dropout(self):
        return self.forward_cell.has_dropout or self.backward_cell.has_dropout

    def __call__(self, params, carry, x):
        raise TypeError(
            "Bidirectional needs the whole sequence and cannot be stepped; "
            "use rec.unroll")

    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse, unroll, remat,
                          rng, perturbation=None, mode="sequential", gradient="fused",
                          layout="auto", initial_guess=None):
        kwargs = dict(unroll=unroll, remat=remat, mode=mode, gradient=gradient, layout=layout)
        rng_fwd, rng_bwd = (None, None) if rng is None else jax.random.split(rng)
        perturbation = perturbation or BidirectionalCarry(None, None)
        guess = initial_guess or BidirectionalCarry(None, None)
        ys_fwd, carry_fwd = self.forward_cell.unroll_time_major(
            params["forward"], xs_TxBxI, carry.forward, lengths_B,
            reverse=reverse, rng=rng_fwd, perturbation=perturbation.forward,
            initial_guess=guess.forward, **kwargs)
        ys_bwd, carry_bwd = self.backward_cell.unroll_time_major(
            params["backward"], xs_TxBxI, carry.backward, lengths_B,
            reverse=not reverse, rng=rng_bwd, perturbation=perturbation.backward,
            initial_guess=guess.backward, **kwargs)
        return (jnp.concatenate([ys_fwd, ys_bwd], axis=-1),
                BidirectionalCarry(carry_fwd, carry_bwd))


@dataclasses.dataclass(frozen=True)
class Stack(Layer):
    """Layers applied one after another, each one's outputs feeding the next.

    Every layer is unrolled over the whole sequence before the next starts
    (layer by layer, as cuDNN does), so each layer's input projection is one
    matrix product. Params are `{"layer_0": ..., "layer_1": ...}`; the carry is
    a tuple with one carry per layer.

    Args:
      layers: the cells or layers, first to last (a list is accepted).
      residual: add each layer's input to its output, for every layer after
        the first (its input and output sizes must then agree).
      dropout: probability of zeroing an element of the outputs between
        layers (not after the last), with the kept ones scaled by 1/(1-p).
        Active only when `rec.unroll` gets an `rng`; a new mask per time step,
        as in PyTorch's `nn.LSTM(dropout=p)`.

    A stack of steppable cells is itself a cell-like object that can be
    stepped, `carry, y = stack(params, carry, x)` (without dropout), e.g. for
    sampling one token at a time.

    Example:
      >>> import jax, jax.numpy as jnp, recurrent as rec
      >>> stack = rec.Stack([rec.LSTM(8), rec.LSTM(8)], residual=True)
      >>> params = stack.init(jax.random.key(0), 3)
      >>> ys, carries = rec.unroll(stack, params, jnp.ones((2, 5, 3)))
      >>> ys.shape, len(carries)
      ((2, 5, 8), 2)
    """

    layers: tuple
    residual: bool = False
    dropout: float = 0.0

    def __post_init__(self):
        if isinstance(self.layers, Layer) or not hasattr(self.layers, "__iter__"):
            raise TypeError(f"layers must be a sequence of cells, got {self.layers!r}")
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ValueError("layers must hold at least one cell, got none")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers[{i}] must be a recurrent cell or layer, got "
                    f"{type(layer).__name__}")
        p = self.dropout
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {p!r}")
        if self.residual:
            for i in range(1, len(self.layers)):
                before, after = self.layers[i - 1].output_size, self.layers[i].output_size
                if before != after:
                    raise ValueError(
                        f"residual=True needs layers[{i}] to keep the size of its "
                        f"input: it gets {before} features and outputs {after}")

    @property
    def output_size(self):
        return self.layers[-1].output_size

    def init(self, key, input_size):
        input_size = _checks.positive_int("input_size", input_size)
        params = {}
        keys = jax.random.split(key, len(self.layers))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            params[f"layer_{i}"] = layer.init(k, input_size)
            input_size = layer.output_size
        return params

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        return tuple(layer.initial_carry(batch_shape, dtype) for layer in self.layers)

    def input_size(self, params):
        return self.layers[0].input_size(params["layer_0"])

    @property
    def has_dropout(self):
        return self.dropout > 0 or any(layer.has_dropout for layer in self.layers)

    def _residual(self, i, x, y):
        return y + x if self.residual and i > 0 else y

    def __call__(self, params, carry, x):
        """One time step through every layer (no dropout)."""
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, (Cell, Stack)):
                raise TypeError(
                    f"layers[{i}] ({type(layer).__name__}) cannot be stepped; "
                    "use rec.unroll")
        _checks.feature_size(x, self.input_size(params), "x")
        _checks.carry_matches(self, carry, tuple(jnp.shape(x)[:-1]))
        new_carry = []
        for i, layer in enumerate(self.layers):
            c, y = layer(params[f"layer_{i}"], carry[i], x)
            new_carry.append(c)
            x = self._residual(i, x, y)
        return tuple(new_carry), x

    def unroll_time_major(self, params, xs_TxBxI, carry, lengths_B, *, reverse, unroll, remat,
                          rng, perturbation=None, mode="sequential", gradient="fused",
                          layout="auto", initial_guess=None):
        last = len(self.layers) - 1
        perturbation = perturbation or (None,) * len(self.layers)
        guess = initial_guess or (None,) * len(self.layers)
        keys = None if rng is None else jax.random.split(rng, (len(self.layers), 2))
        new_carry = []
        for i, layer in enumerate(self.layers):
            layer_rng, dropout_rng = (None, None) if rng is None else keys[i]
            ys, c = layer.unroll_time_major(
                params[f"layer_{i}"], xs_TxBxI, carry[i], lengths_B,
                reverse=reverse, unroll=unroll, remat=remat, rng=layer_rng,
                perturbation=perturbation[i], mode=mode, gradient=gradient, layout=layout,
                initial_guess=guess[i])
            new_carry.append(c)
            xs_TxBxI = self._residual(i, xs_TxBxI, ys)
            if rng is not None and self.dropout > 0 and i < last:
                keep = jax.random.bernoulli(dropout_rng, 1.0 - self.dropout, xs_TxBxI.shape)
                xs_TxBxI = jnp.where(keep, xs_TxBxI / (1.0 - self.dropout), 0.0)
        return xs_TxBxI, tuple(new_carry)
