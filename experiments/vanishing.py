"""The vanishing-gradient study (config: experiments/configs/vanishing.py).

For each (cell, gap) point, the seeds train in parallel in one compiled program
(`jax.vmap` over seeds). At `analysis.measurements` points of training
(step 0 included) each seed is measured on the same held-out examples:

  grad_norms     ||dL/ds_t|| for the loss on the answer, by lag k = answer - t
                 (mean over examples); the key country is at lag = gap
  jac_spectral   ||ds_answer/ds_t||_2   (Jacobian products, by lag)
  jac_frobenius  ||ds_answer/ds_t||_F
  eval_accuracy  answer accuracy on the held-out set
  singular_values, eigenvalues   of each gate's recurrent matrix
  timescales     1 / (1 - mean retention) per unit (gated cells)

Each point is saved as `points/<cell>_gap<gap>.npz` as soon as it finishes,
so a study that is interrupted resumes at the first missing point. Then
`results.json`, `report.md` and the plots (`plots/`, regenerable with
`python -m experiments.plots WORKDIR`) are written from those arrays.
"""

from __future__ import annotations

import functools
import json
import os
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging

import recurrent as rec
from experiments import models, train, validation
from experiments.errors import ConfigError, NonFiniteLossError
from experiments.tasks import Batch

MEASURED = ("grad_norms", "jac_spectral", "jac_frobenius")


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
            train.build(point_config(config, name, gap))


def point_config(config, cell: str, gap: int):
    """The training config of one (cell, gap) point of the study."""
    point = ml_collections.ConfigDict(config.to_dict())
    point.model.cell, point.task.gap, point.task.gap_max = cell, gap, None
    return point


def seeds_of(config) -> list[int]:
    return [config.seed + i for i in range(config.study.seeds)]


def answer_loss_fn(params, batch):
    """The loss on the answer, as a function of the recurrent outputs `ys`."""
    kernel, bias = params["readout"]["kernel"], params["readout"]["bias"]

    def loss_fn(ys):
        losses = optax.softmax_cross_entropy_with_integer_labels(ys @ kernel + bias,
                                                                 batch.targets)
        return jnp.sum(losses * batch.metric_mask) / jnp.sum(batch.metric_mask)
    return loss_fn


def measure(params, batch: Batch, *, cell, jacobian_examples: int, power_iterations: int):
    """Gradient and Jacobian-product norms by lag for one seed's params."""
    xs = params["embed"]["embedding"][batch.inputs]
    cell_params = params["recurrent"]["cell"]
    answer = batch.lengths - 1
    max_lag = batch.inputs.shape[1] - 1
    grads = rec.analysis.state_grads(cell, cell_params, xs, answer_loss_fn(params, batch),
                                     lengths=batch.lengths)
    norms = rec.analysis.by_lag(rec.analysis.carry_norms(grads), answer, max_lag)
    n = jacobian_examples
    jacobians = rec.analysis.jacobian_norms(cell, cell_params, xs[:n], lengths=batch.lengths[:n],
                                            num_iterations=power_iterations)
    return {
        "grad_norms": jnp.nanmean(norms, 0),
        "jac_spectral": jnp.nanmean(rec.analysis.by_lag(jacobians.spectral, answer[:n],
                                                        max_lag), 0),
        "jac_frobenius": jnp.nanmean(rec.analysis.by_lag(jacobians.frobenius, answer[:n],
                                                         max_lag), 0),
    }


@functools.partial(jax.jit, static_argnames=("cell", "jacobian_examples", "power_iterations"))
def measure_seeds(params, batch: Batch, *, cell, jacobian_examples: int, power_iterations: int):
    """`measure` for every seed (leading axis of `params`) in one program.

    Module-level, with the cell static, so points of the same shape share one
    compilation."""
    return jax.vmap(lambda p: measure(p, batch, cell=cell, jacobian_examples=jacobian_examples,
                                      power_iterations=power_iterations))(params)


def _stack_batches(batches) -> Batch:
    return Batch(*(np.stack(parts) for parts in zip(*batches, strict=True)))


