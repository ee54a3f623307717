"""The training loop: `train_and_evaluate(config, workdir)` with optax, orbax and metrics.

A run writes into `workdir`:
  config.json       the resolved config
  metrics.jsonl     one JSON object per line, each with `step`
  tensorboard/      the same metrics as TensorBoard event files
  checkpoints/      orbax checkpoints (every `train.checkpoint_every` steps)
  results.json      final evaluation metrics and the task's chance level
  lock              while the run writes there (see experiments/workdir/lock.py)

Running the same command again resumes from the latest checkpoint. Batches
are a pure function of (seed, step), so the resumed data stream, and with it
every parameter and metric, is exactly that of an uninterrupted run (except
the wall-clock `steps_per_sec`). SIGTERM / SIGINT stop it at a step boundary with
a checkpoint (experiments/preemption.py); a checkpoint that does not restore is
moved aside and the previous one used.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time

import jax
import numpy as np
import orbax.checkpoint as ocp
from absl import logging

from experiments import models, preemption, sharding, tasks, validation
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError, NonFiniteLossError
from experiments.training import metrics as metrics_lib
from experiments.training import optimizers
from experiments.training.steps import (
    create_train_state,
    eval_step,
    non_finite_steps,
    prefetched,
    train_step,
)
from experiments.workdir import checkpoints as checkpoints_lib

# Wall-clock metrics: they differ between a resumed and an uninterrupted run.
TIMING_METRICS = ("steps_per_sec", "wall_seconds")


def build(config):
    """Validates `config` and returns `(task, cell)`; raises ConfigError."""
    validation.validate_training(config)
    try:
        task = tasks.make_task(config.task)
        cell = models.build_cell(config.model)
    except (ValueError, TypeError) as e:
        raise ConfigError(str(e)) from None
    return task, cell


def _stop_if_non_finite(window: list[dict], step: int, checkpoints, workdir: str) -> None:
    """Raises NonFiniteLossError if a loss of the logging window ending at `step` is not
    finite, naming the first such step and the last good checkpoint."""
    offset = int(non_finite_steps([row["loss"] for row in window]))
    if offset < 0:
        return
    good = checkpoints.latest_step()
    raise NonFiniteLossError(
        f"loss is {window[offset]['loss']} at step {step - len(window) + offset + 1}; "
        "stopping. " + ("No checkpoint had been saved yet." if good is None else
                        f"The last good checkpoint (step {good}) is kept in "
                        f"{os.path.join(workdir, 'checkpoints')}"))


def _format_eta(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def load_run(workdir: str, step: int | None = None):
    """Restores a run from its workdir.

    Args:
      workdir: a directory written by `train_and_evaluate`.
      step: the checkpoint to restore; the latest if None.

    Returns:
      `(config, task, model, state)`, with `state.params` ready for
      `model.apply({"params": state.params}, tokens, lengths)`.
    """
    config = workdir_lib.load_config(workdir)
    task, cell = build(config)
    model = models.for_task(config.model, task, cell)
    tx, _ = optimizers.build(config.train)
    state = create_train_state(config, model, task, tx)
    with checkpoints_lib.manager(workdir) as checkpoints:
        step = checkpoints.latest_step() if step is None else step
        if step is None:
            raise ConfigError(f"{workdir!r} holds no checkpoint")
        state = checkpoints.restore(step, args=ocp.args.StandardRestore(state))
    return config, task, model, state


def train_and_evaluate(config, workdir: str) -> dict[str, float]:
    """Trains `config` in `workdir` (resuming if it holds a checkpoint).

    Returns:
      The final metrics: the last training window, the final evaluation, the
      task's `chance` level, and `metric` / `higher_is_better`, which name the
      task's headline metric (e.g. "eval_mse", False for the adding problem).
    """
    task, cell = build(config)
    mesh = sharding.make_mesh(config.get("mesh"), config.train.batch_size)
    workdir_lib.check_config(config, workdir)
    primary = jax.process_index() == 0  # In a multi-process run, only process 0 writes files.
    os.makedirs(workdir, exist_ok=True)
    lock = workdir_lib.Lock(workdir) if primary else contextlib.nullcontext()
    with workdir_lib.disk_full_stops(workdir), lock, preemption.deferred() as stop:
        return _train(config, workdir, task, cell, mesh, primary, stop)


def _train(config, workdir, task, cell, mesh, primary: bool, stop) -> dict[str, float]:
    """`train_and_evaluate` once `workdir` is checked and held."""
    train = config.train
    if primary:
        workdir_lib.save_config(config, workdir)

    model = models.for_task(config.model, task, cell)
    tx, schedule = optimizers.build(train)
    state = create_train_state(config, model, task, tx)
    state_sharding = sharding.state_shardings(mesh, state)
    state = jax.device_put(state, state_sharding)
    checkpoints = checkpoints_lib.manager(workdir, train)
    state, latest = workdir_lib.restore_newest(checkpoints, state, workdir)
    if latest is not None:
        logging.info("Resumed from the checkpoint at step %d.", latest)
    step = int(state.step)
    results_path = os.path.join(workdir, "results.json")
    if step >= train.steps and os.path.exists(results_path):
        logging.info("The run in %s is complete (step %d).", workdir, step)
        return workdir_lib.read_json(results_path)

    data_sharding, metric_sharding = sharding.batch_sharding(mesh), sharding.replicated(mesh)
    step_fn = jax.jit(functools.partial(train_step, model=model, tx=tx, schedule=schedule),
                      in_shardings=(state_sharding, data_sharding),
                      out_shardings=(state_sharding, metric_sharding), donate_argnums=0)
    eval_fn = jax.jit(functools.partial(eval_step, model=model), out_shardings=metric_sharding)
    eval_batch = task.eval_batch(config.seed)
    eval_batch = sharding.put_global(eval_batch,
                                     sharding.eval_sharding(mesh, len(eval_batch.lengths)))
    writer = workdir_lib.MetricWriter(workdir, resume_step=step, primary=primary)
    # Training time (compiles included) summed over every session of this run.
    wall_offset = max((row["wall_seconds"] for row in writer.rows if "wall_seconds" in row),
                      default=0.0)
    started = time.perf_counter()
    train_metric = task.metric.removeprefix("eval_")
    batches = prefetched(lambda i: sharding.put_global(
        task.batch(config.seed, i, train.batch_size), data_sharding), step, train.steps)
    # A window cut short by a preemption at this step resumes with its saved metrics.
    window, window_start, last = workdir_lib.load_pending_window(workdir, step), \
        time.perf_counter(), {}
    try:
        for batch in batches:
            state, metrics = step_fn(state, batch)
            step += 1
            window.append(metrics)
            is_last = step == train.steps
            if step % train.log_every == 0 or is_last:
                values = jax.device_get(window)
                _stop_if_non_finite(values, step, checkpoints, workdir)
                elapsed = time.perf_counter() - window_start
                last = {k: float(np.mean([row[k] for row in values])) for k in values[0]}
                metrics_lib.language_model_metrics(task, last)
                last["steps_per_sec"] = len(values) / elapsed
                last["wall_seconds"] = wall_offset + time.perf_counter() - started
                writer.write(step, last)
                headline = (f"  {train_metric} {last[train_metric]:.4g}"
                            if train_metric in last and train_metric != "loss" else "")
                logging.info(
                    "step %d/%d  loss %.4f%s  %.1f steps/s  ETA %s", step, train.steps,
                    last["loss"], headline, last["steps_per_sec"],
                    _format_eta((train.steps - step) / last["steps_per_sec"]))
                window, window_start = [], time.perf_counter()
            if step % train.eval_every == 0 or is_last:
                evaluation = metrics_lib.evaluate(eval_fn, model, state.params, task, eval_batch)
                writer.write(step, evaluation)
                last.update(evaluation)
                headline = ("" if task.metric == "eval_loss" else
                            f"  {task.metric} {evaluation[task.metric]:.4g}")
                logging.info("step %d  eval_loss %.4f%s (chance %.4g)", step,
                             evaluation["eval_loss"], headline, task.chance)
            if step % train.checkpoint_every == 0 or is_last:
                checkpoints.save(step, args=ocp.args.StandardSave(state))
                workdir_lib.drop_pending_window(workdir)
            if stop.requested is not None and not is_last:
                if step % train.checkpoint_every:
                    checkpoints.save(step, args=ocp.args.StandardSave(state), force=True)
                    checkpoints.wait_until_finished()
                    if primary:
                        workdir_lib.save_pending_window(workdir, step, jax.device_get(window))
                raise preemption.Preempted(stop.requested, step, workdir)
    finally:
        batches.close()
        writer.close()
        checkpoints.wait_until_finished()
        checkpoints.close()
    results = {**last, "chance": task.chance, "step": step, "metric": task.metric,
               "higher_is_better": task.higher_is_better}
    if primary:
        workdir_lib.write_json(results_path, results)
    return results
