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


def cell_slug(spec: str) -> str:
    """A cell spec made file-name safe: `"lstm:chrono_t_max=64"` -> `"lstm-chrono_t_max-64"`."""
    return "".join(c if c.isalnum() or c in "._" else "-" for c in spec)


def make_cell(spec: str, hidden_size: int) -> rec.Cell:
    """The cell a spec (see `parse_cell_spec`) describes, with `hidden_size` units."""
    name, kwargs = parse_cell_spec(spec)
    try:
        return rec.make_cell(name, hidden_size=hidden_size, **kwargs)
    except TypeError:
        fields = ", ".join(f.name for f in dataclasses.fields(rec.get_cell_class(name))
                           if f.name != "hidden_size")
        raise ValueError(f"unknown option in cell spec {spec!r}; {name} takes: {fields}") from None
    except ValueError as e:  # The cell's own checks: a value of the wrong type or range.
        raise ValueError(f"cell spec {spec!r}: {e}") from None


def build_cell(model_config) -> rec.Layer:
    """The recurrent core a model config describes (one cell or a `Stack`)."""
    layers = [make_cell(model_config.cell, model_config.hidden_size)
              for _ in range(model_config.num_layers)]
    if len(layers) == 1 and not model_config.get("dropout", 0.0):
        return layers[0]
    return rec.Stack(layers, residual=model_config.get("residual", False),
                     dropout=model_config.get("dropout", 0.0))


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


def last_step(batch):
    """`batch` with `targets`, `mask` and `metric_mask` at each sequence's last step only
    (`[B, 1]`, at `lengths - 1`): what `SequenceModel(answer_only=True)` outputs score."""
    last = jnp.asarray(batch.lengths)[:, None] - 1
    return batch._replace(**{k: jnp.take_along_axis(jnp.asarray(getattr(batch, k)), last, 1)
                             for k in ("targets", "mask", "metric_mask")})


def scored(model, batch):
    """The part of `batch` that `model`'s outputs are scored against (`masked_metrics`)."""
    return last_step(batch) if getattr(model, "answer_only", False) else batch


def masked_metrics(outputs_BxTxO, batch, objective: str = "cross_entropy"
                   ) -> dict[str, jax.Array]:
    """The loss over `batch.mask` and the headline metric over `batch.metric_mask`.

    "cross_entropy": `loss` (softmax cross-entropy) and `answer_accuracy`.
    "mse": `loss` and `mse`, the squared error of output 0 against the float
    targets (the same numbers when the two masks agree, as in the adding task).
    "mdn": stroke models' `loss`, `offset_nll` and `pen_loss` (see `mdn_metrics`).
    """
    def masked_mean(values, mask):
        return jnp.sum(values * mask) / jnp.maximum(jnp.sum(mask), 1.0)

    if objective == "mdn":
        return mdn_metrics(outputs_BxTxO, batch)
    if objective == "mse":
        errors = jnp.square(outputs_BxTxO[..., 0] - batch.targets)
        return {"loss": masked_mean(errors, batch.mask),
                "mse": masked_mean(errors, batch.metric_mask)}
    losses = optax.softmax_cross_entropy_with_integer_labels(outputs_BxTxO, batch.targets)
    correct = (jnp.argmax(outputs_BxTxO, -1) == batch.targets).astype(jnp.float32)
    return {"loss": masked_mean(losses, batch.mask),
            "answer_accuracy": masked_mean(correct, batch.metric_mask)}


def mdn_parameters(outputs_BxTxO):
    """Splits stroke-model outputs `[..., 6M + 3]` into the mixture's parameters.

    Returns `(log_weights, mean_x, mean_y, log_sigma_x, log_sigma_y, rho, pen_logits)`,
    each `[..., M]` (pen logits `[..., 3]`); |rho| < 0.99.
    """
    mixtures = (outputs_BxTxO.shape[-1] - 3) // 6
    logits, mean_x, mean_y, log_sx, log_sy, rho = jnp.split(
        outputs_BxTxO[..., :6 * mixtures], 6, axis=-1)
    return (jax.nn.log_softmax(logits), mean_x, mean_y, log_sx, log_sy, 0.99 * jnp.tanh(rho),
            outputs_BxTxO[..., 6 * mixtures:])


def mdn_metrics(outputs_BxTxO, batch) -> dict[str, jax.Array]:
    """Sketch-RNN's reconstruction loss (Ha & Eck 2018): the negative log-likelihood
    of each offset under a mixture of bivariate Gaussians, summed over the drawing's
    points (`batch.mask`), plus the pen state's cross-entropy over every step
    (`batch.metric_mask`), both divided by the number of steps."""
    log_weights, mean_x, mean_y, log_sx, log_sy, rho, pen_logits = mdn_parameters(outputs_BxTxO)
    dx, dy = batch.targets[..., 0:1], batch.targets[..., 1:2]
    zx, zy = (dx - mean_x) * jnp.exp(-log_sx), (dy - mean_y) * jnp.exp(-log_sy)
    one_minus_rho2 = 1.0 - jnp.square(rho)
    log_density = (-(jnp.square(zx) + jnp.square(zy) - 2 * rho * zx * zy) / (2 * one_minus_rho2)
                   - jnp.log(2 * jnp.pi) - log_sx - log_sy - 0.5 * jnp.log(one_minus_rho2))
    offset_nll = -jax.nn.logsumexp(log_weights + log_density, axis=-1)
    pen_loss = optax.softmax_cross_entropy_with_integer_labels(
        pen_logits, jnp.argmax(batch.targets[..., 2:], -1))
    steps = jnp.maximum(jnp.sum(batch.metric_mask), 1.0)
    offset = jnp.sum(offset_nll * batch.mask) / steps
    pen = jnp.sum(pen_loss * batch.metric_mask) / steps
    return {"loss": offset + pen, "offset_nll": offset, "pen_loss": pen}


