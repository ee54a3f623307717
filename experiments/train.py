"""Training: `train_and_evaluate(config, workdir)` with optax, orbax and metrics.

A run writes into `workdir`:
  config.json       the resolved config
  metrics.jsonl     one JSON object per line, each with `step`
  tensorboard/      the same metrics as TensorBoard event files
  checkpoints/      orbax checkpoints (every `train.checkpoint_every` steps)
  results.json      final evaluation metrics and the task's chance level
  lock              while the run writes there (see experiments/workdir.py)

Running the same command again resumes from the latest checkpoint. Batches
are a pure function of (seed, step), so the resumed data stream, and with it
every parameter and metric, is exactly that of an uninterrupted run (except
the wall-clock `steps_per_sec`). SIGTERM / SIGINT stop it at a step boundary with
a checkpoint (experiments/preemption.py); a checkpoint that does not restore is
moved aside and the previous one used.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import os
import time
from typing import Any

import flax
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import orbax.checkpoint as ocp
from absl import logging

from experiments import decoding, models, optimizers, preemption, sharding, tasks, validation
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError, NonFiniteLossError
from experiments.metric_writers import MetricWriter

# Wall-clock metrics: they differ between a resumed and an uninterrupted run.
TIMING_METRICS = ("steps_per_sec", "wall_seconds")


@flax.struct.dataclass
class TrainState:
    step: jax.Array  # int32 scalar: optimisation steps taken.
    params: Any
    opt_state: Any
    dropout_key: jax.Array  # Raw uint32 key data; each step folds in its step number.


def build(config):
    """Validates `config` and returns `(task, cell)`; raises ConfigError."""
    validation.validate_training(config)
    try:
        task = tasks.make_task(config.task)
        cell = models.build_cell(config.model)
    except (ValueError, TypeError) as e:
        raise ConfigError(str(e)) from None
    return task, cell


def create_model(config, task, cell) -> models.SequenceModel | models.Seq2SeqModel:
    """The model for `task`: CNN-decoder for captioning, encoder-decoder for translation,
    else a `SequenceModel`."""
    if getattr(task, "image_size", None):
        return models.CaptionModel(decoder_cell=cell, output_size=task.output_size,
                                   embed_size=config.model.embed_size, bos_id=task.bos_id)
    if task.seq2seq:
        return models.Seq2SeqModel(encoder_cell=cell, decoder_cell=cell,
                                   vocab_size=task.vocab_size, output_size=task.output_size,
                                   embed_size=config.model.embed_size, bos_id=task.bos_id)
    return models.SequenceModel(cell=cell, vocab_size=task.vocab_size,
                                embed_size=config.model.embed_size,
                                output_size=task.output_size, objective=task.objective,
                                answer_only=task.scores_last_step)


def create_train_state(config, model, task, tx, seed=None) -> TrainState:
    """Fresh parameters and optimiser state; `seed` (default `config.seed`) may be traced,
    so that `jax.vmap` over seeds builds one state per seed."""
    seed = config.seed if seed is None else seed
    example = task.batch(config.seed, 0, 1)
    params_key, dropout_key = jax.random.split(jax.random.key(seed))
    params = model.init(params_key, *models.model_inputs(model, example))["params"]
    return TrainState(step=jnp.zeros((), jnp.int32), params=params, opt_state=tx.init(params),
                      dropout_key=jax.random.key_data(dropout_key))


def prefetched(make_batch, start: int, stop: int):
    """Yields `make_batch(step)` for start <= step < stop, one step ahead in a thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(make_batch, start) if start < stop else None
        for step in range(start, stop):
            batch = upcoming.result()
            if step + 1 < stop:
                upcoming = pool.submit(make_batch, step + 1)
            yield batch


def train_step(state: TrainState, batch, *, model, tx, schedule):
    """One optimisation step; returns the new state and this step's metrics."""
    dropout_rng = jax.random.fold_in(jax.random.wrap_key_data(state.dropout_key), state.step)

    def loss_fn(params):
        logits = model.apply({"params": params}, *models.model_inputs(model, batch),
                             deterministic=False, rngs={"dropout": dropout_rng})
        metrics = models.masked_metrics(logits, models.scored(model, batch), model.objective)
        return metrics["loss"], metrics

    grads, metrics = jax.grad(loss_fn, has_aux=True)(state.params)
    updates, opt_state = tx.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    metrics.update(grad_norm=optax.tree.norm(grads), param_norm=optax.tree.norm(params),
                   learning_rate=schedule(state.step))
    return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics


def eval_step(params, batch, *, model):
    logits = model.apply({"params": params}, *models.model_inputs(model, batch))
    metrics = models.masked_metrics(logits, models.scored(model, batch), model.objective)
    return {f"eval_{k}": v for k, v in metrics.items()}


def with_language_model_metrics(task, metrics: dict[str, float], prefix: str = ""
                                ) -> dict[str, float]:
    """Adds `perplexity` and `bits_per_token` (from the mean cross-entropy per
    token, `loss`) for language-model tasks; other tasks' metrics are unchanged."""
    if task.language_model:
        loss = metrics[prefix + "loss"]
        metrics[prefix + "perplexity"] = float(np.exp(min(loss, 80.0)))
        metrics[prefix + "bits_per_token"] = loss / float(np.log(2.0))
    return metrics


