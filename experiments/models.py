"""Models: embedding -> any recurrent stack from `recurrent` -> readout.

The readout is the blog post's o_t = softmax(V h_t), applied at every step.
Whether the loss is on every position (synced many-to-many language
modelling) or on the answer only (many-to-one classification) is decided by
the task's mask, not by the model.
"""

from __future__ import annotations

import ast
import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

import recurrent as rec


def parse_cell_spec(spec: str) -> tuple[str, dict]:
    """`"lstm:chrono_t_max=64,forget_bias=2.0"` -> `("lstm", {"chrono_t_max": 64, ...})`.

    A cell spec is a registered name, optionally followed by `:` and
    comma-separated hyper-parameters (Python literals; bare words are strings).
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"a cell must be a registered name such as 'lstm', got {spec!r}")
    name, _, options = spec.partition(":")
    rec.get_cell_class(name)  # An unknown name lists the valid ones.
    kwargs = {}
    for item in filter(None, options.split(",")):
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"cell option {item!r} in {spec!r} must look like key=value")
        try:
            kwargs[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            kwargs[key.strip()] = value.strip()
    return name, kwargs


def make_cell(spec: str, hidden_size: int) -> rec.Cell:
    """The cell a spec (see `parse_cell_spec`) describes, with `hidden_size` units."""
    name, kwargs = parse_cell_spec(spec)
    try:
        return rec.make_cell(name, hidden_size=hidden_size, **kwargs)
    except TypeError:
        fields = ", ".join(f.name for f in dataclasses.fields(rec.get_cell_class(name))
                           if f.name != "hidden_size")
        raise ValueError(f"unknown option in cell spec {spec!r}; {name} takes: {fields}") from None


def build_cell(model_config) -> rec.Layer:
    """The recurrent core a model config describes (one cell or a `Stack`)."""
    layers = [make_cell(model_config.cell, model_config.hidden_size)
              for _ in range(model_config.num_layers)]
    if len(layers) == 1 and not model_config.get("dropout", 0.0):
        return layers[0]
    return rec.Stack(layers, residual=model_config.get("residual", False),
                     dropout=model_config.get("dropout", 0.0))


class SequenceModel(nn.Module):
    """Token ids `[B, T]` -> logits `[B, T, V]`.

    Params: `embed/embedding [V, E]`, `recurrent/cell` (the cell's own pytree,
    see `rec.nn.Recurrent`) and `readout/{kernel [H, V], bias [V]}`.
    """

    cell: rec.Layer
    vocab_size: int
    embed_size: int

    def setup(self):
        self.embed = nn.Embed(self.vocab_size, self.embed_size)
        self.recurrent = rec.nn.Recurrent(self.cell)
        self.readout = nn.Dense(self.vocab_size)

    def __call__(self, tokens_BxT, lengths_B=None, *, deterministic: bool = True):
        xs = self.embed(tokens_BxT)
        ys = self.recurrent(xs, lengths=lengths_B, deterministic=deterministic)
        return self.readout(ys)


def masked_metrics(logits_BxTxV, batch) -> dict[str, jax.Array]:
    """Cross-entropy over `batch.mask` and accuracy over `batch.metric_mask`."""
    losses = optax.softmax_cross_entropy_with_integer_labels(logits_BxTxV, batch.targets)
    correct = (jnp.argmax(logits_BxTxV, -1) == batch.targets).astype(jnp.float32)
    loss = jnp.sum(losses * batch.mask) / jnp.maximum(jnp.sum(batch.mask), 1.0)
    accuracy = (jnp.sum(correct * batch.metric_mask)
                / jnp.maximum(jnp.sum(batch.metric_mask), 1.0))
    return {"loss": loss, "answer_accuracy": accuracy}