class Decoder(nn.Module):
    """What the encoder-decoder models share: a decoder over target tokens that
    starts from the carry `encode` returns (subclasses define `encode` and, in
    `setup`, `target_embed`, `decoder` and `readout`), trained with teacher forcing:
    its input at step u is target token u - 1 (`bos_id` at u = 0)."""

    def decode(self, tokens_BxU, carry, *, deterministic: bool = True):
        """`(logits, carry)` for decoder inputs `tokens_BxU` continuing from `carry`."""
        ys, carry = self.decoder(self.target_embed(tokens_BxU), carry,
                                 deterministic=deterministic)
        return self.readout(ys), carry

    def __call__(self, inputs, lengths_B, targets_BxU, *, deterministic: bool = True):
        """Teacher-forced logits `[B, U, V_target]` for the sources (or images) `inputs`."""
        carry = self.encode(inputs, lengths_B, deterministic=deterministic)
        bos = jnp.full_like(targets_BxU[:, :1], self.bos_id)
        tokens = jnp.concatenate([bos, targets_BxU[:, :-1]], axis=1)
        return self.decode(tokens, carry, deterministic=deterministic)[0]


class Seq2SeqModel(Decoder):
    """Encoder-decoder: source ids `[B, S]` -> target logits `[B, U, V_target]`.

    The encoder reads the source (right-padded to `lengths`) and its final carry
    is the decoder's initial carry, the blog post's "sequence to sequence" with
    the whole source summarised in one state. The decoder is trained with teacher
    forcing: its input at step u is target token u - 1 (`BOS` at u = 0).

    Params: `source_embed`, `encoder/cell`, `target_embed`, `decoder/cell`,
    `readout`.
    """

    encoder_cell: rec.Layer
    decoder_cell: rec.Layer
    vocab_size: int  # Source tokens.
    output_size: int  # Target tokens (with PAD = 0, BOS = 1, EOS = 2).
    embed_size: int
    bos_id: int = 1
    objective: str = "cross_entropy"

    def setup(self):
        self.source_embed = nn.Embed(self.vocab_size, self.embed_size)
        self.encoder = rec.nn.Recurrent(self.encoder_cell, return_carry=True)
        self.target_embed = nn.Embed(self.output_size, self.embed_size)
        self.decoder = rec.nn.Recurrent(self.decoder_cell, return_carry=True)
        self.readout = nn.Dense(self.output_size)

    def encode(self, source_BxS, lengths_B=None, *, deterministic: bool = True):
        """The encoder's carry after each source's last valid token."""
        _, carry = self.encoder(self.source_embed(source_BxS), lengths=lengths_B,
                                deterministic=deterministic)
        return carry



class ImageEncoder(nn.Module):
    """A small convolutional network: images `[B, S, S, C]` -> features `[B, F]`.

    Each block is a 3x3 convolution, ReLU and 2x2 max pooling.
    """

    features: tuple[int, ...] = (16, 32, 64)

    @nn.compact
    def __call__(self, images):
        x = images
        for width in self.features:
            x = nn.max_pool(nn.relu(nn.Conv(width, (3, 3))(x)), (2, 2), strides=(2, 2))
        return x.reshape(x.shape[0], -1)


class CaptionModel(Decoder):
    """Image captioning: a CNN encodes the image into the decoder's initial carry.

    The decoder is any recurrent layer, trained with teacher forcing like the
    decoder of `Seq2SeqModel`, with the same `encode` / `decode` methods, so
    `experiments.decoding` decodes both. Every leaf of the carry (h, and c for
    an LSTM; real and imaginary parts for complex carries) is a linear map of
    the image features.

    Params: `encoder` (the CNN), `to_carry_i` (one per carry leaf),
    `target_embed`, `decoder/cell`, `readout`.
    """

    decoder_cell: rec.Layer
    output_size: int  # Caption words (with PAD = 0, BOS = 1, EOS = 2).
    embed_size: int
    bos_id: int = 1
    objective: str = "cross_entropy"

    def setup(self):
        self.encoder = ImageEncoder()
        template = jax.tree.leaves(self.decoder_cell.initial_carry((1,)))
        self.to_carry = [nn.Dense(int(leaf.size) * (2 if jnp.iscomplexobj(leaf) else 1))
                         for leaf in template]
        self.target_embed = nn.Embed(self.output_size, self.embed_size)
        self.decoder = rec.nn.Recurrent(self.decoder_cell, return_carry=True)
        self.readout = nn.Dense(self.output_size)

    def encode(self, images_BxSxSxC, lengths_B=None, *, deterministic: bool = True):
        """The decoder's initial carry for each image (`lengths_B` is unused)."""
        del lengths_B, deterministic
        features = self.encoder(images_BxSxSxC)
        batch = images_BxSxSxC.shape[0]
        template = self.decoder_cell.initial_carry((batch,))
        leaves, treedef = jax.tree.flatten(template)
        carry = []
        for leaf, dense in zip(leaves, self.to_carry, strict=True):
            values = dense(features)
            if jnp.iscomplexobj(leaf):
                real, imag = jnp.split(values, 2, axis=-1)
                values = jax.lax.complex(real, imag)
            carry.append(values.reshape(leaf.shape).astype(leaf.dtype))
        return jax.tree.unflatten(treedef, carry)



def model_inputs(model: nn.Module, batch) -> tuple:
    """The positional arguments of `model.apply` / `model.init` for `batch`."""
    if isinstance(model, (Seq2SeqModel, CaptionModel)):
        return batch.inputs, batch.lengths, batch.targets
    return batch.inputs, batch.lengths