def write_json(path: str, data) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def prepare_workdir(config, workdir: str) -> None:
    """Checks `workdir` can hold this run (nothing is written on failure)."""
    workdir_lib.check_usable(workdir)
    saved_path = os.path.join(workdir, "config.json")
    if os.path.exists(saved_path):
        with open(saved_path) as f:
            saved = json.load(f)
        current = json.loads(config.to_json())
        # The budget may grow; how many workers a study uses, and when it kills a stalled
        # one, change no result.
        differ = sorted(_diff_keys(saved, current)
                        - {"train.steps", "study.workers", "study.stall_seconds"})
        if differ:
            raise ConfigError(
                f"workdir {workdir!r} holds a run with a different config ({', '.join(differ)} "
                "differ); use a new --workdir to start a new run")


def _diff_keys(a: dict, b: dict, prefix: str = "") -> set[str]:
    keys = set()
    for k in set(a) | set(b):
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            keys |= _diff_keys(va, vb, f"{prefix}{k}.")
        elif va != vb:
            keys.add(prefix + k)
    return keys


def _format_eta(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _checkpoint_manager(workdir: str, train_config=None) -> ocp.CheckpointManager:
    options = ocp.CheckpointManagerOptions(
        max_to_keep=None if train_config is None else train_config.keep_checkpoints,
        create=train_config is not None, enable_async_checkpointing=False)
    return ocp.CheckpointManager(os.path.abspath(os.path.join(workdir, "checkpoints")),
                                 options=options)


def load_config(workdir: str) -> ml_collections.ConfigDict:
    """The config a run in `workdir` was trained with (its config.json)."""
    config_path = os.path.join(workdir, "config.json")
    if not os.path.exists(config_path):
        raise ConfigError(f"{workdir!r} holds no run (no config.json)")
    with open(config_path) as f:
        return ml_collections.ConfigDict(json.load(f))


def load_run(workdir: str, step: int | None = None):
    """Restores a run from its workdir.

    Args:
      workdir: a directory written by `train_and_evaluate`.
      step: the checkpoint to restore; the latest if None.

    Returns:
      `(config, task, model, state)`, with `state.params` ready for
      `model.apply({"params": state.params}, tokens, lengths)`.
    """
    config = load_config(workdir)
    task, cell = build(config)
    model = create_model(config, task, cell)
    tx, _ = optimizers.build(config.train)
    state = create_train_state(config, model, task, tx)
    with _checkpoint_manager(workdir) as checkpoints:
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
    prepare_workdir(config, workdir)
    primary = jax.process_index() == 0  # In a multi-process run, only process 0 writes files.
    os.makedirs(workdir, exist_ok=True)
    lock = workdir_lib.Lock(workdir) if primary else contextlib.nullcontext()
    with workdir_lib.disk_full_stops(workdir), lock, preemption.deferred() as stop:
        return _train(config, workdir, task, cell, mesh, primary, stop)


def _train(config, workdir, task, cell, mesh, primary: bool, stop) -> dict[str, float]:
    """`train_and_evaluate` once `workdir` is checked and held."""
    train = config.train
    if primary:
        write_json(os.path.join(workdir, "config.json"), json.loads(config.to_json()))

    model = create_model(config, task, cell)
    tx, schedule = optimizers.build(train)
    state = create_train_state(config, model, task, tx)
    state_sharding = sharding.state_shardings(mesh, state)
    state = jax.device_put(state, state_sharding)
    checkpoints = _checkpoint_manager(workdir, train)
    state, latest = workdir_lib.restore_newest(checkpoints, state, workdir)
    if latest is not None:
        logging.info("Resumed from the checkpoint at step %d.", latest)
    step = int(state.step)
    results_path = os.path.join(workdir, "results.json")
    if step >= train.steps and os.path.exists(results_path):
        logging.info("The run in %s is complete (step %d).", workdir, step)
        with open(results_path) as f:
            return json.load(f)

    data_sharding, metric_sharding = sharding.batch_sharding(mesh), sharding.replicated(mesh)
    step_fn = jax.jit(functools.partial(train_step, model=model, tx=tx, schedule=schedule),
                      in_shardings=(state_sharding, data_sharding),
                      out_shardings=(state_sharding, metric_sharding), donate_argnums=0)
    eval_fn = jax.jit(functools.partial(eval_step, model=model), out_shardings=metric_sharding)
    eval_batch = task.eval_batch(config.seed)
    eval_batch = sharding.put_global(eval_batch,
                                     sharding.eval_sharding(mesh, len(eval_batch.lengths)))
    writer = MetricWriter(workdir, resume_step=step, primary=primary)
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
                for offset, row in enumerate(values):
                    if not np.isfinite(row["loss"]):
                        bad_step = step - len(values) + offset + 1
                        good = checkpoints.latest_step()
                        raise NonFiniteLossError(
                            f"loss is {row['loss']} at step {bad_step}; stopping. " + (
                                "No checkpoint had been saved yet." if good is None else
                                f"The last good checkpoint (step {good}) is kept in "
                                f"{os.path.join(workdir, 'checkpoints')}"))
                elapsed = time.perf_counter() - window_start
                last = {k: float(np.mean([row[k] for row in values])) for k in values[0]}
                with_language_model_metrics(task, last)
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
                evaluation = {k: float(v) for k, v in eval_fn(state.params, eval_batch).items()}
                with_language_model_metrics(task, evaluation, prefix="eval_")
                if task.seq2seq:
                    evaluation.update(decoding.sequence_metrics(
                        model, state.params, task, eval_batch, task.beam_size))
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
        write_json(results_path, results)
    return results
