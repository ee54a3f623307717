"""The optimiser and schedule registry that training builds from and validation reads."""

import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from experiments import validation
from experiments.configs import italy as italy_config
from experiments.errors import ConfigError
from experiments.training import optimizers


def train_config(**overrides):
    config = ml_collections.ConfigDict(dict(
        learning_rate=0.1, steps=10, warmup_steps=0, schedule="constant", optimizer="sgd",
        momentum=0.0, weight_decay=0.0, grad_clip_norm=0.0))
    config.update(overrides)
    return config


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_optimiser_builds_and_descends(name):
    tx, _ = optimizers.build(train_config(optimizer=name, learning_rate=0.01))
    params = {"w": jnp.array([1.0, -2.0])}
    state = tx.init(params)
    grads = {"w": 2 * params["w"]}  # Of sum(w ** 2).
    updates, _ = tx.update(grads, state, params)
    new = optax.apply_updates(params, updates)
    assert float(jnp.sum(new["w"] ** 2)) < float(jnp.sum(params["w"] ** 2))


def test_schedules_warm_up_then_decay():
    lr = optimizers.schedule(train_config(schedule="linear", warmup_steps=4, steps=14))
    np.testing.assert_allclose([float(lr(s)) for s in (0, 2, 4, 9, 14)],
                               [0.0, 0.05, 0.1, 0.05, 0.0], atol=1e-7)
    cosine = optimizers.schedule(train_config(schedule="cosine", steps=10))
    assert float(cosine(0)) == pytest.approx(0.1) and float(cosine(10)) == pytest.approx(0.0)
    assert float(optimizers.schedule(train_config())(7)) == pytest.approx(0.1)


def test_clipping_bounds_the_update():
    tx, _ = optimizers.build(train_config(grad_clip_norm=1.0, learning_rate=1.0))
    params = {"w": jnp.zeros(2)}
    updates, _ = tx.update({"w": jnp.array([30.0, 40.0])}, tx.init(params), params)
    assert float(optax.tree.norm(updates)) == pytest.approx(1.0)


def test_validation_reads_the_same_table():
    config = italy_config.get_config()
    for name in optimizers.OPTIMIZERS:
        config.train.optimizer = name
        validation.validate_training(config)
    config.train.optimizer = "lion"
    with pytest.raises(ConfigError, match="train.optimizer must be one of adam, adamw, sgd, "
                                          "rmsprop; got 'lion'"):
        validation.validate_training(config)
