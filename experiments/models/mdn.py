"""The stroke model's output head: a mixture of bivariate Gaussians for each pen offset and
three pen states (Sketch-RNN, Ha & Eck 2018). Its loss is
`experiments.training.metrics.mdn_metrics`; `experiments.models.decoding.sample_strokes`
samples from it."""

from __future__ import annotations

import jax
import jax.numpy as jnp


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
