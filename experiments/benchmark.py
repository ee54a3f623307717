"""Benchmarks (config: experiments/configs/benchmark.py).

For each cell and shape (B, T, I, H): the time of one training step (forward,
backward with respect to every parameter, and an Adam update) of a model
"cell -> linear readout -> cross-entropy on the last step", and the time of
`rec.analysis.state_grads` for the same loss; both jitted, warm-up excluded,
median of `repeats` runs. Results go to `benchmark.md` and `benchmark.json` in
the workdir.
"""

from __future__ import annotations

import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import optax

import recurrent as rec
from experiments import validation
from experiments.errors import ConfigError
from recurrent.base import auto_mode


def median_seconds(fn, *args, repeats: int = 20) -> float:
    """Median wall time of `fn(*args)` over `repeats` runs, after a compiling warm-up."""
    jax.block_until_ready(fn(*args))  # Compile and warm up.
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _linear_cells() -> list[str]:
    return [n for n in rec.cell_names() if issubclass(rec.get_cell_class(n), rec.LinearCell)]


def parse_shape(text: str) -> tuple[int, int, int, int]:
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise ConfigError(f"shapes entries must be 'B,T,I,H' with positive ints, got {text!r}")
    return shape


def measure_state_grads_cost(cell_name: str, shape, seed: int, repeats: int) -> dict:
    batch, steps, inputs, hidden = shape
    cell = rec.make_cell(cell_name, hidden_size=hidden)
    key_cell, key_out, key_x, key_y = jax.random.split(jax.random.key(seed), 4)
    params = {"cell": cell.init(key_cell, inputs),
              "readout": jax.random.normal(key_out, (hidden, 10)) / hidden ** 0.5}
    xs = jax.random.normal(key_x, (batch, steps, inputs))
    labels = jax.random.randint(key_y, (batch,), 0, 10)

    def loss_of_outputs(readout, ys):
        logits = ys[:, -1] @ readout
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    def loss(params, xs):
        ys, _ = rec.unroll(cell, params["cell"], xs)
        return loss_of_outputs(params["readout"], ys)

    optimizer = optax.adam(1e-3)

    @jax.jit
    def train_step(params, opt_state, xs):
        grads = jax.grad(loss)(params, xs)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    @jax.jit
    def state_grads(params, xs):
        return rec.analysis.state_grads(
            cell, params["cell"], xs, lambda ys: loss_of_outputs(params["readout"], ys))

    step_s = median_seconds(train_step, params, optimizer.init(params), xs, repeats=repeats)
    grads_s = median_seconds(state_grads, params, xs, repeats=repeats)
    return {"cell": cell_name, "B": batch, "T": steps, "I": inputs, "H": hidden,
            "train_step_ms": 1e3 * step_s, "state_grads_ms": 1e3 * grads_s,
            "ratio": grads_s / step_s}


def measure_scan_modes(cell_name: str, steps: int, batch: int, width: int, seed: int,
                       repeats: int) -> dict:
    """Forward + backward time of one unroll in each mode (and what "auto" picks)."""
    cell = rec.make_cell(cell_name, hidden_size=width)
    params = cell.init(jax.random.key(seed), width)
    xs = jax.random.normal(jax.random.key(seed + 1), (batch, steps, width))
    row = {"cell": cell_name, "T": steps, "B": batch, "width": width}
    for mode in ("sequential", "parallel", "auto"):
        grad = jax.jit(jax.grad(lambda p, xs, mode=mode: jnp.sum(
            rec.unroll(cell, p, xs, mode=mode)[0] ** 2)))
        row[f"{mode}_ms"] = 1e3 * median_seconds(grad, params, xs, repeats=repeats)
    row["auto_over_best"] = row["auto_ms"] / min(row["sequential_ms"], row["parallel_ms"])
    row["auto_picks"] = auto_mode()
    return row


def run(config, workdir: str, command: str | None = None) -> list[dict]:
    validation.integer("seed", config.seed, minimum=0)
    validation.integer("repeats", config.repeats)
    shapes = [parse_shape(s) for s in config.shapes]
    validation.integer("scan_batch", config.scan_batch)
    validation.integer("scan_width", config.scan_width)
    validation.integer("scan_repeats", config.scan_repeats)
    for name in config.scan_cells:
        if not issubclass(rec.get_cell_class(name) if name in rec.cell_names() else object,
                          rec.LinearCell):
            raise ConfigError(f"scan_cells: {name!r} is not a registered cell with a parallel "
                              f"form; choose from {', '.join(_linear_cells())}")
    for name in config.cells:
        if name not in rec.cell_names():
            raise ConfigError(f"unknown cell {name!r}; registered cells: "
                              f"{', '.join(rec.cell_names())}")
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise ConfigError(f"workdir {workdir!r} is a file; expected a directory (or a new path)")
    rows = []
    for name in config.cells:
        for shape in shapes:
            row = measure_state_grads_cost(name, shape, config.seed, config.repeats)
            print(f"{name:5s} B={shape[0]} T={shape[1]} I={shape[2]} H={shape[3]}: train step "
                  f"{row['train_step_ms']:.2f} ms, state_grads {row['state_grads_ms']:.2f} ms, "
                  f"ratio {row['ratio']:.2f}")
            rows.append(row)
    scan_rows = []
    for name in config.scan_cells:
        for steps in config.scan_lengths:
            row = measure_scan_modes(name, validation.integer("scan_lengths[...]", steps),
                                     config.scan_batch, config.scan_width, config.seed,
                                     config.scan_repeats)
            print(f"{name:7s} T={steps}: sequential {row['sequential_ms']:.1f} ms, parallel "
                  f"{row['parallel_ms']:.1f} ms, auto {row['auto_ms']:.1f} ms")
            scan_rows.append(row)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"JAX {jax.__version__} on {jax.devices()[0].platform}")
    command = command or "python launch.py --config=experiments/configs/benchmark.py"
    lines = [f"Command: `{command}`",
             "", f"Machine: {machine}", "",
             "| cell | B | T | I | H | train step (ms) | state_grads (ms) | ratio |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['cell']} | {r['B']} | {r['T']} | {r['I']} | {r['H']} "
              f"| {r['train_step_ms']:.2f} | {r['state_grads_ms']:.2f} | {r['ratio']:.2f} |"
              for r in rows]
    if scan_rows:
        lines += ["", f"Forward + backward of one unroll, B={config.scan_batch}, "
                      f"I=H={config.scan_width}:", "",
                  "| cell | T | sequential (ms) | parallel (ms) | auto picks | auto (ms) "
                  "| auto / best |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['cell']} | {r['T']} | {r['sequential_ms']:.1f} | {r['parallel_ms']:.1f} "
                  f"| {r['auto_picks']} | {r['auto_ms']:.1f} | {r['auto_over_best']:.2f} |"
                  for r in scan_rows]
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "benchmark.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(workdir, "benchmark.json"), "w") as f:
        json.dump({"machine": machine, "command": command, "rows": rows,
                   "scan_rows": scan_rows}, f, indent=2)
    print("\n".join(lines))
    return rows
