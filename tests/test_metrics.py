"""`masked_metrics`: cross-entropy, squared error and the mixture-density loss, against NumPy.

The references are float64 and written from the formulas; the masks hold zeros, differ
between the loss (`mask`) and the headline metric (`metric_mask`), and may be all zero.
"""

import jax
import numpy as np
import pytest

from experiments.models import mdn
from experiments.tasks import Batch
from experiments.training import metrics

# One compile per objective and shape, rather than one per operation run eagerly.
masked_metrics = jax.jit(metrics.masked_metrics, static_argnames="objective")
mdn_metrics = jax.jit(metrics.mdn_metrics)
mdn_parameters = jax.jit(mdn.mdn_parameters)

B, T = 2, 4  # Batch and time; V classes, M mixture components below.
MASKS = {
    "some_zeros": (np.array([[1, 1, 1, 0], [1, 0, 0, 0]], np.float32),
                   np.array([[0, 0, 1, 0], [1, 0, 0, 0]], np.float32)),
    "all_ones": (np.ones((B, T), np.float32), np.ones((B, T), np.float32)),
    "all_zeros": (np.zeros((B, T), np.float32), np.zeros((B, T), np.float32)),
}


def batch(targets, masks):
    mask, metric_mask = MASKS[masks]
    return Batch(None, targets, mask, metric_mask, np.full(B, T, np.int32))


def masked_mean(values, mask):
    """The mean over the positions `mask` holds; 0 when it holds none."""
    return float((values * mask).sum() / mask.sum()) if mask.sum() else 0.0


def log_softmax(logits):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


@pytest.mark.parametrize("masks", sorted(MASKS))
def test_cross_entropy_and_answer_accuracy(masks):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(B, T, 5)).astype(np.float32) * 3
    targets = rng.integers(0, 5, (B, T)).astype(np.int32)
    # Of the two answers the mask with zeros reads, one right and one wrong.
    targets[0, 2], targets[1, 0] = logits[0, 2].argmax(), (logits[1, 0].argmax() + 1) % 5
    data = batch(targets, masks)
    metrics = masked_metrics(logits, data, "cross_entropy")
    assert sorted(metrics) == ["answer_accuracy", "loss"]

    losses = -np.take_along_axis(log_softmax(logits), targets[..., None], -1)[..., 0]
    correct = (logits.argmax(-1) == targets).astype(np.float64)
    assert float(metrics["loss"]) == pytest.approx(masked_mean(losses, data.mask), rel=1e-5)
    assert float(metrics["answer_accuracy"]) == pytest.approx(
        masked_mean(correct, data.metric_mask), abs=1e-7)
    if masks == "some_zeros":
        assert float(metrics["answer_accuracy"]) == 0.5


def test_cross_entropy_ignores_masked_positions():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(B, T, 5)).astype(np.float32)
    targets = rng.integers(0, 5, (B, T)).astype(np.int32)
    data = batch(targets, "some_zeros")
    before = masked_metrics(logits, data)
    masked = data.mask == 0
    logits[masked] = 50 * rng.normal(size=logits[masked].shape)
    after = masked_metrics(logits, data._replace(targets=np.where(masked, 0, targets)))
    assert float(after["loss"]) == pytest.approx(float(before["loss"]), rel=1e-6)
    assert float(after["answer_accuracy"]) == float(before["answer_accuracy"])


@pytest.mark.parametrize("masks", sorted(MASKS))
def test_mse_reads_output_zero(masks):
    rng = np.random.default_rng(2)
    outputs = rng.normal(size=(B, T, 2)).astype(np.float32)  # Output 1 is not scored.
    targets = rng.normal(size=(B, T)).astype(np.float32)
    data = batch(targets, masks)
    metrics = masked_metrics(outputs, data, "mse")
    assert sorted(metrics) == ["loss", "mse"]

    errors = (outputs[..., 0].astype(np.float64) - targets) ** 2
    assert float(metrics["loss"]) == pytest.approx(masked_mean(errors, data.mask), rel=1e-5)
    assert float(metrics["mse"]) == pytest.approx(masked_mean(errors, data.metric_mask),
                                                  rel=1e-5)
    outputs[..., 1] += 100.0
    assert float(masked_metrics(outputs, data, "mse")["loss"]) == pytest.approx(
        float(metrics["loss"]), rel=1e-6)


def mdn_reference(outputs, targets, mask, metric_mask):
    """Sketch-RNN's loss from the formulas: offsets under the mixture
    sum_k w_k N(dx, dy | mu_k, sigma_k, rho_k), with the bivariate normal density
    exp(-Z / (2 (1 - rho^2))) / (2 pi sx sy sqrt(1 - rho^2)) and
    Z = zx^2 + zy^2 - 2 rho zx zy, z = (d - mu) / sigma; the pen state's cross-entropy."""
    outputs = outputs.astype(np.float64)
    mixtures = (outputs.shape[-1] - 3) // 6
    parts = [outputs[..., i * mixtures:(i + 1) * mixtures] for i in range(6)]
    logits, mean_x, mean_y, log_sx, log_sy, raw_rho = parts
    weights = np.exp(log_softmax(logits))
    sx, sy, rho = np.exp(log_sx), np.exp(log_sy), 0.99 * np.tanh(raw_rho)
    zx = (targets[..., 0:1] - mean_x) / sx
    zy = (targets[..., 1:2] - mean_y) / sy
    z = zx ** 2 + zy ** 2 - 2 * rho * zx * zy
    density = np.exp(-z / (2 * (1 - rho ** 2))) / (2 * np.pi * sx * sy * np.sqrt(1 - rho ** 2))
    offset_nll = -np.log((weights * density).sum(-1))
    pen = targets[..., 2:].argmax(-1)
    pen_loss = -np.take_along_axis(log_softmax(outputs[..., 6 * mixtures:]), pen[..., None],
                                   -1)[..., 0]
    steps = max(metric_mask.sum(), 1.0)  # Both parts per step of the whole sequence.
    offset = (offset_nll * mask).sum() / steps
    pen_part = (pen_loss * metric_mask).sum() / steps
    return {"loss": offset + pen_part, "offset_nll": offset, "pen_loss": pen_part}


