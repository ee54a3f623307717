"""One point of the study: its config, seeds, measured steps, padded batches and programs."""

from __future__ import annotations

import functools
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

import recurrent as rec
from experiments import models, train
from experiments.tasks import Batch
from experiments.training import optimizers
from experiments.training import steps as steps_lib
from experiments.vanishing import measure


def point_config(config, cell: str, gap: int):
    """The training config of one (cell, gap) point of the study."""
    point = ml_collections.ConfigDict(config.to_dict())
    point.model.cell, point.task.gap, point.task.gap_max = cell, gap, None
    return point


def seeds_of(config) -> list[int]:
    return [config.seed + i for i in range(config.study.seeds)]


def measurement_steps(budget: int, count: int, granularity: int) -> np.ndarray:
    """Step 0 and `count` log-spaced multiples of `granularity` up to `budget` (fewer
    when fewer multiples exist): dense early, where the gradient changes fastest."""
    multiples = budget // granularity
    steps = np.array([1])
    for n in range(count, 4 * count + 1):
        steps = np.unique(np.geomspace(1, multiples, n).round().astype(int))
        if len(steps) >= min(count, multiples):
            break
    return np.concatenate([[0], steps * granularity])


def padded_length(config) -> int | None:
    """T that every point's sequences are padded to with `study.pad_gaps` (the longest
    gap's), else None."""
    if not config.study.pad_gaps:
        return None
    task, _ = train.build(point_config(config, config.study.cells[0], max(config.study.gaps)))
    return task.max_length


def lyapunov_exponents(point, cell) -> int:
    """How many exponents a point measures: `analysis.lyapunov_exponents`, at most the
    carry's real size S (all of them for a small cell)."""
    size = rec.analysis.real_state_size(cell.initial_carry((1,)))
    return min(point.analysis.lyapunov_exponents, size)


def pad_time(batch: Batch, length: int | None) -> Batch:
    """Right-pads every per-step part of `batch` (`[..., B, T]`) to `length` steps with
    zeros; `lengths` keep each sequence's own end, so the padding is never read."""
    if length is None:
        return batch
    steps = batch.inputs.shape[-1]

    def pad(part):
        return np.pad(part, [(0, 0)] * (part.ndim - 1) + [(0, length - steps)])

    return batch._replace(**{k: pad(getattr(batch, k))
                             for k in ("inputs", "targets", "mask", "metric_mask")})


class Programs:
    """The compiled programs of a point: init, a chunk of training steps, eval, measure.

    Compiled ahead of time, so that their compile time is measured apart from
    training; `on_progress` is called after each compile (a heartbeat). They depend on
    the point's shapes only, so with `study.pad_gaps` one `Programs` serves every gap
    of a cell (`train_point(..., programs=...)`).
    """

    def __init__(self, point, seeds, example_chunk: Batch, analysis_batch: Batch,
                 eval_batch: Batch, on_progress=None):
        task, cell = train.build(point)
        model = models.for_task(point.model, task, cell)
        tx, schedule = optimizers.build(point.train)
        self.cell, self.chance = cell, task.chance
        self.shapes = (example_chunk.inputs.shape, analysis_batch.inputs.shape,
                       eval_batch.inputs.shape)
        started = time.perf_counter()
        seed_array = jnp.asarray(seeds)
        init = jax.jit(jax.vmap(lambda s: steps_lib.create_train_state(point, model, task, tx, s)))
        beat = on_progress or (lambda: None)
        init = init.lower(seed_array).compile()
        beat()
        # A fresh state for every point. Training does not donate its state: the study's
        # processes hung for good, every XLA thread asleep, when the init program was called
        # again after a chunk had been given (donated) the state it returned before.
        self.init = lambda: init(seed_array)
        template = self.init()
        step = jax.vmap(functools.partial(steps_lib.train_step, model=model, tx=tx,
                                          schedule=schedule))
        chunk = jax.jit(lambda state, batches: jax.lax.scan(step, state, batches))
        self.train_chunk = chunk.lower(template, example_chunk).compile()
        beat()
        evaluate = jax.jit(jax.vmap(functools.partial(steps_lib.eval_step, model=model), (0, None)))
        self.evaluate = evaluate.lower(template.params, eval_batch).compile()
        beat()
        self.measure = measure.measure_seeds.lower(
            template.params, analysis_batch, cell=cell,
            jacobian_examples=point.analysis.jacobian_examples,
            power_iterations=point.analysis.power_iterations,
            lyapunov_exponents=lyapunov_exponents(point, cell),
            sensitivity_probes=point.analysis.sensitivity_probes).compile()
        self.compile_seconds = time.perf_counter() - started


def programs_for(config, cell: str, seeds: list[int], on_progress=None) -> Programs:
    """The programs every gap of `cell` shares when padded to the longest gap."""
    point = point_config(config, cell, max(config.study.gaps))
    task, _ = train.build(point)
    example = chunk_batches(task, seeds, 0, point)
    eval_batch = task.eval_batch(config.seed)
    analysis_batch = Batch(*(part[:point.analysis.examples] for part in eval_batch))
    return Programs(point, seeds, example, analysis_batch, eval_batch, on_progress)


def stack_batches(batches) -> Batch:
    """Batches stacked along a new leading axis (seeds, or steps of a chunk)."""
    return Batch(*(np.stack(parts) for parts in zip(*batches, strict=True)))


def chunk_batches(task, seeds, index: int, point) -> Batch:
    """The training batches of chunk `index` (steps `index * steps_per_call` onwards),
    `[steps_per_call, seeds, B, T]`, each a pure function of (seed, step)."""
    chunk, batch_size = point.study.steps_per_call, point.train.batch_size
    return stack_batches([stack_batches([task.batch(s, i, batch_size) for s in seeds])
                          for i in range(index * chunk, (index + 1) * chunk)])
