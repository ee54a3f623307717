"""Benchmarks (config: experiments/configs/benchmark.py).

1. Throughput. For each cell and shape (B, T, I, H), every implementation runs
   the same problem, a loss on all outputs (the mean of their squares):
   * a training step: forward and backward with respect to every parameter;
   * the forward pass alone;
   each jitted (compiled once, compile time reported separately), warm-up
   excluded; tokens/s = B*T / time. The implementations of one cell and shape
   are timed in turns (one call of each per round, `repeats` rounds) and each
   reports its median, so that a slow spell of a shared machine hits them all
   alike. Peak memory is XLA's temporary memory of the compiled training step.
   Implementations: this library's variants (`config.variants`: the fused
   custom VJP, JAX's own derivative of the scan, bfloat16 products, remat,
   loops unrolled 2 or 4 steps per iteration),
   `flax.linen.RNN` with Flax's cells, PyTorch's `nn.LSTM` / `nn.GRU` /
   `nn.RNN` when torch is installed (`pip install -e '.[bench]'`), and on a GPU
   `jax.experimental.rnn` (cuDNN, LSTM only).
2. The floor: the matrix products no implementation can avoid, timed alone in
   the same rounds (see `prepare_floor`); every time is also a multiple of it.
3. `rec.analysis.state_grads` (dL/ds_t for every t) against a training step.
4. Sequential against parallel unrolling of the cells linear in the carry.
5. Where the fused step's time goes (`config.profile_cells`): the training step
   and forward pass traced with `jax.profiler`, per loop and per XLA op
   (`experiments/op_profile.py`).

Results go to `benchmark.md` and `benchmark.json` in the workdir; docs/performance.md
holds the latest tables with the machine and the command.
"""

from __future__ import annotations

import json
import os
import resource
import time

import jax
import jax.numpy as jnp
import numpy as np

import recurrent as rec
from experiments import host_memory, op_profile, provenance, validation
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError
from recurrent import fused
from recurrent.base import auto_mode

VARIANTS = ("fused", "batch_major", "autodiff", "bfloat16", "remat", "unroll2", "unroll4")
PEERS = ("flax", "torch", "cudnn")
#: What each variant of this library changes: cell options, `rec.unroll` options.
VARIANT_OPTIONS = {
    "fused": ({}, {}),
    # The fused loop batch-major, for the cells that run feature-major on CPU.
    "batch_major": ({}, {"layout": "batch_major"}),
    "autodiff": ({}, {"gradient": "autodiff"}),
    "bfloat16": ({"matmul_dtype": "bfloat16"}, {}),
    "remat": ({}, {"remat": True}),
    "unroll2": ({}, {"unroll": 2}),  # Loop bodies of 2 and 4 steps (not in the default run).
    "unroll4": ({}, {"unroll": 4}),
}
#: Cells that Flax and PyTorch implement with the same equations.
PEER_CELLS = ("rnn", "lstm", "gru")


def median_seconds(fn, *args, repeats: int = 20) -> float:
    """Median wall time of `fn(*args)` over `repeats` runs, after a compiling warm-up."""
    jax.block_until_ready(fn(*args))  # Compile and warm up.
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def compile_once(fn, *args):
    """`(compiled, seconds, temp_bytes)`: `fn` jitted and compiled for `args`.

    Timed calls then go to the compiled executable, so nothing can recompile.
    """
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    seconds = time.perf_counter() - start
    stats = compiled.memory_analysis()
    return compiled, seconds, None if stats is None else stats.temp_size_in_bytes


def parse_shape(text: str) -> tuple[int, int, int, int]:
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise ConfigError(f"shapes entries must be 'B,T,I,H' with positive ints, got {text!r}")
    return shape


def _loss_of_outputs(ys):
    return jnp.mean(jnp.square(ys.astype(jnp.float32)))


def _inputs(shape, seed):
    batch, steps, inputs, _ = shape
    return jax.random.normal(jax.random.key(seed + 1), (batch, steps, inputs))


