"""The vanishing-gradient study's driver (config: experiments/configs/vanishing.py).

`validate` checks the study config before anything is trained or written; `run_study`
trains every (cell, gap) point without a saved file (`training.py`: how a point trains,
stops and resumes), `study.workers` points at a time in processes of their own
watched for stalls, and then `report.py` writes `results.json`, `report.md` and the plots
from the saved arrays.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import json
import logging as pylogging
import multiprocessing
import os
import shutil
import signal
import time

import jax
from absl import logging

import recurrent as rec
from experiments import models, preemption, train, validation
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError
from experiments.vanishing import points, report, training


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
    validation.number("analysis.horizon_threshold", analysis.horizon_threshold, strict=True,
                      maximum=1.0)
    validation.number("analysis.solved_accuracy", analysis.solved_accuracy, maximum=1.0 + 1e-9)
    for name in study.cells:
        for gap in study.gaps:
            train.build(points.point_config(config, name, gap))


def heartbeat_dir(workdir: str) -> str:
    """`checkpoints/heartbeats/`: one file per worker process, named by its pid, touched
    whenever the worker makes progress (see `_run_in_processes`)."""
    return os.path.join(workdir, "checkpoints", "heartbeats")


def _worker_job(config, workdir: str, todo, seeds) -> None:
    """`training.train_and_save` in a worker process, with its heartbeat file."""
    training.train_and_save(config, workdir, todo, seeds,
                            heartbeat=os.path.join(heartbeat_dir(workdir), str(os.getpid())))


def _worker_init(verbosity: int) -> None:
    """A worker process ends with the study's process (Linux; elsewhere it finishes its
    point first) and logs this project's INFO lines, not orbax's."""
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        pass
    # One worker of this study once hung for good at a step-0 evaluation, every XLA thread
    # asleep, as the study-step benchmark's first call later did (a gdb backtrace: every
    # thread parked, the caller in BlockUntilReady; jax-ml/jax#25861 reports the same with
    # asynchronous dispatch on CPU). Dispatching synchronously (the calls here are long: a
    # chunk of steps, a measurement) keeps every execution finished before the next.
    jax.config.update("jax_cpu_enable_async_dispatch", False)
    preemption.install()  # SIGTERM / SIGINT: checkpoint the point, then stop.
    logging.set_verbosity(verbosity)
    quiet = pylogging.Filter()
    quiet.filter = lambda r: r.levelno >= pylogging.WARNING or "orbax" not in r.pathname
    for handler in pylogging.getLogger().handlers:
        handler.addFilter(quiet)


MAX_RESTARTS = 3  # Restarts of the worker processes in one `run_study` before it gives up.


def _kill_stalled(workdir: str, stall_seconds: int) -> None:
    """Kills every worker whose heartbeat is older than `stall_seconds` (0: never)."""
    directory = heartbeat_dir(workdir)
    if not stall_seconds or not os.path.isdir(directory):
        return
    for name in os.listdir(directory):
        try:
            age = time.time() - os.path.getmtime(os.path.join(directory, name))
        except FileNotFoundError:  # The worker finished meanwhile.
            continue
        if age > stall_seconds:
            logging.warning("study worker %s made no progress for %.0f s (study.stall_seconds "
                            "= %d): killing it; its point resumes from its checkpoint",
                            name, age, stall_seconds)
            try:
                os.kill(int(name), signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.remove(os.path.join(directory, name))


def _refresh_heartbeats(workdir: str) -> None:
    """Dates every worker's heartbeat now (after a pause of the whole study)."""
    directory = heartbeat_dir(workdir)
    for name in os.listdir(directory) if os.path.isdir(directory) else []:
        try:
            os.utime(os.path.join(directory, name))
        except FileNotFoundError:
            pass


