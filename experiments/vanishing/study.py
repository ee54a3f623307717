"""The vanishing-gradient study's driver (config: experiments/configs/vanishing.py).

`validate` checks the study config before anything is trained or written; `run_study`
trains every (cell, gap) point without a saved file (`training.py`: how a point trains,
stops and resumes), `study.workers` points at a time in processes of their own
(`workers.py`: the pool, its heartbeats and watchdog), and then `report.py` writes
`results.json`, `report.md` and the plots from the saved arrays.
"""

from __future__ import annotations

import os

import recurrent as rec
from experiments import models, preemption, train, validation
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError
from experiments.vanishing import points, report, training, workers


def validate(config) -> None:
    """Checks the study config before anything is trained or written."""
    study, analysis = config.study, config.analysis
    if not study.cells:
        raise ConfigError("study.cells must name at least one cell")
    for name in study.cells:
        try:
            cell = models.make_cell(name, config.model.hidden_size)
        except (ValueError, TypeError) as e:
            raise ConfigError(f"study.cells: {e}") from None
        if not isinstance(cell, rec.Cell):
            raise ConfigError(f"study.cells: {name!r} is not a single cell")
    if not study.gaps:
        raise ConfigError("study.gaps must hold at least one gap")
    for gap in study.gaps:
        validation.integer("study.gaps[...]", gap)
    validation.integer("study.seeds", study.seeds)
    validation.integer("study.steps_per_call", study.steps_per_call)
    validation.integer("study.workers", study.workers)
    validation.integer("study.stall_seconds", study.stall_seconds, minimum=0)
    if not isinstance(study.pad_gaps, bool):
        raise ConfigError(f"study.pad_gaps must be True or False, got {study.pad_gaps!r}")
    for key in ("eval_every", "checkpoint_every"):
        validation.integer(f"study.{key}", study[key])
    if study.eval_every % study.steps_per_call:
        raise ConfigError(f"study.eval_every ({study.eval_every}) must be a multiple of "
                          f"study.steps_per_call ({study.steps_per_call})")
    if study.checkpoint_every % study.eval_every:
        raise ConfigError(f"study.checkpoint_every ({study.checkpoint_every}) must be a "
                          f"multiple of study.eval_every ({study.eval_every})")
    if config.train.steps % study.eval_every:
        raise ConfigError(f"train.steps (the budget, {config.train.steps}) must be a multiple "
                          f"of study.eval_every ({study.eval_every})")
    validation.integer("analysis.measurements", analysis.measurements, minimum=2)
    validation.integer("analysis.examples", analysis.examples)
    validation.integer("analysis.jacobian_examples", analysis.jacobian_examples)
    if analysis.jacobian_examples > analysis.examples:
        raise ConfigError(f"analysis.jacobian_examples ({analysis.jacobian_examples}) must not "
                          f"exceed analysis.examples ({analysis.examples})")
    if analysis.examples > config.task.eval_size:
        raise ConfigError(f"analysis.examples ({analysis.examples}) must not exceed "
                          f"task.eval_size ({config.task.eval_size})")
    validation.integer("analysis.power_iterations", analysis.power_iterations)
    validation.integer("analysis.lyapunov_exponents", analysis.lyapunov_exponents, minimum=0)
    validation.integer("analysis.sensitivity_probes", analysis.sensitivity_probes, minimum=0)
    validation.number("analysis.horizon_threshold", analysis.horizon_threshold, strict=True,
                      maximum=1.0)
    validation.number("analysis.solved_accuracy", analysis.solved_accuracy, maximum=1.0 + 1e-9)
    for name in study.cells:
        for gap in study.gaps:
            train.build(points.point_config(config, name, gap))


def run_study(config, workdir: str, command: str | None = None) -> dict:
    """Runs every missing (cell, gap) point, then writes results, report and plots.

    Points run `study.workers` at a time, each worker a process of its own: XLA:CPU
    runs a small program's loop on one core, so two keep two cores busy."""
    validation.validate_training(config)
    validate(config)
    workdir_lib.check_config(config, workdir)
    os.makedirs(workdir, exist_ok=True)
    with workdir_lib.disk_full_stops(workdir), workdir_lib.Lock(workdir), \
            preemption.deferred():
        os.makedirs(os.path.join(workdir, "points"), exist_ok=True)
        workdir_lib.save_config(config, workdir)
        seeds = points.seeds_of(config)
        if config.study.workers == 1 or len(training.missing_jobs(config, workdir)) <= 1:
            for job in training.missing_jobs(config, workdir, log=True):
                training.train_and_save(config, workdir, job, seeds)
        else:
            workers.run_in_processes(config, workdir, seeds)
    checkpoints = os.path.join(workdir, "checkpoints")
    if os.path.isdir(checkpoints) and not os.listdir(checkpoints):
        os.rmdir(checkpoints)
    summary = report.write_outputs(workdir, command)
    print(f"report: {os.path.join(workdir, 'report.md')}")
    print(f"plots:  {os.path.join(workdir, 'plots')}/")
    return summary
