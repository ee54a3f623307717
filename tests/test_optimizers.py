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


def updates_of(name, grads, steps=1, **train):
    """The update of the `steps`-th step with constant gradients `grads` from w = (1, -2)."""
    tx, _ = optimizers.build(train_config(optimizer=name, **train))
    params = {"w": jnp.array([1.0, -2.0])}
    state = tx.init(params)
    for _ in range(steps):
        updates, state = tx.update({"w": jnp.asarray(grads)}, state, params)
    return np.asarray(updates["w"])


def test_the_train_configs_momentum_and_weight_decay_reach_the_optimiser():
    g = np.array([0.5, -1.0])
    np.testing.assert_allclose(updates_of("sgd", g), -0.1 * g, rtol=1e-6)
    np.testing.assert_allclose(updates_of("sgd", g, steps=2), -0.1 * g, rtol=1e-6)
    # Heavy ball: the second step moves by lr * (g + 0.9 g).
    np.testing.assert_allclose(updates_of("sgd", g, steps=2, momentum=0.9), -0.19 * g,
                               rtol=1e-6)
    assert not np.allclose(updates_of("rmsprop", g, steps=2, momentum=0.9),
                           updates_of("rmsprop", g, steps=2, momentum=0.0))
    # With no gradient, AdamW still decays the weights: by lr * weight_decay * w.
    np.testing.assert_allclose(updates_of("adamw", [0.0, 0.0], weight_decay=0.5),
                               [-0.05, 0.1], rtol=1e-6)
    np.testing.assert_allclose(updates_of("adamw", [0.0, 0.0]), [0.0, 0.0])


# Each schedule after 4 warm-up steps to the peak 0.1, decaying over steps 4-14: its value
# halfway (step 9) and at the end (step 14).
AFTER_WARMUP = {"constant": (0.1, 0.1), "cosine": (0.05, 0.0), "linear": (0.05, 0.0)}


def test_every_schedule_has_its_expected_values_listed():
    assert sorted(AFTER_WARMUP) == sorted(optimizers.SCHEDULES)


@pytest.mark.parametrize("name", sorted(AFTER_WARMUP))
def test_every_schedule_warms_up_to_the_peak_and_never_exceeds_it(name):
    lr = optimizers.schedule(train_config(schedule=name, warmup_steps=4, steps=14))
    values = np.array([float(lr(s)) for s in range(15)])
    np.testing.assert_allclose(values[:5], [0.0, 0.025, 0.05, 0.075, 0.1], atol=1e-7)
    np.testing.assert_allclose(values[[9, 14]], AFTER_WARMUP[name], atol=1e-7)
    assert np.all(np.diff(values[4:]) <= 1e-7) and np.all(values >= 0)


@pytest.mark.parametrize("field, table", [("optimizer", optimizers.OPTIMIZERS),
                                          ("schedule", optimizers.SCHEDULES)])
def test_validation_accepts_a_new_entry_and_lists_every_entry(monkeypatch, field, table):
    """Validation reads the table itself (not a copy): an entry added is valid at once."""
    monkeypatch.setitem(table, "newcomer", next(iter(table.values())))
    config = italy_config.get_config()
    config.train[field] = "newcomer"
    validation.validate_training(config)
    config.train[field] = "unknown"
    with pytest.raises(ConfigError) as error:
        validation.validate_training(config)
    assert str(error.value) == (f"train.{field} must be one of {', '.join(table)}; "
                                "got 'unknown'")
    assert str(error.value).endswith("newcomer; got 'unknown'")


def test_an_unknown_schedule_lists_the_schedules():
    config = italy_config.get_config()
    config.train.schedule = "step"
    with pytest.raises(ConfigError, match="train.schedule must be one of constant, cosine, "
                                          "linear; got 'step'"):
        validation.validate_training(config)
