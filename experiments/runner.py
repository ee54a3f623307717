"""One call from launch.py: validate the config and run its experiment."""

from __future__ import annotations

from experiments.errors import ConfigError

EXPERIMENTS = ("train", "vanishing", "benchmark")


def run(config, workdir: str, command: str | None = None, sweep_index: int | None = None):
    """Runs `config.experiment` in `workdir`; returns its results.

    `command` (the command line) is recorded in reports that quote numbers. A
    config with sweep axes (see `experiments.sweep`) runs its grid, or only
    point `sweep_index`.
    """
    if config.experiment not in EXPERIMENTS:
        raise ConfigError(f"experiment must be one of {', '.join(EXPERIMENTS)}; "
                          f"got {config.experiment!r}")
    import jax
    if jax.process_count() > 1 and config.experiment != "train":
        raise ConfigError(f"experiment {config.experiment!r} runs in one process; runs of "
                          f"{jax.process_count()} processes support experiment 'train'")
    from experiments import sweep
    if sweep.is_sweep(config):
        return sweep.run(config, workdir, sweep_index, command)
    if sweep_index is not None:
        raise ConfigError(f"--sweep_index={sweep_index} needs a config with sweep axes "
                          "(config.sweep.cells, lengths, learning_rates or seeds); this config "
                          "is a single run")
    if config.experiment == "benchmark":
        from experiments import benchmark
        return benchmark.run(config, workdir, command)
    if config.experiment == "vanishing":
        from experiments import vanishing
        return vanishing.run_study(config, workdir, command)
    from experiments.training import loop
    return loop.train_and_evaluate(config, workdir)
