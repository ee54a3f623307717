"""Config validation: every value is checked before anything compiles or is written."""

from __future__ import annotations

import numbers

from experiments.errors import ConfigError
from experiments.training import optimizers


def integer(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def number(name: str, value, minimum: float = 0.0, *, strict: bool = False,
           maximum: float | None = None) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and (value > minimum if strict else value >= minimum)
    ok = ok and (maximum is None or value < maximum)
    if not ok:
        bound = f"> {minimum}" if strict else f">= {minimum}"
        if maximum is not None:
            bound += f" and < {maximum}"
        raise ConfigError(f"{name} must be a number {bound}, got {value!r}")
    return float(value)


def choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def validate_training(config) -> None:
    """Checks `config.seed`, `config.model` (shape only) and `config.train`."""
    integer("seed", config.seed, minimum=0)
    model, train = config.model, config.train
    integer("model.hidden_size", model.hidden_size)
    integer("model.num_layers", model.num_layers)
    integer("model.embed_size", model.embed_size)
    number("model.dropout", model.dropout, maximum=1.0)
    integer("train.steps", train.steps)
    integer("train.batch_size", train.batch_size)
    number("train.learning_rate", train.learning_rate, strict=True)
    choice("train.optimizer", train.optimizer, tuple(optimizers.OPTIMIZERS))
    choice("train.schedule", train.schedule, tuple(optimizers.SCHEDULES))
    integer("train.warmup_steps", train.warmup_steps, minimum=0)
    number("train.momentum", train.momentum, maximum=1.0)
    number("train.weight_decay", train.weight_decay)
    number("train.grad_clip_norm", train.grad_clip_norm)
    for name in ("log_every", "eval_every", "checkpoint_every", "keep_checkpoints"):
        integer(f"train.{name}", train[name])
    if "mesh" in config:
        integer("mesh.data", config.mesh.data, minimum=0)
        integer("mesh.model", config.mesh.model)
    if train.checkpoint_every % train.log_every:
        raise ConfigError(
            f"train.checkpoint_every ({train.checkpoint_every}) must be a multiple of "
            f"train.log_every ({train.log_every}), so a resumed run logs the same windows")