def _run_pool(config, workdir: str, jobs, seeds) -> None:
    """Runs `jobs` in `study.workers` processes (spawned: each with its own JAX; a process
    runs job after job, so JAX is imported once per worker), watching their heartbeats.
    Raises `BrokenProcessPool` when a worker died."""
    context = multiprocessing.get_context("spawn")
    stall = config.study.stall_seconds
    poll = min(5.0, stall / 4) if stall else 5.0
    with concurrent.futures.ProcessPoolExecutor(
            config.study.workers, mp_context=context, initializer=_worker_init,
            initargs=(logging.get_verbosity(),)) as pool:
        futures = [pool.submit(_worker_job, config, workdir, job, seeds) for job in jobs]
        pending = set(futures)
        try:
            last = time.monotonic()
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=poll, return_when=concurrent.futures.FIRST_EXCEPTION)
                for future in done:
                    future.result()
                now = time.monotonic()
                if now - last > 2 * poll + 30:  # This process was stopped too (SIGSTOP of
                    _refresh_heartbeats(workdir)  # the group, a suspended machine): the
                last = now                        # workers' silence then is not a stall.
                if (signum := preemption.requested()) is not None:
                    for process in list(pool._processes.values()):  # Pass the signal on:
                        if process.is_alive():  # each worker checkpoints and stops.
                            os.kill(process.pid, signum)
                    stall = 0  # Saving may take a while; it is not a stall.
                _kill_stalled(workdir, stall)
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run_in_processes(config, workdir: str, seeds) -> None:
    """Trains the missing points in `study.workers` processes; restarts them (at most
    `MAX_RESTARTS` times) when one dies or stalls, each point resuming from its checkpoint.

    Processes, not threads: two XLA:CPU programs run from two threads of one process
    share its thread pool, and on two cores the study's measurement program deadlocked
    that way. Twice a worker hung for good here, every XLA thread asleep (root cause
    unknown): a worker whose heartbeat is older than `study.stall_seconds` is killed and
    its point resumed."""
    shutil.rmtree(heartbeat_dir(workdir), ignore_errors=True)  # A previous session's.
    os.makedirs(heartbeat_dir(workdir))
    for restart in range(MAX_RESTARTS + 1):
        jobs = training.missing_jobs(config, workdir, log=restart == 0)
        try:
            _run_pool(config, workdir, jobs, seeds)
            break
        except concurrent.futures.process.BrokenProcessPool:
            if (signum := preemption.requested()) is not None:  # A worker it killed early.
                raise preemption.Preempted(signum, 0, os.path.join(workdir, "checkpoints")
                                           ) from None
            if restart == MAX_RESTARTS:
                raise
            logging.warning("a study worker died or was killed; restarting the workers for "
                            "the unfinished points (restart %d of at most %d)", restart + 1,
                            MAX_RESTARTS)
    shutil.rmtree(heartbeat_dir(workdir), ignore_errors=True)


def run_study(config, workdir: str, command: str | None = None) -> dict:
    """Runs every missing (cell, gap) point, then writes results, report and plots.

    Points run `study.workers` at a time, each worker a process of its own: XLA:CPU
    runs a small program's loop on one core, so two keep two cores busy."""
    validation.validate_training(config)
    validate(config)
    train.prepare_workdir(config, workdir)
    os.makedirs(workdir, exist_ok=True)
    with workdir_lib.disk_full_stops(workdir), workdir_lib.Lock(workdir), \
            preemption.deferred():
        os.makedirs(os.path.join(workdir, "points"), exist_ok=True)
        train.write_json(os.path.join(workdir, "config.json"), json.loads(config.to_json()))
        seeds = points.seeds_of(config)
        if config.study.workers == 1 or len(training.missing_jobs(config, workdir)) <= 1:
            for job in training.missing_jobs(config, workdir, log=True):
                training.train_and_save(config, workdir, job, seeds)
        else:
            _run_in_processes(config, workdir, seeds)
    checkpoints = os.path.join(workdir, "checkpoints")
    if os.path.isdir(checkpoints) and not os.listdir(checkpoints):
        os.rmdir(checkpoints)
    summary = report.write_outputs(workdir, command)
    print(f"report: {os.path.join(workdir, 'report.md')}")
    print(f"plots:  {os.path.join(workdir, 'plots')}/")
    return summary
