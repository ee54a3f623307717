"""Benchmarks (config: experiments/configs/benchmark.py).

1. Throughput (`throughput.py`). For each cell and shape (B, T, I, H), every
   implementation runs the same problem, a loss on all outputs (the mean of their
   squares):
   * a training step: forward and backward with respect to every parameter;
   * the forward pass alone;
   each jitted (compiled once, compile time reported separately), warm-up
   excluded; tokens/s = B*T / time. The implementations of one cell and shape
   are timed in turns (one call of each per round, `repeats` rounds) and each
   reports its median, so that a slow spell of a shared machine hits them all
   alike (`timing.py`). Peak memory is XLA's temporary memory of the compiled
   training step. The implementations are one table (`implementations.py`):
   this library's variants (`config.variants`: the fused custom VJP, the fused
   loop batch-major, JAX's own derivative of the scan, bfloat16 products, remat,
   loops unrolled 2 or 4 steps per iteration), `flax.linen.RNN` with Flax's
   cells, PyTorch's `nn.LSTM` / `nn.GRU` / `nn.RNN` when torch is installed
   (`pip install -e '.[bench]'`), and on a GPU `jax.experimental.rnn` (cuDNN,
   LSTM only); each entry says which cells it applies to.
2. The floor (`floor.py`): the matrix products no implementation can avoid, timed
   alone in the same rounds; every time is also a multiple of it.
3. The analysis instruments against a training step (`state_grads.py`):
   `rec.analysis.state_grads` (dL/ds_t for every t), `lyapunov_spectrum` and
   `parameter_sensitivity`.
4. Sequential against parallel unrolling of the cells linear in the carry
   (`scan_modes.py`).
5. Where the fused step's time goes (`config.profile_cells`): the training step
   and forward pass traced with `jax.profiler`, per loop and per XLA op
   (`op_profile.py`).
6. Newton unrolls (`config.newton_cells`; `newton.py`): iterations to convergence of both
   Jacobians at initialisation and trained; their wall times are the throughput rows of the
   `newton_full` / `newton_diagonal` variants (`:newton` runs both, issue 24).
7. Each framework in its own process (`config.separate_rounds` > 0; `separate.py`,
   `worker.py`), under each host-memory policy of `config.separate_policies`, with a
   heatmap per cell of the fastest peer's time over ours (`figures.py`,
   `WORKDIR/plots/speed_<cell>_<policy>.png`).

With `config.resume`, every measured cell and shape is kept in `WORKDIR/points/` and a
rerun of the same config measures only what is missing (a grid of shapes takes hours);
`python -m experiments.benchmark.tables WORKDIR [OUT]` writes the tables and heatmaps of
what a running or cut grid has kept so far (`tables.py`).

Results go to `benchmark.md` (`report.py`) and `benchmark.json` in the workdir;
docs/performance.md holds the latest tables with the machine and the command.
"""

from __future__ import annotations

import json
import os

import jax

import recurrent as rec
from experiments import host_memory, provenance, validation
from experiments import workdir as workdir_lib
from experiments.benchmark import (
    figures,
    implementations,
    newton,
    op_profile,
    report,
    scan_modes,
    separate,
    state_grads,
    throughput,
)
from experiments.errors import ConfigError


def parse_shape(text: str, field: str = "shapes") -> tuple[int, int, int, int]:
    """`"B,T,I,H"` -> `(B, T, I, H)`, or a ConfigError naming the field and the entry."""
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise ConfigError(f"{field} entries must be 'B,T,I,H' with positive ints, got {text!r}")
    return shape


