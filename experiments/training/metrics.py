"""Losses and metrics: `masked_metrics` for every objective, and the metrics an evaluation
adds for language models and encoder-decoder tasks (`evaluate`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments.models import decoding
from experiments.models.mdn import mdn_parameters


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


def language_model_metrics(task, metrics: dict[str, float], prefix: str = ""
                           ) -> dict[str, float]:
    """Adds `perplexity` and `bits_per_token` (from the mean cross-entropy per
    token, `loss`) for language-model tasks; other tasks' metrics are unchanged."""
    if task.language_model:
        loss = metrics[prefix + "loss"]
        metrics[prefix + "perplexity"] = float(np.exp(min(loss, 80.0)))
        metrics[prefix + "bits_per_token"] = loss / float(np.log(2.0))
    return metrics


def evaluate(eval_fn, model, params, task, batch) -> dict[str, float]:
    """The evaluation of `params` on `batch`: `eval_fn`'s `eval_*` metrics (the loss and
    the task's metric), with the language-model metrics for language-model tasks and
    greedy / beam-search exact match and BLEU for encoder-decoder ones."""
    metrics = {k: float(v) for k, v in eval_fn(params, batch).items()}
    language_model_metrics(task, metrics, prefix="eval_")
    if task.encoder_decoder:
        metrics.update(sequence_metrics(model, params, task, batch, task.beam_size))
    return metrics


def sequence_metrics(model, params, task, batch, beam_size: int = 4,
                        prefix: str = "eval_") -> dict[str, float]:
    """Exact match and corpus BLEU of greedy and beam-search decoding on `batch`
    (translation or captioning: any model with `encode` / `decode` methods)."""
    import sacrebleu

    references = [task.decode(row) for row in np.asarray(batch.targets)]
    steps = batch.targets.shape[1]
    outputs = {"": decoding.greedy(model, params, batch.inputs, batch.lengths, steps=steps)}
    if beam_size > 1:
        outputs["beam_"] = decoding.beam_search(
            model, params, batch.inputs, batch.lengths, steps=steps, beam_size=beam_size,
            eos_id=task.eos_id)[0]
    metrics = {}
    for name, ids in outputs.items():
        hypotheses = [task.decode(row) for row in np.asarray(ids)]
        exact = np.mean([h == r for h, r in zip(hypotheses, references, strict=True)])
        metrics[f"{prefix}{name}exact_match"] = float(exact)
        metrics[f"{prefix}{name}bleu"] = float(
            sacrebleu.corpus_bleu(hypotheses, [references]).score)
    return metrics