def interleaved_medians(calls: dict, repeats: int) -> dict:
    """Median seconds of each zero-argument call, timed in turns over `repeats` rounds.

    Each call must block until its result is ready; all are warmed up first.
    """
    for call in calls.values():
        call()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: sorted(t)[len(t) // 2] for name, t in times.items()}


def minor_faults_per_call(call, calls: int = 3) -> float:
    """Minor page faults of this process per call (fresh pages touched), after a warm-up."""
    call()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        call()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def _prepared_jax(name, loss, forward, params, xs):
    """A JAX implementation, compiled: its train and forward calls, compile time, memory."""
    train, compile_s, temp = compile_once(jax.grad(loss), params, xs)
    forward = compile_once(forward, params, xs)[0]
    return {"implementation": name, "compile_s": compile_s, "temp_bytes": temp,
            "train": lambda: jax.block_until_ready(train(params, xs)),
            "forward": lambda: jax.block_until_ready(forward(params, xs)),
            "executables": {"train": train, "forward": forward}}


def prepare_ours(cell_name, variant, shape, seed):
    cell_options, unroll_options = VARIANT_OPTIONS[variant]
    cell = rec.make_cell(cell_name, hidden_size=shape[3], **cell_options)
    params = cell.init(jax.random.key(seed), shape[2])
    xs = _inputs(shape, seed)

    def forward(params, xs):
        if "layout" in unroll_options:  # Not a rec.unroll option: the fused loop directly.
            ys, _ = fused.scan_fused(cell, params, jnp.swapaxes(xs, 0, 1),
                                     cell.initial_carry(xs.shape[:1]), None,
                                     layout=unroll_options["layout"])
            return jnp.swapaxes(ys, 0, 1)
        return rec.unroll(cell, params, xs, **unroll_options)[0]

    return _prepared_jax(f"recurrent ({variant})", lambda p, x: _loss_of_outputs(forward(p, x)),
                         forward, params, xs)


def prepare_flax(cell_name, shape, seed):
    from flax import linen as nn
    cell = {"lstm": nn.OptimizedLSTMCell, "gru": nn.GRUCell, "rnn": nn.SimpleCell}[cell_name]
    model = nn.RNN(cell(shape[3]))
    xs = _inputs(shape, seed)
    params = model.init(jax.random.key(seed), xs)
    return _prepared_jax(f"flax.linen.RNN({cell.__name__})",
                         lambda p, x: _loss_of_outputs(model.apply(p, x)), model.apply,
                         params, xs)


def prepare_cudnn(shape, seed):
    """`jax.experimental.rnn.lstm`: cuDNN's fused LSTM (GPU only)."""
    from jax.experimental import rnn as cudnn
    batch, steps, inputs, hidden = shape
    weights = cudnn.init_lstm_weight(jax.random.key(seed), inputs, hidden, 1, False)
    xs = _inputs(shape, seed)
    zeros = jnp.zeros((1, batch, hidden))
    lengths = jnp.full((batch,), steps, jnp.int32)

    def forward(weights, xs):
        return cudnn.lstm(xs, zeros, zeros, weights, lengths, inputs, hidden, 1, 0.0, False)[0]

    return _prepared_jax("jax.experimental.rnn.lstm (cuDNN)",
                         lambda w, x: _loss_of_outputs(forward(w, x)), forward, weights, xs)


def prepare_torch(cell_name, shape, seed):
    import torch
    batch, steps, inputs, hidden = shape
    torch.manual_seed(seed)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell_name](
        inputs, hidden, batch_first=True)
    xs = torch.from_numpy(np.array(_inputs(shape, seed)))

    def train():
        module.zero_grad()
        ys, _ = module(xs)
        ys.square().mean().backward()

    def forward():
        with torch.no_grad():
            return module(xs)

    return {"implementation": f"torch.nn.{type(module).__name__}", "compile_s": None,
            "temp_bytes": None, "train": train, "forward": forward}


