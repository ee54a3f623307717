"""The study's worker processes: the pool, their heartbeats and the watchdog.

`run_in_processes` trains the missing points in `study.workers` spawned processes, each
running `training.train_and_save` job after job and touching its heartbeat file
(`checkpoints/heartbeats/<pid>`) after every compiled call. The study's process watches
them: it kills a worker whose heartbeat is older than `study.stall_seconds`, passes
SIGTERM / SIGINT on to the workers (each checkpoints its point and stops), and restarts
the pool, at most `MAX_RESTARTS` times, when a worker dies or is killed; each point then
resumes from its checkpoint.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import logging as pylogging
import multiprocessing
import os
import shutil
import signal
import time

import jax
from absl import logging

from experiments import preemption
from experiments.vanishing import training


def heartbeat_dir(workdir: str) -> str:
    """`checkpoints/heartbeats/`: one file per worker process, named by its pid, touched
    whenever the worker makes progress (see `run_in_processes`)."""
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


def run_in_processes(config, workdir: str, seeds) -> None:
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
