"""Decoding with `jax.lax.scan` over the carry: sampling, greedy and beam search.

* `sample`: one-to-many generation from a language model (`SequenceModel`):
  the prompt is read in one unroll, then each step feeds the sampled token
  back; temperature and top-k; deterministic for a given key.
* `greedy` / `beam_search`: target sequences from an encoder-decoder
  (`Seq2SeqModel`, or `CaptionModel` whose encoder reads an image).
* `sample_strokes`: drawings from a stroke model (Sketch-RNN style), from
  scratch or completing a given beginning.

Their exact match and BLEU are `experiments.training.metrics.sequence_metrics`.

Every loop is a `lax.scan` inside one jitted program, never a Python loop.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from experiments.models.mdn import mdn_parameters


def _pick(key, logits, temperature, top_k: int):
    """A token per row: argmax if temperature == 0, else a sample of softmax(logits / T)
    restricted to the `top_k` most likely tokens (all when top_k == 0)."""
    if top_k:
        kth = jax.lax.top_k(logits, top_k)[0][..., -1:]
        logits = jnp.where(logits < kth, -jnp.inf, logits)
    sampled = jax.random.categorical(key, logits / jnp.maximum(temperature, 1e-6))
    return jnp.where(temperature > 0, sampled, jnp.argmax(logits, -1))


@functools.partial(jax.jit, static_argnames=("model", "steps", "top_k"))
def sample(model, params, prompt_BxP, key, temperature=1.0, *, steps: int, top_k: int = 0):
    """`steps` tokens `[B, steps]` continuing each prompt row.

    Args:
      model: a `SequenceModel` (a language model).
      params: its parameters.
      prompt_BxP: prompt token ids.
      key: PRNG key; the same key gives the same samples.
      temperature: softmax temperature; 0 is greedy.
      steps: tokens to generate.
      top_k: sample among the k most likely tokens only (0: all).
    """
    variables = {"params": params}
    logits, carry = model.apply(variables, prompt_BxP, method="run")

    def step(state, step_key):
        carry, logits = state
        token = _pick(step_key, logits, temperature, top_k)
        logits, carry = model.apply(variables, token[:, None], carry, method="run")
        return (carry, logits[:, 0]), token

    _, tokens = jax.lax.scan(step, (carry, logits[:, -1]), jax.random.split(key, steps))
    return tokens.T


@functools.partial(jax.jit, static_argnames=("model", "steps"))
def greedy(model, params, source_BxS, lengths_B, *, steps: int):
    """Greedy target ids `[B, steps]` from an encoder-decoder (read up to the first EOS)."""
    variables = {"params": params}
    carry = model.apply(variables, source_BxS, lengths_B, method="encode")

    def step(state, _):
        carry, token = state
        logits, carry = model.apply(variables, token[:, None], carry, method="decode")
        token = jnp.argmax(logits[:, 0], -1).astype(jnp.int32)
        return (carry, token), token

    bos = jnp.full(source_BxS.shape[:1], model.bos_id, jnp.int32)
    _, tokens = jax.lax.scan(step, (carry, bos), None, length=steps)
    return tokens.T


@functools.partial(jax.jit, static_argnames=("model", "steps", "beam_size", "eos_id"))
def beam_search(model, params, source_BxS, lengths_B, *, steps: int, beam_size: int,
                eos_id: int):
    """The most likely target ids `[B, steps]` found by beam search, and their log-probs.

    Each of `beam_size` hypotheses per sentence is extended by every token;
    the `beam_size` best continuations (sum of log-probabilities) survive.
    A hypothesis that emitted EOS is finished: it keeps its score and emits
    EOS from then on.
    """
    variables = {"params": params}
    B, K = source_BxS.shape[0], beam_size
    carry = model.apply(variables, source_BxS, lengths_B, method="encode")
    carry = jax.tree.map(lambda c: jnp.repeat(c, K, axis=0), carry)  # [B * K, ...]
    # Only the first beam is live at the start, so the K first picks are distinct.
    scores = jnp.tile(jnp.array([0.0] + [-jnp.inf] * (K - 1)), (B, 1))
    tokens = jnp.full((B * K,), model.bos_id, jnp.int32)
    finished = jnp.zeros((B, K), bool)
    rows = jnp.arange(B)[:, None]

    def step(state, _):
        carry, tokens, scores, finished = state
        logits, carry = model.apply(variables, tokens[:, None], carry, method="decode")
        log_probs = jax.nn.log_softmax(logits[:, 0]).reshape(B, K, -1)
        vocab = log_probs.shape[-1]
        only_eos = jnp.full((vocab,), -jnp.inf).at[eos_id].set(0.0)
        log_probs = jnp.where(finished[..., None], only_eos, log_probs)
        candidates = (scores[..., None] + log_probs).reshape(B, K * vocab)
        scores, index = jax.lax.top_k(candidates, K)
        parent, token = index // vocab, (index % vocab).astype(jnp.int32)
        carry = jax.tree.map(
            lambda c: c.reshape(B, K, *c.shape[1:])[rows, parent].reshape(c.shape), carry)
        finished = finished[rows, parent] | (token == eos_id)
        return (carry, token.reshape(-1), scores, finished), (token, parent)

    (_, _, scores, _), (history, parents) = jax.lax.scan(
        step, (carry, tokens, scores, finished), None, length=steps)

    def backtrack(beam, step_history):  # Follows parent pointers from the last step.
        token, parent = step_history
        return parent[jnp.arange(B), beam], token[jnp.arange(B), beam]

    best = jnp.argmax(scores, -1)
    _, sequence = jax.lax.scan(backtrack, best, (history, parents), reverse=True)
    return sequence.T, scores[jnp.arange(B), best]


def _sample_point(key, outputs_BxO, temperature):
    """A stroke-5 point per row from the mixture and pen distribution (see
    `mdn_parameters`); the temperature scales the weights' and pens' logits and
    the Gaussians' variances (0: the most likely component's mean and pen)."""
    log_weights, mean_x, mean_y, log_sx, log_sy, rho, pen_logits = mdn_parameters(outputs_BxO)
    component_key, normal_key, pen_key = jax.random.split(key, 3)
    tau = jnp.maximum(temperature, 1e-6)
    component = _pick(component_key, log_weights, temperature, 0)[:, None]
    take = lambda a: jnp.take_along_axis(a, component, -1)[:, 0]  # noqa: E731
    mx, my, sx, sy, r = (take(a) for a in (mean_x, mean_y, jnp.exp(log_sx), jnp.exp(log_sy),
                                           rho))
    z1, z2 = jax.random.normal(normal_key, (2,) + mx.shape)
    noise = jnp.sqrt(tau) * (temperature > 0)
    dx = mx + noise * sx * z1
    dy = my + noise * sy * (r * z1 + jnp.sqrt(1 - r * r) * z2)
    pen = jax.nn.one_hot(_pick(pen_key, pen_logits, temperature, 0), 3)
    return jnp.concatenate([dx[:, None], dy[:, None], pen], axis=-1)


@functools.partial(jax.jit, static_argnames=("model", "steps"))
def sample_strokes(model, params, prefix_BxPx5, key, temperature=1.0, *, steps: int):
    """`steps` more stroke-5 points `[B, steps, 5]` continuing each prefix.

    Args:
      model: a `SequenceModel` trained with the "mdn" objective.
      params: its parameters.
      prefix_BxPx5: model inputs to start from: the start point `(0, 0, 1, 0, 0)`
        alone to draw from scratch, or followed by the first points of a drawing
        to complete it.
      key: PRNG key; the same key gives the same drawings.
      temperature: as in Sketch-RNN; 0 is deterministic.
      steps: points to generate. After a sampled end point every point is an end point.
    """
    variables = {"params": params}
    outputs, carry = model.apply(variables, prefix_BxPx5, method="run")
    end = jnp.array([0.0, 0.0, 0.0, 0.0, 1.0], prefix_BxPx5.dtype)

    def step(state, step_key):
        carry, outputs, done = state
        point = jnp.where(done[:, None], end, _sample_point(step_key, outputs, temperature))
        done = done | (point[:, 4] > 0.5)
        outputs, carry = model.apply(variables, point[:, None], carry, method="run")
        return (carry, outputs[:, 0], done), point

    done = jnp.zeros(prefix_BxPx5.shape[:1], bool)
    _, points = jax.lax.scan(step, (carry, outputs[:, -1], done), jax.random.split(key, steps))
    return points.transpose(1, 0, 2)
