"""The sequence model: embedding (token inputs) -> any recurrent stack -> readout.

The readout is the blog post's o_t = softmax(V h_t), applied at every step.
Whether the loss is on every position (synced many-to-many language
modelling) or on the answer only (many-to-one classification) is decided by
the task's mask, not by the model.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp

import recurrent as rec


class SequenceModel(nn.Module):
    """Token ids `[B, T]` (or features `[B, T, F]`) -> outputs `[B, T, output_size]`.

    Params: `embed/embedding [V, E]` (token inputs only; features go straight
    into the cell's input projection), `recurrent/cell` (the cell's own
    pytree, see `rec.nn.Recurrent`) and `readout/{kernel [H, O], bias [O]}`.
    The outputs are logits for the "cross_entropy" objective and predictions
    for "mse".

    Attributes:
      cell: the recurrent core.
      vocab_size: input tokens; None when the inputs are float features.
      embed_size: E, the embedding width (token inputs only).
      output_size: O, classes or regression outputs; defaults to `vocab_size`
        (next-token prediction).
      objective: "cross_entropy" or "mse" (see `masked_metrics`).
    """

    cell: rec.Layer
    vocab_size: int | None
    embed_size: int
    output_size: int | None = None
    objective: str = "cross_entropy"
    answer_only: bool = False

    def setup(self):
        if self.vocab_size is not None:
            self.embed = nn.Embed(self.vocab_size, self.embed_size)
        self.recurrent = rec.nn.Recurrent(self.cell, return_carry=True)
        self.readout = nn.Dense(self.output_size or self.vocab_size)

    def __call__(self, inputs, lengths_B=None, *, deterministic: bool = True):
        """Outputs `[B, T, O]`; with `answer_only`, `[B, 1, O]` at each sequence's last
        step (`lengths_B - 1`), the only one its task scores (`Task.scores_last_step`):
        the readout and its gradient skip the other T - 1 steps. Score them against
        `last_step(batch)`."""
        if not self.answer_only:
            return self.run(inputs, lengths_B=lengths_B, deterministic=deterministic)[0]
        ys, _ = self._features(inputs, None, lengths_B, deterministic)
        steps = ys.shape[1]
        last = (jnp.full(ys.shape[:1], steps, jnp.int32) if lengths_B is None
                else lengths_B) - 1
        return self.readout(jnp.take_along_axis(ys, last[:, None, None], axis=1))

    def run(self, inputs, carry=None, *, lengths_B=None, deterministic: bool = True):
        """`(outputs, carry)`, continuing from `carry` (zeros when None): with
        `model.apply(..., method="run")` a prompt is read once and generation
        goes on one step at a time from its carry (see `experiments.generate`)."""
        ys, carry = self._features(inputs, carry, lengths_B, deterministic)
        return self.readout(ys), carry

    def _features(self, inputs, carry, lengths_B, deterministic):
        xs = inputs if self.vocab_size is None else self.embed(inputs)
        return self.recurrent(xs, carry, lengths=lengths_B, deterministic=deterministic)

    def model_inputs(self, batch) -> tuple:
        """The positional arguments of `apply` / `init` for `batch`."""
        return batch.inputs, batch.lengths

    def scored(self, batch):
        """What the outputs are scored against: with `answer_only`, the last step only."""
        return last_step(batch) if self.answer_only else batch


def last_step(batch):
    """`batch` with `targets`, `mask` and `metric_mask` at each sequence's last step only
    (`[B, 1]`, at `lengths - 1`): what `SequenceModel(answer_only=True)` outputs score."""
    last = jnp.asarray(batch.lengths)[:, None] - 1
    return batch._replace(**{k: jnp.take_along_axis(jnp.asarray(getattr(batch, k)), last, 1)
                             for k in ("targets", "mask", "metric_mask")})
