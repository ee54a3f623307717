"""Encoder-decoder models: translation (`Seq2SeqModel`) and captioning (`CaptionModel`).

Both encode their input (a source sentence, an image) into the decoder's initial carry and
share the teacher-forced decoder of `Decoder`, so `experiments.models.decoding` decodes both.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

import recurrent as rec


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

    def model_inputs(self, batch) -> tuple:
        """The positional arguments of `apply` / `init` for `batch`: the targets too, for
        teacher forcing."""
        return batch.inputs, batch.lengths, batch.targets

    def scored(self, batch):
        """What the outputs are scored against: every target step."""
        return batch


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
    `experiments.models.decoding` decodes both. Every leaf of the carry (h, and c for
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