def stroke_batch(rng, mixtures, masks):
    outputs = rng.normal(size=(B, T, 6 * mixtures + 3)).astype(np.float32)
    outputs[..., 3 * mixtures:5 * mixtures] *= 0.3  # log sigmas near 0: densities near 1.
    targets = np.zeros((B, T, 5), np.float32)
    targets[..., :2] = rng.normal(size=(B, T, 2))
    targets[..., 2:] = np.eye(3)[rng.integers(0, 3, (B, T))]
    return outputs, batch(targets, masks)


@pytest.mark.parametrize("masks", sorted(MASKS))
@pytest.mark.parametrize("mixtures", [1, 3])
def test_mdn_loss_matches_the_bivariate_gaussian_mixture(masks, mixtures):
    outputs, data = stroke_batch(np.random.default_rng(3), mixtures, masks)
    metrics = masked_metrics(outputs, data, "mdn")
    assert sorted(metrics) == ["loss", "offset_nll", "pen_loss"]
    expected = mdn_reference(outputs, data.targets, data.mask, data.metric_mask)
    for key, value in expected.items():
        assert float(metrics[key]) == pytest.approx(value, rel=1e-5, abs=1e-6), key
    assert float(metrics["loss"]) == pytest.approx(
        float(metrics["offset_nll"]) + float(metrics["pen_loss"]), rel=1e-6)
    np.testing.assert_array_equal(  # masked_metrics hands "mdn" to mdn_metrics.
        [float(v) for v in mdn_metrics(outputs, data).values()],
        [float(v) for v in metrics.values()])


def test_a_fully_masked_batch_scores_zero_not_nan():
    rng = np.random.default_rng(4)
    outputs, strokes = stroke_batch(rng, 2, "all_zeros")
    for objective, scores, data in [
            ("mdn", outputs, strokes),
            ("mse", outputs, batch(rng.normal(size=(B, T)).astype(np.float32), "all_zeros")),
            ("cross_entropy", outputs, batch(np.zeros((B, T), np.int32), "all_zeros"))]:
        metrics = masked_metrics(scores, data, objective)
        assert all(float(v) == 0.0 for v in metrics.values()), (objective, metrics)


def test_mdn_parameters_split_the_outputs():
    mixtures = 2
    outputs = np.arange(B * T * (6 * mixtures + 3), dtype=np.float32).reshape(B, T, -1) / 10
    log_weights, mean_x, mean_y, log_sx, log_sy, rho, pen_logits = (
        np.asarray(p) for p in mdn_parameters(outputs))
    for part in (log_weights, mean_x, mean_y, log_sx, log_sy, rho):
        assert part.shape == (B, T, mixtures)
    assert pen_logits.shape == (B, T, 3)
    np.testing.assert_allclose(log_weights, log_softmax(outputs[..., 0:2]), atol=1e-6)
    np.testing.assert_array_equal(mean_x, outputs[..., 2:4])
    np.testing.assert_array_equal(mean_y, outputs[..., 4:6])
    np.testing.assert_array_equal(log_sx, outputs[..., 6:8])
    np.testing.assert_array_equal(log_sy, outputs[..., 8:10])
    np.testing.assert_allclose(rho, 0.99 * np.tanh(outputs[..., 10:12].astype(np.float64)),
                               rtol=1e-6)
    np.testing.assert_array_equal(pen_logits, outputs[..., 12:])


@pytest.mark.parametrize("raw_rho", [-1e4, -20.0, -3.0, 0.0, 3.0, 20.0, 1e4])
def test_rho_stays_inside_0_99_and_the_loss_finite(raw_rho):
    """However large the raw correlation, |rho| <= 0.99 (float32's tanh reaches 1 near 9),
    so 1 - rho^2 >= 0.0199 and the density stays finite."""
    outputs, data = stroke_batch(np.random.default_rng(5), 2, "all_ones")
    outputs[..., 10:12] = raw_rho
    rho = np.asarray(mdn_parameters(outputs)[5])
    assert np.all(np.abs(rho) <= np.float32(0.99))
    if abs(raw_rho) <= 3:
        assert np.all(np.abs(rho) < 0.99)
    metrics = masked_metrics(outputs, data, "mdn")
    assert all(np.isfinite(float(v)) for v in metrics.values())
    expected = mdn_reference(outputs, data.targets, data.mask, data.metric_mask)
    assert float(metrics["offset_nll"]) == pytest.approx(expected["offset_nll"], rel=1e-4)