def prepare_floor(cell_name, shape, seed):
    """The products every implementation of a training step must compute, timed alone.

    * the T recurrent products of the forward pass, one after another
      ([B, H] x [H, G*H], each needing the last), and the T of the backward pass
      ([B, G*H] x [G*H, H]): a `lax.scan` of nothing else, at this size's rate;
    * the same two chains feature-major, with the batch last ([G*H, H] x [H, B]
      and [H, G*H] x [G*H, B]): the same products transposed, which XLA:CPU runs
      at a different rate; the floor counts the faster layout of each chain;
    * the large products over all T*B rows: the input projection X W_ih, and the
      weight gradients X^T dZ and H^T dZ.
    A forward pass needs the first and the input projection. Element-wise gating,
    memory traffic and loop overheads come on top, so no implementation can
    reach the floor; the ratio says how much of a step is overhead.
    """
    batch, steps, inputs, hidden = shape
    gates = len(rec.get_cell_class(cell_name).gate_names)
    width = gates * hidden
    keys = jax.random.split(jax.random.key(seed), 5)
    w_hh = jax.random.normal(keys[0], (hidden, width)) / hidden ** 0.5
    w_t = jnp.transpose(w_hh)
    h = jax.random.normal(keys[1], (batch, hidden))
    rows_x = jax.random.normal(keys[2], (steps * batch, inputs))
    rows_h = jax.random.normal(keys[3], (steps * batch, hidden))
    rows_z = jax.random.normal(keys[4], (steps * batch, width))
    w_ih = rows_z[:inputs]

    def chain(step):
        return lambda h, w: jax.lax.scan(lambda c, _: (step(c, w), None), h, None,
                                         length=steps)[0]

    parts = {
        "recurrent_forward": (chain(lambda c, w: (c @ w)[:, :hidden]), h, w_hh),
        "recurrent_backward": (chain(lambda c, w: jnp.tile(c, (1, gates)) @ w), h, w_t),
        "recurrent_forward_feature_major": (chain(lambda c, w: (w @ c)[:hidden]), h.T, w_t),
        "recurrent_backward_feature_major": (chain(lambda c, w: w @ jnp.tile(c, (gates, 1))),
                                             h.T, w_hh),
        "input_projection": (lambda x, w: x @ w, rows_x, w_ih),
        "input_weight_gradient": (lambda x, z: x.T @ z, rows_x, rows_z),
        "recurrent_weight_gradient": (lambda h, z: h.T @ z, rows_h, rows_z),
    }
    calls = {}
    for name, (fn, a, b) in parts.items():
        compiled = compile_once(fn, a, b)[0]
        calls[name] = lambda compiled=compiled, a=a, b=b: jax.block_until_ready(compiled(a, b))
    return calls


#: Floor parts timed in two layouts; the floor counts the faster one.
_FEATURE_MAJOR = "_feature_major"


def floor_parts(part_seconds: dict) -> dict:
    """The floor's parts in seconds: each recurrent chain in its faster layout."""
    best = {k: v for k, v in part_seconds.items() if not k.endswith(_FEATURE_MAJOR)}
    for name, seconds in part_seconds.items():
        if name.endswith(_FEATURE_MAJOR):
            base = name.removesuffix(_FEATURE_MAJOR)
            best[base] = min(best[base], seconds)
    return best


def floor_row(part_seconds):
    best = floor_parts(part_seconds)
    return {"implementation": "floor (unavoidable products)",
            "train_s": sum(best.values()),
            "forward_s": best["recurrent_forward"] + best["input_projection"],
            "compile_s": None, "temp_bytes": None, "train_page_faults": None,
            "parts_s": part_seconds}


