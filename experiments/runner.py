"""One call from launch.py: validate the config and run its experiment."""

from __future__ import annotations

from experiments.errors import ConfigError

EXPERIMENTS = ("train",)


def run(config, workdir: str):
    """Runs `config.experiment` in `workdir`; returns its results."""
    if config.experiment not in EXPERIMENTS:
        raise ConfigError(f"experiment must be one of {', '.join(EXPERIMENTS)}; "
                          f"got {config.experiment!r}")
    from experiments import train
    return train.train_and_evaluate(config, workdir)
