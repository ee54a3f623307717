"""Sketch-RNN-style drawing: stroke-5 data, the mixture-density loss, sampling, completion."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import train
from experiments.configs import sketch as sketch_config
from experiments.errors import ConfigError
from experiments.models import decoding
from experiments.sketch import sketch_figure
from experiments.tasks import sketch
from experiments.training import metrics
from experiments.workdir import read_metrics


def test_generated_drawings_are_valid_stroke5():
    task = sketch.SketchTask(max_length=64, eval_size=64)
    batch = task.eval_batch(0)
    np.testing.assert_array_equal(batch.targets, task.eval_batch(0).targets)
    assert batch.inputs.shape == batch.targets.shape == (64, 64, 5)
    np.testing.assert_array_equal(batch.inputs[:, 0], np.tile(sketch.START, (64, 1)))
    np.testing.assert_array_equal(batch.inputs[:, 1:], batch.targets[:, :-1])
    pens = batch.targets[..., 2:]
    assert np.all(pens.sum(-1) == 1)  # One-hot pen states.
    lengths = batch.mask.sum(1).astype(int)
    rows = np.arange(64)
    assert np.all(pens[rows, lengths - 1, 2] == 1)  # The last point ends the drawing ...
    assert np.all(pens[rows, lengths - 1 - 1, 2] == 0)
    assert all(np.all(batch.targets[b, lengths[b]:] == sketch.END) for b in rows)  # ... padding.
    assert np.any(pens[..., 1] == 1)  # Plus signs lift the pen between their strokes.
    assert 0.5 < task.chance < 5.0


def test_quickdraw_npz_is_read_and_scaled(tmp_path):
    rng = np.random.default_rng(0)

    def drawing(n):
        d = np.zeros((n, 3), np.int16)
        d[:, :2] = rng.integers(-20, 20, (n, 2))
        d[n // 2, 2] = 1
        return d

    path = str(tmp_path / "cat.npz")
    train_set = np.empty(6, dtype=object)
    train_set[:] = [drawing(n) for n in (5, 8, 12, 40, 9, 7)]
    test_set = np.empty(2, dtype=object)
    test_set[:] = [drawing(6), drawing(10)]
    np.savez(path, train=train_set, valid=test_set, test=test_set)
    task = sketch.SketchTask(max_length=16, eval_size=4, path=path)
    assert len(task.data["train"]) == 5  # The 40-point drawing is too long.
    offsets = np.concatenate([d[:, :2] for d in task.data["train"]])
    assert np.std(offsets) == pytest.approx(1.0, rel=0.05)
    batch = task.eval_batch(0)
    assert batch.targets.shape == (4, 16, 5)
    with pytest.raises(ValueError, match="is not a file"):
        sketch.SketchTask(path=str(tmp_path / "missing.npz"))


def test_mixture_loss_matches_a_numpy_bivariate_normal():
    rng = np.random.default_rng(1)
    outputs = rng.normal(size=(2, 3, 6 * 2 + 3)).astype(np.float32)
    targets = np.zeros((2, 3, 5), np.float32)
    targets[..., :2] = rng.normal(size=(2, 3, 2))
    pen = rng.integers(0, 3, (2, 3))
    targets[..., 2:] = np.eye(3)[pen]
    mask = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    batch = sketch.Batch(None, targets, mask, np.ones_like(mask), None)
    computed = metrics.mdn_metrics(jnp.asarray(outputs), batch)

    expected_offsets = 0.0
    for b in range(2):
        for t in range(3):
            o = outputs[b, t].astype(np.float64)
            logits, mx, my, lsx, lsy, r = np.split(o[:12], 6)
            weights = np.exp(logits - logits.max())
            weights /= weights.sum()
            rho = 0.99 * np.tanh(r)
            density = 0.0
            for k in range(2):
                sx, sy = np.exp(lsx[k]), np.exp(lsy[k])
                cov = np.array([[sx * sx, rho[k] * sx * sy], [rho[k] * sx * sy, sy * sy]])
                d = targets[b, t, :2] - np.array([mx[k], my[k]])
                density += weights[k] * np.exp(-0.5 * d @ np.linalg.solve(cov, d)) / (
                    2 * np.pi * np.sqrt(np.linalg.det(cov)))
            expected_offsets -= mask[b, t] * np.log(density)
    expected_offsets /= 6
    pen_logits = outputs[..., 12:].astype(np.float64)
    log_probs = pen_logits - np.log(np.exp(pen_logits).sum(-1, keepdims=True))
    expected_pen = -np.mean(np.take_along_axis(log_probs, pen[..., None], -1))
    assert float(computed["offset_nll"]) == pytest.approx(expected_offsets, rel=1e-4)
    assert float(computed["pen_loss"]) == pytest.approx(expected_pen, rel=1e-4)


def test_stroke_model_learns_samples_and_completes(tmp_path):
    config = sketch_config.get_config()
    config.task.update(max_length=48, eval_size=16, mixtures=3)
    config.model.update(hidden_size=32)
    config.train.update(steps=80, batch_size=16, learning_rate=3e-3, log_every=20,
                        eval_every=80, checkpoint_every=80)
    workdir = str(tmp_path)
    results = train.train_and_evaluate(config, workdir)
    losses = [r["loss"] for r in read_metrics(os.path.join(workdir, "metrics.jsonl"))
              if "loss" in r]
    assert losses[-1] < 0.7 * losses[0]
    assert results["eval_loss"] < results["chance"]

    _, task, model, state = train.load_run(workdir)
    start = jnp.tile(jnp.asarray(sketch.START), (3, 1, 1))
    first = decoding.sample_strokes(model, state.params, start, jax.random.key(0), 0.5, steps=48)
    again = decoding.sample_strokes(model, state.params, start, jax.random.key(0), 0.5, steps=48)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (3, 48, 5)
    pens = np.asarray(first[..., 2:])
    assert np.all(pens.sum(-1) == 1)
    for row in pens:  # After an end point, only end points.
        ended = np.flatnonzero(row[:, 2] == 1)
        if ended.size:
            assert np.all(row[ended[0]:, 2] == 1)
    path = sketch_figure(workdir, samples=2, temperature=0.3)
    assert os.path.exists(path)
    with pytest.raises(ConfigError, match="--samples must be >= 1"):
        sketch_figure(workdir, samples=0)
