"""Newton unrolls (issue 24): iterations to convergence, at initialisation and trained.

Their wall times are rows of the throughput tables (the `newton_full` and `newton_diagonal`
variants of `implementations.py`, next to the sequential fused loop). This part counts the
iterations (`rec.analysis.newton_info`) of both Jacobians at each shape, on three problems:

* "timed": the throughput rows' own problem (`cell.init` parameters, normal inputs);
* "adding, init": the cell at initialisation on adding-problem sequences of length T;
* "adding, trained": the same cell trained on the adding problem with the project's
  training loop (`experiments/configs/adding.py` at the shape's H, for
  `config.newton_train_steps` steps; kept in `WORKDIR/newton_trained/`, so a rerun reuses
  it), on the same sequences. The study's trained parameters are not saved, so this is the
  nearest trained model the benchmark can make for itself.

Iterations are capped at `config.newton_max_iterations` (rec.Newton's default cap is T,
hours at T = 16384 if a trained cell does not converge); a capped count says so.
"""

from __future__ import annotations

import os

import jax

import recurrent as rec
from experiments import tasks, train
from experiments.benchmark.timing import inputs
from experiments.configs import adding as adding_config

JACOBIANS = ("full", "diagonal")
PROBLEMS = ("timed", "adding_init", "adding_trained")


def trained_cell(cell_name: str, hidden: int, steps: int, workdir: str, seed: int) -> dict:
    """The cell trained on the adding problem (or read back from a finished run)."""
    config = adding_config.get_config()
    config.seed = seed
    config.model.cell, config.model.hidden_size = cell_name, hidden
    config.train.steps = steps
    for field in ("log_every", "eval_every", "checkpoint_every"):
        config.train[field] = min(config.train[field], steps)
    run_dir = os.path.join(workdir, "newton_trained", f"{cell_name}_h{hidden}")
    results = train.train_and_evaluate(config, run_dir)
    _, _, _, state = train.load_run(run_dir)
    return {"params": state.params["recurrent"]["cell"], "steps": steps,
            "train_length": config.task.length, "eval_mse": results["eval_mse"],
            "chance": results["chance"]}


def adding_inputs(batch: int, steps: int, seed: int):
    """Adding-problem sequences `[B, T, 2]` of length T (the task's held-out stream)."""
    config = adding_config.get_config()
    config.task.length, config.task.eval_size = steps, batch
    return tasks.make_task(config.task).eval_batch(seed).inputs


def measure(cell_name: str, shape, seed: int, trained: dict, max_iterations: int) -> list[dict]:
    """One row per Jacobian: iterations and convergence on each problem at this shape."""
    batch, steps, size, hidden = shape
    cell = rec.make_cell(cell_name, hidden_size=hidden)
    adding = adding_inputs(batch, steps, seed)
    problems = {"timed": (cell.init(jax.random.key(seed), size), inputs(shape, seed)),
                "adding_init": (cell.init(jax.random.key(seed), adding.shape[-1]), adding),
                "adding_trained": (trained["params"], adding)}
    rows = []
    for jacobian in JACOBIANS:
        mode = rec.Newton(jacobian=jacobian, max_iterations=max_iterations)
        # Parameters are arguments: the two adding problems share one compiled program.
        info_of = jax.jit(lambda p, x, mode=mode: rec.analysis.newton_info(cell, p, x, mode=mode))
        row = {"cell": cell_name, "B": batch, "T": steps, "I": size, "H": hidden,
               "jacobian": jacobian, "max_iterations": max_iterations}
        for problem, (params, xs) in problems.items():
            info = info_of(params, xs)
            row[f"{problem}_iterations"] = int(info.iterations)
            row[f"{problem}_converged"] = bool(info.converged)
            row[f"{problem}_residual"] = float(info.residual)
        print(f"{cell_name:5s} T={steps} newton {jacobian:8s} iterations: " + ", ".join(
            f"{p} {row[f'{p}_iterations']}" + ("" if row[f"{p}_converged"] else " (unconverged)")
            for p in PROBLEMS))
        rows.append(row)
    return rows


def measure_all(config, shapes, workdir: str) -> tuple[list[dict], list[dict]]:
    """`(rows, trained)`: every cell of `config.newton_cells` at every shape, and a summary of
    each trained model (its cell, H, steps and final eval_mse)."""
    rows, summaries, cache = [], [], {}
    for cell_name in config.newton_cells:
        for shape in shapes:
            key = (cell_name, shape[3])
            if key not in cache:
                cache[key] = trained_cell(cell_name, shape[3], config.newton_train_steps,
                                          workdir, config.seed)
                summaries.append({"cell": cell_name, "H": shape[3],
                                  **{k: v for k, v in cache[key].items() if k != "params"}})
            rows += measure(cell_name, shape, config.seed, cache[key],
                            config.newton_max_iterations)
    return rows, summaries
