"""Trains the vanishing-gradient study's (cell, gap) points and saves each one.

For each (cell, gap) point, the seeds train in parallel in one compiled program
(`jax.vmap` over seeds, `study.steps_per_call` steps per call). `train.steps` is a
budget, not a length:

  * every `study.eval_every` steps each seed is evaluated on the held-out set; its
    steps to solve is the first evaluation with answer accuracy >=
    `analysis.solved_accuracy`;
  * a point stops as soon as every seed has solved, or when the budget runs out;
    a seed still unsolved then is censored at the budget (`solved` False), and so
    is a seed whose loss turns non-finite (`diverged`; the others train on);
  * the gradient measurements (`measure.py`) are taken at step 0, at
    `analysis.measurements` log-spaced steps up to the budget, at the step the
    point stops, and for each seed at its solve step (`solve_*` arrays).

With `study.pad_gaps`, every gap's sequences are padded to the longest gap's
length (each sequence's `lengths` keep its own end), so one set of compiled
programs serves all the gaps of a cell: one compile per cell instead of per
point, for more work per step at the shorter gaps.

Each point is saved as `points/<cell>_gap<gap>.npz` when it finishes; while it
trains, `checkpoints/<cell>_gap<gap>/` holds an orbax checkpoint of the seeds'
train state and the measurements so far (every `study.checkpoint_every` steps),
so a stopped study resumes inside the point it was training, with the same
arrays as an uninterrupted run.

  train_point     one point's seeds, until solved or out of budget
  train_and_save  a job (points in order) trained and saved, touching a heartbeat file
  missing_jobs    the points without a saved file, grouped into jobs
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable

import jax
import numpy as np
from absl import logging

from experiments import models, preemption, provenance, train
from experiments.errors import NonFiniteLossError
from experiments.tasks import Batch
from experiments.training import steps as steps_lib
from experiments.vanishing import measure, points, report
from experiments.vanishing import progress as progress_lib


def train_point(config, cell_name: str, gap: int, seeds: list[int],
                checkpoint_dir: str | None = None,
                programs: points.Programs | None = None,
                on_progress: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """Trains every seed of one (cell, gap) point until solved or out of budget.

    Args:
      config: the study config.
      cell_name, gap: the point.
      seeds: trained in parallel (vmapped).
      checkpoint_dir: if given, the point checkpoints there every
        `study.checkpoint_every` steps and resumes from the checkpoint it finds.
      programs: compiled for another gap of the same cell and padded length
        (`study.pad_gaps`); compiled here when None. Its `compile_seconds` are
        counted in the point that compiled it, 0 in the points that reuse it.
      on_progress: called after every compiled call (a chunk of steps, an
        evaluation, a measurement): the study's workers send heartbeats with it.

    Returns:
      The point's arrays (see the module docstrings of this file and `measure.py`):
      per measured step `[seeds, measurements, ...]`, per evaluation `eval_curve`
      and `train_loss` `[seeds, evaluations]`, and per seed `steps_to_solve`,
      `solved`, `diverged` (a non-finite loss at step `diverged_at`; such a seed
      is censored) and the `solve_*` by-lag norms at its solve step.

    Raises:
      NonFiniteLossError: every seed diverged.
    """
    point = points.point_config(config, cell_name, gap)
    study, analysis = point.study, point.analysis
    budget, chunk = point.train.steps, study.steps_per_call
    task, _ = train.build(point)
    length = points.padded_length(point)
    steps = task.max_length  # Lags 0..steps-1 of this gap's sequences are measured.

    def make_chunk(index):
        return points.pad_time(points.chunk_batches(task, seeds, index, point), length)

    eval_batch = points.pad_time(task.eval_batch(config.seed), length)
    analysis_batch = Batch(*(part[:analysis.examples] for part in eval_batch))
    compile_seconds = 0.0
    if programs is None:
        programs = points.Programs(point, seeds, make_chunk(0), analysis_batch, eval_batch,
                                   on_progress)
        compile_seconds = programs.compile_seconds
    elif programs.shapes != (make_chunk(0).inputs.shape, analysis_batch.inputs.shape,
                             eval_batch.inputs.shape):
        raise ValueError(f"programs compiled for shapes {programs.shapes} cannot train "
                         f"{cell_name} gap {gap}")
    cell = programs.cell
    grid = set(points.measurement_steps(budget, analysis.measurements, chunk).tolist())
    checkpoints = None if checkpoint_dir is None else progress_lib.Checkpoints(checkpoint_dir)
    state = programs.init()
    restored = None if checkpoints is None else checkpoints.restore(state, len(seeds), budget)
    if restored is None:
        progress = progress_lib.Progress(len(seeds), budget)
    else:
        state, progress = restored
        logging.info("%s gap %d: resumed at step %d", cell_name, gap, progress.step)
        if not progress.provenance:  # Checkpointed before points recorded where they ran.
            progress.provenance.append(json.dumps(None))
    progress.provenance.append(json.dumps(provenance.describe()))
    threshold = analysis.solved_accuracy
    beat = on_progress or (lambda: None)

    def evaluate(state):
        beat()
        return np.asarray(programs.evaluate(state.params, eval_batch)["eval_answer_accuracy"])

    def record(state, step, accuracy, newly_solved, on_grid):
        measured = {k: v[..., :steps] if k in measure.BY_LAG else v for k, v in
                    jax.device_get(programs.measure(state.params, analysis_batch)).items()}
        beat()
        if not progress.solve:
            progress.solve = {k: np.full_like(measured[k], np.nan) for k in measure.BY_LAG}
        for k in measure.BY_LAG:
            progress.solve[k][newly_solved] = measured[k][newly_solved]
        if on_grid:
            measured.update(measure.spectra(cell, jax.device_get(state.params["recurrent"]
                                                                 ["cell"])))
            measured["eval_accuracy"] = accuracy
            for key in progress_lib.RECORDED:
                progress.records[key].append(measured.get(key))
            progress.measured_steps.append(step)

    def evaluate_and_record(state, step, losses):
        accuracy = evaluate(state)
        is_eval = step % study.eval_every == 0
        newly = np.zeros(len(seeds), bool)
        if is_eval:
            newly = (accuracy >= threshold) & ~progress.solved & ~progress.diverged
            progress.steps_to_solve[newly] = step
            progress.solved |= newly
            progress.eval_steps.append(step)
            progress.eval_curve.append(accuracy)
            progress.train_loss.append(np.mean(losses, 0) if losses else
                                       np.full(len(seeds), np.nan))
        done = bool((progress.solved | progress.diverged).all()) or step >= budget
        if step in grid or newly.any() or done:
            record(state, step, accuracy, newly, on_grid=step in grid or done)
        return accuracy, done

    started = time.perf_counter() - progress.train_seconds
    done = False
    if progress.step == 0:
        _, done = evaluate_and_record(state, 0, [])
    losses = list(progress.window_losses)
    batches = steps_lib.prefetched(make_chunk, progress.step // chunk, budget // chunk)
    try:
        for batch in (() if done else batches):
            state, metrics = programs.train_chunk(state, batch)
            beat()
            progress.step += chunk
            chunk_losses = np.asarray(metrics["loss"])  # [steps, seeds]
            first_bad = steps_lib.non_finite_steps(chunk_losses)  # [seeds]; -1: all finite.
            for s in np.flatnonzero((first_bad >= 0) & ~progress.diverged):
                # A diverged seed stays censored; the others train on.
                first = progress.step - chunk + int(first_bad[s]) + 1
                progress.diverged[s], progress.diverged_at[s] = True, first
                logging.warning("%s gap %d: seed %d diverged (non-finite loss) at step %d",
                                cell_name, gap, seeds[s], first)
            if progress.diverged.all():
                raise NonFiniteLossError(f"{cell_name} gap {gap}: every seed's loss is "
                                         f"non-finite (first at step "
                                         f"{progress.diverged_at.min()})")
            losses.extend(chunk_losses)
            accuracy, done = evaluate_and_record(state, progress.step, losses)
            if progress.step % study.eval_every == 0:
                losses = []
                logging.info("%s gap %d step %d/%d: eval answer accuracy %s, solved %d/%d "
                             "(%.0f s)", cell_name, gap, progress.step, budget,
                             np.round(accuracy, 3), progress.solved.sum(), len(seeds),
                             time.perf_counter() - started)
            if done:
                break
            signum = preemption.requested()
            if checkpoints is not None and (progress.step % study.checkpoint_every == 0
                                            or signum is not None):
                progress.train_seconds = time.perf_counter() - started
                progress.window_losses = list(losses)
                checkpoints.save(state, progress)
            if signum is not None:
                raise preemption.Preempted(signum, progress.step,
                                           f"{checkpoint_dir} ({cell_name} gap {gap})")
    finally:
        batches.close()
        if checkpoints is not None:
            checkpoints.close()
    progress.train_seconds = time.perf_counter() - started
    # Stack to [seeds, measurements, ...] and [seeds, evaluations].
    stacked = {k: progress_lib.stack_records(v) for k, v in progress.records.items()}
    arrays = {k: np.swapaxes(v, 0, 1) for k, v in stacked.items() if v is not None}
    arrays.update({f"solve_{k}": v for k, v in progress.solve.items()})
    arrays.update(
        measured_steps=np.asarray(progress.measured_steps),
        eval_steps=np.asarray(progress.eval_steps),
        eval_curve=np.swapaxes(np.asarray(progress.eval_curve), 0, 1),
        train_loss=np.swapaxes(np.asarray(progress.train_loss), 0, 1),
        steps_to_solve=progress.steps_to_solve, solved=progress.solved,
        diverged=progress.diverged, diverged_at=progress.diverged_at,
        stopped_at=np.asarray(progress.step), budget=np.asarray(budget),
        # The key country sits at lag == gap in every by-lag array.
        gap=np.asarray(gap), seeds=np.asarray(seeds), chance=np.asarray(programs.chance),
        matrix_names=measure.matrix_names(cell, state.params["recurrent"]["cell"]),
        compile_seconds=np.asarray(compile_seconds),
        train_seconds=np.asarray(progress.train_seconds),
        # Where it ran: commit, machine, software (one entry per process that trained it).
        provenance=np.asarray(progress.provenance, str))
    return arrays


def checkpoint_dir(workdir: str, cell: str, gap: int) -> str:
    """`checkpoints/<cell>_gap<gap>/`: the point's checkpoint while it trains."""
    return os.path.join(workdir, "checkpoints", f"{models.cell_slug(cell)}_gap{gap}")