def measure_state_grads(cell_name, shape, seed, repeats):
    """`rec.analysis.state_grads` against a training step of the same loss."""
    cell = rec.make_cell(cell_name, hidden_size=shape[3])
    params = cell.init(jax.random.key(seed), shape[2])
    xs = _inputs(shape, seed)
    train = compile_once(jax.grad(
        lambda p, x: _loss_of_outputs(rec.unroll(cell, p, x)[0])), params, xs)[0]
    grads = compile_once(
        lambda p, x: rec.analysis.state_grads(cell, p, x, _loss_of_outputs), params, xs)[0]
    medians = interleaved_medians(
        {"train": lambda: jax.block_until_ready(train(params, xs)),
         "state_grads": lambda: jax.block_until_ready(grads(params, xs))}, repeats)
    train_s, grads_s = medians["train"], medians["state_grads"]
    return {"cell": cell_name, "shape": list(shape), "train_ms": 1e3 * train_s,
            "state_grads_ms": 1e3 * grads_s, "ratio": grads_s / train_s}


def measure_profile(cell_name, shape, seed, calls: int = 3) -> dict:
    """The fused training step and forward pass traced: time per loop and per XLA op."""
    prepared = prepare_ours(cell_name, "fused", shape, seed)
    return {"cell": cell_name, "shape": list(shape),
            **{kind: op_profile.profile(prepared["executables"][kind], prepared[kind], calls)
               for kind in ("train", "forward")}}


def measure_scan_modes(cell_name: str, steps: int, batch: int, width: int, seed: int,
                       repeats: int) -> dict:
    """Forward + backward time of one unroll in each mode (and what "auto" picks)."""
    cell = rec.make_cell(cell_name, hidden_size=width)
    params = cell.init(jax.random.key(seed), width)
    xs = jax.random.normal(jax.random.key(seed + 1), (batch, steps, width))
    row = {"cell": cell_name, "T": steps, "B": batch, "width": width}
    calls = {}
    for mode in ("sequential", "parallel", "auto"):
        grad = compile_once(jax.grad(lambda p, xs, mode=mode: jnp.sum(
            rec.unroll(cell, p, xs, mode=mode)[0] ** 2)), params, xs)[0]
        calls[mode] = lambda grad=grad: jax.block_until_ready(grad(params, xs))
    for mode, seconds in interleaved_medians(calls, repeats).items():
        row[f"{mode}_ms"] = 1e3 * seconds
    row["auto_over_best"] = row["auto_ms"] / min(row["sequential_ms"], row["parallel_ms"])
    row["auto_picks"] = auto_mode()
    return row


def _linear_cells() -> list[str]:
    return [n for n in rec.cell_names() if issubclass(rec.get_cell_class(n), rec.LinearCell)]


def _torch_version():
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__, torch.get_num_threads()


def _validate(config):
    validation.integer("seed", config.seed, minimum=0)
    validation.integer("repeats", config.repeats)
    shapes = [parse_shape(s) for s in config.shapes]
    for field in ("cells", "state_grads_cells", "profile_cells"):
        for name in config[field]:
            if name not in rec.cell_names():
                raise ConfigError(f"{field}: unknown cell {name!r}; registered cells: "
                                  f"{', '.join(rec.cell_names())}")
    if config.profile_cells and not shapes:
        raise ConfigError("profile_cells traces at the first entry of shapes, but shapes is "
                          "empty; give a shape 'B,T,I,H' or set profile_cells=()")
    for variant in config.variants:
        validation.choice("variants[...]", variant, VARIANTS)
    validation.integer("study_step_gap", config.study_step_gap, minimum=0)
    for peer in config.peers:
        validation.choice("peers[...]", peer, PEERS)
    validation.integer("scan_batch", config.scan_batch)
    validation.integer("scan_width", config.scan_width)
    validation.integer("scan_repeats", config.scan_repeats)
    for steps in config.scan_lengths:
        validation.integer("scan_lengths[...]", steps)
    for name in config.scan_cells:
        if not issubclass(rec.get_cell_class(name) if name in rec.cell_names() else object,
                          rec.LinearCell):
            raise ConfigError(f"scan_cells: {name!r} is not a registered cell with a parallel "
                              f"form; choose from {', '.join(_linear_cells())}")
    return shapes