def validate(config) -> list[tuple[int, int, int, int]]:
    """Checks the whole config before anything runs; returns its shapes."""
    validation.integer("seed", config.seed, minimum=0)
    validation.integer("repeats", config.repeats)
    shapes = [parse_shape(s) for s in config.shapes]
    for text in config.profile_shapes:
        parse_shape(text, "profile_shapes")
    for field in ("cells", "state_grads_cells", "profile_cells", "newton_cells"):
        for name in config[field]:
            if name not in rec.cell_names():
                raise ConfigError(f"{field}: unknown cell {name!r}; registered cells: "
                                  f"{', '.join(rec.cell_names())}")
    if config.profile_cells and not shapes and not config.profile_shapes:
        raise ConfigError("profile_cells traces at the first entry of shapes, but shapes is "
                          "empty; give a shape 'B,T,I,H', set profile_shapes or set "
                          "profile_cells=()")
    for variant in config.variants:
        validation.choice("variants[...]", variant, tuple(implementations.VARIANTS))
    validation.integer("study_step_gap", config.study_step_gap, minimum=0)
    validation.integer("lyapunov_exponents", config.lyapunov_exponents, minimum=0)
    if config.lyapunov_exponents and config.state_grads_cells:
        smallest = min(shape[3] for shape in shapes)
        if config.lyapunov_exponents > smallest:
            raise ConfigError(f"lyapunov_exponents={config.lyapunov_exponents} must not exceed "
                              f"the smallest H in shapes ({smallest})")
    validation.integer("sensitivity_probes", config.sensitivity_probes, minimum=0)
    validation.integer("newton_train_steps", config.newton_train_steps)
    validation.integer("newton_max_iterations", config.newton_max_iterations)
    for peer in config.peers:
        validation.choice("peers[...]", peer, tuple(implementations.PEERS))
    for field in ("scan_batch", "scan_width", "scan_repeats"):
        validation.integer(field, config[field])
    for steps in config.scan_lengths:
        validation.integer("scan_lengths[...]", steps)
    validation.integer("separate_rounds", config.separate_rounds, minimum=0)
    validation.integer("separate_repeats", config.separate_repeats)
    for name in config.separate_implementations:
        validation.choice("separate_implementations[...]", name, tuple(implementations.ALL))
    for policy in config.separate_policies:
        validation.choice("separate_policies[...]", policy, host_memory.POLICIES)
    for name in config.scan_cells:
        if name not in scan_modes.linear_cells():
            raise ConfigError(f"scan_cells: {name!r} is not a registered cell with a parallel "
                              f"form; choose from {', '.join(scan_modes.linear_cells())}")
    return shapes


def run(config, workdir: str, command: str | None = None) -> dict:
    """Runs every part of the config, writes benchmark.md and benchmark.json."""
    shapes = validate(config)
    workdir_lib.check_usable(workdir)
    os.makedirs(workdir, exist_ok=True)
    with workdir_lib.Lock(workdir):  # Two benchmarks at once would time each other.
        return _run(config, workdir, command, shapes)


def _settings(config) -> dict:
    """What a kept point must have been measured with to be reused: the config's timing
    settings and the machine (a grid resumed on another kind of CPU starts over rather than
    mixing two machines' times in one table)."""
    settings = {k: config[k] for k in ("seed", "repeats", "variants", "peers",
                                       "separate_rounds", "separate_repeats",
                                       "separate_implementations")}
    settings["machine"] = provenance.machine()
    return json.loads(json.dumps(settings))


def _kept(config, workdir, name):
    """The path of a kept point and its contents, if a run of the same settings saved it."""
    path = os.path.join(workdir, "points", name)
    if config.resume and os.path.exists(path):
        saved = workdir_lib.read_json(path)
        if saved["settings"] == _settings(config):
            return path, saved
    return path, None


def _keep(config, path, **contents) -> None:
    if config.resume:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        workdir_lib.write_json(path, {"settings": _settings(config), **contents})


def _shape_name(shape) -> str:
    return "x".join(map(str, shape))


def _point(config, workdir, kind, cell_name, shape, measure, *args) -> list[dict]:
    """`measure(cell_name, shape, *args)`'s rows, or (with `config.resume`) those that a run
    of the same settings saved."""
    path, saved = _kept(config, workdir, f"{kind}-{cell_name}-{_shape_name(shape)}.json")
    if saved is not None:
        return saved["rows"]
    rows = measure(cell_name, shape, *args)
    _keep(config, path, rows=rows)
    return rows


def _own_processes(config, workdir, cell_name, shapes, policy, chunk="all") -> list[dict]:
    """The per-process rows of one cell at every shape under one policy. With
    `config.resume`, each finished shape is kept in `points/own-POLICY-CELL-BxTxIxH.json`
    and each worker process's lines in `points/process-POLICY-CELL-CHUNK-rROUND-NAME.json`
    (CHUNK names the group of shapes the process timed), so a cut run re-times only the
    processes that had not finished."""
    kind = f"own-{policy}"
    done = {tuple(shape): _kept(config, workdir, f"{kind}-{cell_name}-{_shape_name(shape)}.json")
            for shape in shapes}
    pending = [tuple(shape) for shape in shapes if done[tuple(shape)][1] is None]

    def saved(round_, name, shapes, lines=None):
        path, kept = _kept(config, workdir,
                           f"process-{policy}-{cell_name}-{chunk}-r{round_}-{name}.json")
        wanted = [list(shape) for shape in shapes]
        if lines is not None:
            _keep(config, path, shapes=wanted, lines=lines)
            return None
        return kept["lines"] if kept is not None and kept["shapes"] == wanted else None

    new = {}
    if pending:
        rows = separate.group(cell_name, pending, config.separate_implementations,
                              config.separate_rounds, config.separate_repeats, config.seed,
                              policy, os.path.join(workdir, "jax-cache"), saved)
        for shape in pending:
            new[shape] = [r for r in rows if (r["B"], r["T"], r["I"], r["H"]) == shape]
            _keep(config, done[shape][0], rows=new[shape])
    return [row for shape in shapes for row in
            (new[tuple(shape)] if tuple(shape) in new else done[tuple(shape)][1]["rows"])]