def train_point(config, cell_name: str, gap: int, seeds: list[int]) -> dict[str, np.ndarray]:
    """Trains every seed of one (cell, gap) point in parallel and measures it."""
    point = point_config(config, cell_name, gap)
    task, cell = train.build(point)
    model = train.create_model(point, task, cell)
    tx, schedule = train.build_optimizer(point.train)
    analysis, steps = point.analysis, point.train.steps
    states = jax.vmap(lambda s: train.create_train_state(point, model, task, tx, s))(
        jnp.asarray(seeds))
    step_fn = jax.jit(jax.vmap(functools.partial(train.train_step, model=model, tx=tx,
                                                 schedule=schedule)), donate_argnums=0)
    eval_fn = jax.jit(jax.vmap(functools.partial(train.eval_step, model=model), (0, None)))
    measure_fn = functools.partial(
        measure_seeds, cell=cell, jacobian_examples=analysis.jacobian_examples,
        power_iterations=analysis.power_iterations)
    eval_batch = task.eval_batch(config.seed)
    analysis_batch = Batch(*(part[:analysis.examples] for part in eval_batch))
    measured_steps = np.unique(np.linspace(0, steps, analysis.measurements).round().astype(int))
    records = {k: [] for k in (*MEASURED, "eval_accuracy", "singular_values", "eigenvalues",
                               "timescales")}

    def record(states):
        for key, value in jax.device_get(measure_fn(states.params, analysis_batch)).items():
            records[key].append(value)
        records["eval_accuracy"].append(
            np.asarray(eval_fn(states.params, eval_batch)["eval_answer_accuracy"]))
        spectra, timescales = [], []
        xs = states.params["embed"]["embedding"][:, analysis_batch.inputs]
        for s in range(len(seeds)):
            cell_params = jax.tree_util.tree_map(lambda p, s=s: p[s],
                                                 states.params["recurrent"]["cell"])
            spectra.append(rec.analysis.recurrent_spectrum(cell, cell_params))
            timescales.append(rec.analysis.gate_timescales(
                cell, cell_params, xs[s], lengths=analysis_batch.lengths).timescale
                if cell.has_retention_gate else np.full(cell.hidden_size, np.nan))
        # [seeds, matrices, H]; cells whose recurrence has no weights (MinGRU) have none.
        records["singular_values"].append(np.array(
            [[m.singular_values for m in sp.values()] for sp in spectra]).reshape(
                len(seeds), -1, cell.hidden_size))
        records["eigenvalues"].append(np.array(
            [[m.eigenvalues for m in sp.values()] for sp in spectra]).reshape(
                len(seeds), -1, cell.hidden_size))
        records["timescales"].append(np.array(timescales))

    cell_params0 = jax.tree_util.tree_map(lambda p: p[0], states.params["recurrent"]["cell"])
    start = time.perf_counter()
    record(states)
    batches = train.prefetched(
        lambda i: _stack_batches([task.batch(s, i, point.train.batch_size) for s in seeds]),
        0, steps)
    losses = []
    for step, batch in enumerate(batches, start=1):
        states, metrics = step_fn(states, batch)
        losses.append(metrics["loss"])
        if step in measured_steps:
            losses_now = np.asarray(jax.device_get(losses))
            if not np.all(np.isfinite(losses_now)):
                bad = np.argwhere(~np.isfinite(losses_now))[0]
                raise NonFiniteLossError(
                    f"{cell_name} gap {gap}: loss is non-finite at step "
                    f"{step - len(losses) + bad[0] + 1} (seed {seeds[bad[1]]})")
            losses = []
            record(states)
            logging.info("%s gap %d step %d/%d: eval answer accuracy %s (%.0f s)", cell_name,
                         gap, step, steps, np.round(records["eval_accuracy"][-1], 3),
                         time.perf_counter() - start)
    # Stack to [seeds, measurements, ...].
    arrays = {k: np.swapaxes(np.asarray(v), 0, 1) for k, v in records.items()}
    # The key country sits at lag == gap in every by-lag array.
    arrays.update(measured_steps=measured_steps, gap=np.asarray(gap), seeds=np.asarray(seeds),
                  chance=np.asarray(task.chance),
                  matrix_names=np.asarray(list(cell.recurrent_matrices(cell_params0)), dtype=str))
    return arrays


def point_path(workdir: str, cell: str, gap: int) -> str:
    """`points/<cell>_gap<gap>.npz`, the cell spec made file-name safe."""
    return os.path.join(workdir, "points", f"{models.cell_slug(cell)}_gap{gap}.npz")


def load_points(workdir: str) -> dict[tuple[str, int], dict[str, np.ndarray]]:
    """Every finished point of a study, keyed by (cell, gap), in config order."""
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    points = {}
    for cell in config["study"]["cells"]:
        for gap in config["study"]["gaps"]:
            path = point_path(workdir, cell, gap)
            if os.path.exists(path):
                with np.load(path) as data:
                    points[(cell, gap)] = dict(data)
    return points


def summarize(points, threshold: float, solved_accuracy: float) -> dict:
    """Per (cell, gap) and per cell: accuracy, gradient horizon, decay rate."""
    per_point, per_cell = {}, {}
    for (cell, gap), p in points.items():
        norms = p["grad_norms"]  # [seeds, measurements, lags]
        horizon = rec.analysis.gradient_horizon(norms, threshold)
        decay = rec.analysis.decay_rate(norms, max_lag=gap)
        accuracy = p["eval_accuracy"][:, -1]
        per_point[f"{cell}/gap{gap}"] = {
            "cell": cell, "gap": gap,
            "eval_accuracy_mean": float(accuracy.mean()),
            "eval_accuracy_min": float(accuracy.min()),
            "eval_accuracy_max": float(accuracy.max()),
            "horizon_init": float(np.median(horizon[:, 0])),
            "horizon_trained": float(np.median(horizon[:, -1])),
            "decay_rate_init": float(np.mean(decay[:, 0])),
            "decay_rate_trained": float(np.mean(decay[:, -1])),
            "chance": float(p["chance"]),
        }
    for cell in dict.fromkeys(cell for cell, _ in points):
        rows = [r for r in per_point.values() if r["cell"] == cell]
        solved = [r["gap"] for r in rows if r["eval_accuracy_mean"] >= solved_accuracy]
        longest = max(rows, key=lambda r: r["gap"])
        per_cell[cell] = {
            "largest_gap_solved": max(solved) if solved else None,
            "horizon_init": longest["horizon_init"],
            "horizon_trained": longest["horizon_trained"],
            "decay_rate_init": longest["decay_rate_init"],
            "decay_rate_trained": longest["decay_rate_trained"],
            "measured_at_gap": longest["gap"],
        }
    return {"points": per_point, "cells": per_cell, "horizon_threshold": threshold,
            "solved_accuracy": solved_accuracy}