def _throughput_rows(config, shapes, notes):
    torch_info = _torch_version()
    if "torch" in config.peers and torch_info is None:
        notes.append("PyTorch is not installed, so its rows are missing "
                     "(`pip install -e '.[bench]'`).")
    if "cudnn" in config.peers and jax.default_backend() != "gpu":
        notes.append(f"No GPU (JAX runs on {jax.default_backend()}), so there is no cuDNN row.")
    rows = []
    for name in config.cells:
        for shape in shapes:
            prepared = []
            for variant in config.variants:
                if variant == "bfloat16" and "matmul_dtype" not in rec.get_cell_class(
                        name).__dataclass_fields__:
                    continue
                if variant == "batch_major" and fused.default_layout(
                        rec.get_cell_class(name)) == "batch_major":
                    continue  # The fused row is batch-major already.
                prepared.append(prepare_ours(name, variant, shape, config.seed))
            if name in PEER_CELLS and "flax" in config.peers:
                prepared.append(prepare_flax(name, shape, config.seed))
            if name in PEER_CELLS and "torch" in config.peers and torch_info is not None:
                prepared.append(prepare_torch(name, shape, config.seed))
            if name == "lstm" and "cudnn" in config.peers and jax.default_backend() == "gpu":
                prepared.append(prepare_cudnn(shape, config.seed))
            floor_calls = {f"floor: {k}": call
                           for k, call in prepare_floor(name, shape, config.seed).items()}
            for kind in ("train", "forward"):
                calls = {p["implementation"]: p[kind] for p in prepared}
                medians = interleaved_medians(
                    {**calls, **(floor_calls if kind == "train" else {})}, config.repeats)
                for p in prepared:
                    p[f"{kind}_s"] = medians[p["implementation"]]
                if kind == "train":
                    group = [floor_row({k.removeprefix("floor: "): v for k, v in medians.items()
                                        if k.startswith("floor: ")})]
            for p in prepared:
                p["train_page_faults"] = minor_faults_per_call(p["train"])
            group += [{k: v for k, v in p.items() if k not in ("train", "forward", "executables")}
                      for p in prepared]
            floor = group[0]
            tokens = shape[0] * shape[1]
            for row in group:
                row.update(cell=name, B=shape[0], T=shape[1], I=shape[2], H=shape[3],
                           train_tokens_per_s=tokens / row["train_s"],
                           forward_tokens_per_s=tokens / row["forward_s"],
                           train_over_floor=row["train_s"] / floor["train_s"],
                           forward_over_floor=row["forward_s"] / floor["forward_s"])
                print(f"{name:5s} {shape}: {row['implementation']:40s} train "
                      f"{1e3 * row['train_s']:8.2f} ms, forward {1e3 * row['forward_s']:8.2f} ms")
            rows += group
    return rows, torch_info


def speedups(rows) -> list[dict]:
    """Per cell and shape: the fused training step's speed against every other row."""
    out = []
    for row in rows:
        if row["implementation"] != "recurrent (fused)":
            continue
        same = [r for r in rows if (r["cell"], r["B"], r["T"], r["I"], r["H"]) ==
                (row["cell"], row["B"], row["T"], row["I"], row["H"])]
        out.append({"cell": row["cell"], "B": row["B"], "T": row["T"], "I": row["I"],
                    "H": row["H"], "train_over_floor": row["train_over_floor"],
                    "train_speedup": {r["implementation"]: r["train_s"] / row["train_s"]
                                      for r in same if r is not row and "floor" not in
                                      r["implementation"]},
                    "forward_speedup": {r["implementation"]: r["forward_s"] / row["forward_s"]
                                        for r in same if r is not row and "floor" not in
                                        r["implementation"]}})
    return out


def _fmt(value, spec):
    return "-" if value is None else format(value, spec)