def _grid(config, workdir, shapes, notes) -> tuple[list[dict], list[dict]]:
    """The in-process rows and the per-process rows of every cell and shape.

    One T at a time, shortest first: its in-process points (what rec.tuning's table is read
    from), then its processes of their own. A grid cut after hours then holds whole tables
    for the lengths it finished rather than half of every table.
    """
    backend = jax.default_backend()
    entries = throughput.requested(config, backend, notes)
    rows, own = [], []
    for steps in sorted({shape[1] for shape in shapes}):
        chunk = [shape for shape in shapes if shape[1] == steps]
        for name in config.cells:
            for shape in chunk:
                rows += _point(config, workdir, "turns", name, shape, throughput.group,
                               entries, backend, config.seed, config.repeats)
        for name in config.cells:
            for policy in config.separate_policies if config.separate_rounds else ():
                own += _own_processes(config, workdir, name, chunk, policy, f"T{steps}")
    # The report lists cells in the config's order and shapes in the grid's.
    order = {(name, tuple(shape)): i for i, (name, shape) in
             enumerate((n, s) for n in config.cells for s in shapes)}

    def position(row):
        return order[row["cell"], (row["B"], row["T"], row["I"], row["H"])]

    return sorted(rows, key=position), sorted(own, key=position)


def _run(config, workdir: str, command: str | None, shapes) -> dict:
    notes = []
    rows, own = _grid(config, workdir, shapes, notes)
    own_ratios = separate.ratios(own)
    plots = figures.speed_heatmaps(own_ratios, os.path.join(workdir, "plots"))
    grads_rows = []
    for name in config.state_grads_cells:
        for shape in shapes:
            grads_rows.append(state_grads.measure(
                name, shape, config.seed, config.repeats, config.lyapunov_exponents,
                config.sensitivity_probes))
            print(f"{name:5s} {shape}: instruments / train step " + ", ".join(
                f"{k[:-6]} {v:.2f}" for k, v in grads_rows[-1].items() if k.endswith("ratio")))
    scan_rows = []
    for name in config.scan_cells:
        for steps in config.scan_lengths:
            row = scan_modes.measure(name, steps, config.scan_batch, config.scan_width,
                                     config.seed, config.scan_repeats)
            print(f"{name:7s} T={steps}: sequential {row['sequential_ms']:.1f} ms, parallel "
                  f"{row['parallel_ms']:.1f} ms, auto {row['auto_ms']:.1f} ms")
            scan_rows.append(row)
    profile_at = [parse_shape(s) for s in config.profile_shapes] or shapes[:1]
    profiles = [op_profile.measure(name, shape, config.seed) for name in config.profile_cells
                for shape in profile_at]
    newton_rows, newton_trained = newton.measure_all(config, shapes, workdir)
    study_rows = []
    if config.study_step_gap:
        from experiments.vanishing import step_benchmark
        study_rows.append(step_benchmark.measure(config.study_step_gap))
        print(f"study step (3 seeds, gap {config.study_step_gap}): "
              f"{study_rows[-1]['ours_ms_per_step']:.2f} ms")
    torch_info = implementations.torch_version()
    machine = f"{provenance.machine()}, JAX {jax.__version__} on {jax.devices()[0].platform}"
    if torch_info is not None:
        machine += f", PyTorch {torch_info[0]} ({torch_info[1]} threads)"
    machine += f"; host memory: {host_memory.describe()}"
    command = command or "python launch.py --config=experiments/configs/benchmark.py"
    results = {"machine": machine, "backend": jax.devices()[0].platform, "command": command,
               "provenance": provenance.describe(),
               "notes": notes, "rows": rows, "speedups": throughput.speedups(rows),
               "state_grads": grads_rows, "scan_rows": scan_rows, "profiles": profiles,
               "study_step": study_rows, "separate_rows": own, "separate_ratios": own_ratios,
               "plots": plots, "newton_rows": newton_rows, "newton_trained": newton_trained}
    text = report.markdown(results, config)
    with open(os.path.join(workdir, "benchmark.md"), "w") as f:
        f.write(text)
    workdir_lib.write_json(os.path.join(workdir, "benchmark.json"), results, sort_keys=False)
    print(text)
    return results