def train_and_save(config, workdir: str, todo: list[tuple[str, int]], seeds,
                   heartbeat: str | None = None) -> None:
    """Trains the points `todo` (missing ones, in order) and saves each as it finishes; with
    `study.pad_gaps` they are gaps of one cell and share its compiled programs. With
    `heartbeat`, touches that file at the start and after every compiled call."""
    def beat():
        if heartbeat is not None:
            with open(heartbeat, "a"):
                os.utime(heartbeat)

    programs = None
    try:
        for cell, gap in todo:
            beat()
            path = report.point_path(workdir, cell, gap)
            directory = checkpoint_dir(workdir, cell, gap)
            compiled_here = programs is None and config.study.pad_gaps
            if compiled_here:
                programs = points.programs_for(config, cell, seeds, on_progress=beat)
            arrays = train_point(config, cell, gap, seeds, checkpoint_dir=directory,
                                 programs=programs, on_progress=beat)
            if compiled_here:
                arrays["compile_seconds"] = np.asarray(programs.compile_seconds)
            progress_lib.save_arrays(path, arrays)
            shutil.rmtree(directory, ignore_errors=True)
            logging.info("%s gap %d: steps to solve %s (budget %d), compile %.1f s, "
                         "training %.1f s", cell, gap, arrays["steps_to_solve"].tolist(),
                         config.train.steps, arrays["compile_seconds"], arrays["train_seconds"])
    finally:
        if heartbeat is not None and os.path.exists(heartbeat):
            os.remove(heartbeat)


def missing_jobs(config, workdir: str, log: bool = False) -> list[list[tuple[str, int]]]:
    """The points without a saved file: one job per cell with `study.pad_gaps` (its gaps
    share programs), else one per point."""
    jobs = []
    for cell in config.study.cells:
        missing = []
        for gap in config.study.gaps:
            path = report.point_path(workdir, cell, gap)
            if not os.path.exists(path):
                missing.append((cell, gap))
            elif log:
                logging.info("%s gap %d: already done (%s)", cell, gap, path)
        jobs += [missing] if config.study.pad_gaps else [[p] for p in missing]
    return [job for job in jobs if job]