def _markdown(command, machine, notes, rows, summary, grads_rows, scan_rows, profiles,
              config):
    lines = [f"Command: `{command}`", "", f"Machine: {machine}", ""]
    lines += [f"Note: {n}" for n in notes] + ([""] if notes else [])
    if rows:
        lines += ["Training step = forward + backward of the mean square of all outputs with "
                  "respect to every parameter; median of "
                  f"{config.repeats} runs after a warm-up; tokens = B*T.", ""]
        for key in dict.fromkeys((r["cell"], r["B"], r["T"], r["I"], r["H"]) for r in rows):
            cell, batch, steps, inputs, hidden = key
            lines += [f"**{cell}**, B={batch}, T={steps}, I={inputs}, H={hidden}:", "",
                      "| implementation | train step (ms) | train tokens/s | × floor "
                      "| forward (ms) | forward tokens/s | compile (s) | step temp memory (MB) "
                      "| page faults / train step |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for r in rows:
                if (r["cell"], r["B"], r["T"], r["I"], r["H"]) != key:
                    continue
                temp = None if r["temp_bytes"] is None else r["temp_bytes"] / 2 ** 20
                lines.append(
                    f"| {r['implementation']} | {1e3 * r['train_s']:.1f} "
                    f"| {r['train_tokens_per_s']:,.0f} | {r['train_over_floor']:.2f} "
                    f"| {1e3 * r['forward_s']:.1f} | {r['forward_tokens_per_s']:,.0f} "
                    f"| {_fmt(r['compile_s'], '.2f')} | {_fmt(temp, '.1f')} "
                    f"| {_fmt(r['train_page_faults'], ',.0f')} |")
            floor = next(r for r in rows if (r["cell"], r["B"], r["T"], r["I"], r["H"]) == key
                         and "parts_s" in r)
            parts_s = floor["parts_s"]
            parts = ", ".join(
                f"{k.replace('_', ' ')} {1e3 * v:.1f} ms" + (
                    f" (batch-major; feature-major {1e3 * parts_s[k + _FEATURE_MAJOR]:.1f} ms)"
                    if k + _FEATURE_MAJOR in parts_s else "")
                for k, v in parts_s.items() if not k.endswith(_FEATURE_MAJOR))
            lines += ["", f"Floor (each recurrent chain counted in its faster layout): {parts}.",
                      ""]
        lines += ["Speed of the fused training step against each other implementation "
                  "(their time / ours; above 1 = ours is faster):", "",
                  "| cell | B,T,I,H | against | training step | forward |", "|---|---|---|---|---|"]
        for s in summary:
            for peer, value in s["train_speedup"].items():
                lines.append(f"| {s['cell']} | {s['B']},{s['T']},{s['I']},{s['H']} | {peer} "
                             f"| {value:.2f}× | {s['forward_speedup'][peer]:.2f}× |")
        lines.append("")
    if grads_rows:
        lines += ["`rec.analysis.state_grads` (dL/ds_t for every t, same loss) against the "
                  "fused training step:", "",
                  "| cell | B,T,I,H | train step (ms) | state_grads (ms) | ratio |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['cell']} | {','.join(map(str, r['shape']))} | {r['train_ms']:.1f} "
                  f"| {r['state_grads_ms']:.1f} | {r['ratio']:.2f} |" for r in grads_rows]
        lines.append("")
    if scan_rows:
        lines += [f"Forward + backward of one unroll, B={config.scan_batch}, "
                  f"I=H={config.scan_width}:", "",
                  "| cell | T | sequential (ms) | parallel (ms) | auto picks | auto (ms) "
                  "| auto / best |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['cell']} | {r['T']} | {r['sequential_ms']:.1f} | {r['parallel_ms']:.1f} "
                  f"| {r['auto_picks']} | {r['auto_ms']:.1f} | {r['auto_over_best']:.2f} |"
                  for r in scan_rows]
        lines.append("")
    for p in profiles:
        shape = "B={},T={},I={},H={}".format(*p["shape"])
        for kind, what in (("train", "training step"), ("forward", "forward pass")):
            lines += op_profile.markdown(f"Where the time goes: **{p['cell']}** fused {what}, "
                                         f"{shape}", p[kind])
    return "\n".join(lines) + "\n"


def _study_markdown(rows) -> str:
    if not rows:
        return ""
    lines = ["", "The vanishing study's training step: three seeds of the LSTM (H = 64, batch 32 "
             "each) at one gap, vmapped in one program, against PyTorch's `nn.LSTM` training "
             "the same three seeds one after another on the same batches (in its own "
             "process; `experiments/vanishing/step_benchmark.py`):", "",
             "| gap | T | ours (ms per 3-seed step) | PyTorch (ms) | speed-up | products' "
             "floor (ms) | compile per point (s) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        torch_ms = r.get("torch_ms_per_step")
        lines.append(f"| {r['gap']} | {r['T']} | {r['ours_ms_per_step']:.2f} "
                     f"| {_fmt(torch_ms, '.2f')} | {_fmt(r.get('speedup_over_torch'), '.2f')}x "
                     f"| {_fmt(r.get('floor_ms_per_step'), '.2f')} | {r['compile_s']:.1f} |")
    return "\n".join(lines) + "\n"


def run(config, workdir: str, command: str | None = None) -> dict:
    shapes = _validate(config)
    workdir_lib.check_usable(workdir)
    os.makedirs(workdir, exist_ok=True)
    with workdir_lib.Lock(workdir):  # Two benchmarks at once would time each other.
        return _run(config, workdir, command, shapes)


def _run(config, workdir: str, command: str | None, shapes) -> dict:
    notes = []
    rows, torch_info = _throughput_rows(config, shapes, notes)
    summary = speedups(rows)
    grads_rows = []
    for name in config.state_grads_cells:
        for shape in shapes:
            grads_rows.append(measure_state_grads(name, shape, config.seed, config.repeats))
            print(f"{name:5s} {shape}: state_grads / train step {grads_rows[-1]['ratio']:.2f}")
    scan_rows = []
    for name in config.scan_cells:
        for steps in config.scan_lengths:
            row = measure_scan_modes(name, steps, config.scan_batch, config.scan_width,
                                     config.seed, config.scan_repeats)
            print(f"{name:7s} T={steps}: sequential {row['sequential_ms']:.1f} ms, parallel "
                  f"{row['parallel_ms']:.1f} ms, auto {row['auto_ms']:.1f} ms")
            scan_rows.append(row)
    profiles = [measure_profile(name, shapes[0], config.seed) for name in config.profile_cells]
    study_rows = []
    if config.study_step_gap:
        from experiments.vanishing import step_benchmark
        study_rows.append(step_benchmark.measure(config.study_step_gap))
        print(f"study step (3 seeds, gap {config.study_step_gap}): "
              f"{study_rows[-1]['ours_ms_per_step']:.2f} ms")
    machine = f"{provenance.machine()}, JAX {jax.__version__} on {jax.devices()[0].platform}"
    if torch_info is not None:
        machine += f", PyTorch {torch_info[0]} ({torch_info[1]} threads)"
    machine += f"; host memory: {host_memory.describe()}"
    command = command or "python launch.py --config=experiments/configs/benchmark.py"
    results = {"machine": machine, "command": command, "provenance": provenance.describe(),
               "notes": notes, "rows": rows,
               "speedups": summary, "state_grads": grads_rows, "scan_rows": scan_rows,
               "profiles": profiles, "study_step": study_rows}
    text = _markdown(command, machine, notes, rows, summary, grads_rows, scan_rows, profiles,
                     config) + _study_markdown(study_rows)
    with open(os.path.join(workdir, "benchmark.md"), "w") as f:
        f.write(text)
    with open(os.path.join(workdir, "benchmark.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(text)
    return results