def report(summary: dict, command: str) -> str:
    """`report.md`: every number computed from the saved arrays."""
    eps = summary["horizon_threshold"]
    lines = [
        "# Vanishing gradients: report", "",
        f"Produced by `{command}`; regenerate (with the plots) from the saved arrays by "
        "`python -m experiments.plots WORKDIR`.", "",
        f"Gradient horizon: the largest lag k at which ||dL/ds_(T-k)|| / ||dL/ds_T|| is still "
        f">= {eps:g} (median over seeds). Decay rate: least-squares slope of "
        "log10 ||dL/ds_(T-k)|| per step of lag, from the answer back to the key (mean over "
        f"seeds). Solved: mean held-out answer accuracy >= {summary['solved_accuracy']:g}.", "",
        "## Per cell (gradients measured at the largest gap)", "",
        "| cell | largest gap solved | horizon at init | horizon trained "
        "| decay rate at init (decades/step) | decay rate trained |",
        "|---|---|---|---|---|---|",
    ]
    for cell, r in summary["cells"].items():
        solved = "none" if r["largest_gap_solved"] is None else str(r["largest_gap_solved"])
        lines.append(f"| {cell} | {solved} | {r['horizon_init']:.0f} | {r['horizon_trained']:.0f} "
                     f"| {r['decay_rate_init']:.3f} | {r['decay_rate_trained']:.3f} |")
    lines += ["", "## Per point", "",
              "| cell | gap | accuracy (mean, min-max over seeds) | chance | horizon init "
              "| horizon trained | decay rate init | decay rate trained |",
              "|---|---|---|---|---|---|---|---|"]
    for r in summary["points"].values():
        lines.append(
            f"| {r['cell']} | {r['gap']} | {r['eval_accuracy_mean']:.3f} "
            f"({r['eval_accuracy_min']:.3f}-{r['eval_accuracy_max']:.3f}) | {r['chance']:.3f} "
            f"| {r['horizon_init']:.0f} | {r['horizon_trained']:.0f} "
            f"| {r['decay_rate_init']:.3f} | {r['decay_rate_trained']:.3f} |")
    return "\n".join(lines) + "\n"


def write_outputs(workdir: str, command: str | None = None) -> dict:
    """Writes results.json, report.md and the plots from the saved point arrays.

    `command` is the one that produced the arrays; by default the one recorded
    in an existing results.json.
    """
    from experiments import plots

    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    results_path = os.path.join(workdir, "results.json")
    if command is None and os.path.exists(results_path):
        with open(results_path) as f:
            command = json.load(f).get("command")
    points = load_points(workdir)
    if not points:
        raise ConfigError(f"{workdir!r} holds no finished study point (points/*.npz)")
    summary = summarize(points, config["analysis"]["horizon_threshold"],
                        config["analysis"]["solved_accuracy"])
    summary["command"] = command or "python launch.py --config=experiments/configs/vanishing.py"
    train.write_json(results_path, summary)
    with open(os.path.join(workdir, "report.md"), "w") as f:
        f.write(report(summary, summary["command"]))
    plots.plot_study(workdir, points, config)
    return summary


def run_study(config, workdir: str, command: str | None = None) -> dict:
    """Runs every missing (cell, gap) point, then writes results, report and plots."""
    validation.validate_training(config)
    validate(config)
    train.prepare_workdir(config, workdir)
    os.makedirs(os.path.join(workdir, "points"), exist_ok=True)
    train.write_json(os.path.join(workdir, "config.json"), json.loads(config.to_json()))
    seeds = seeds_of(config)
    for cell in config.study.cells:
        for gap in config.study.gaps:
            path = point_path(workdir, cell, gap)
            if os.path.exists(path):
                logging.info("%s gap %d: already done (%s)", cell, gap, path)
                continue
            arrays = train_point(config, cell, gap, seeds)
            tmp = path + ".tmp.npz"
            np.savez_compressed(tmp, **arrays)
            os.replace(tmp, path)
    summary = write_outputs(workdir, command)
    print(f"report: {os.path.join(workdir, 'report.md')}")
    print(f"plots:  {os.path.join(workdir, 'plots')}/")
    return summary
