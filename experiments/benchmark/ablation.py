"""Ablations of the fused unroll: its training step with one of its hand-written parts
replaced by the plain way, against the library as it is, in turns in one process.

    python -m experiments.benchmark.ablation NAME [B,T,I,H ...] [--cells=rnn,gru,lstm]
        [--rounds=8] [--calls=3]

`NAME` is one of `ABLATIONS`:

* `shared_residuals`: every residual of the gating's derivative stored per step, also
  those that are the same arrays as states the loop stores anyway (before 49c0fd9);
* `rnn_vjp`: the RNN's gating derivative through `jax.vjp` (`Cell.pointwise_vjp`), which
  keeps 1 - h_t^2 as well as h_t, instead of the RNN's own from h_t alone.

Both steps are compiled first, then timed in `rounds` rounds of `calls` calls each,
alternating which goes first; the table gives each one's median over the rounds (ms) and
the ablated step's time over the library's (above 1: the library's part is faster).
Timings taken in turns like this compare two programs on the same machine state; two
separate runs of one program on this 2-core machine differ by more (docs/performance.md).
The shapes default to `SHAPES`. A change to a private part of the library (what an
ablation swaps out) may need its entry here updated.
"""

from __future__ import annotations

import contextlib
import statistics
import time

import jax
import jax.numpy as jnp

import recurrent as rec
from experiments import cli, provenance
from experiments.benchmark import parse_shape
from experiments.errors import ConfigError
from recurrent import fused  # Private parts by design: what an ablation swaps.

SHAPES = ("8,64,64,64", "32,256,64,256", "128,256,64,256")


@contextlib.contextmanager
def _unshared():
    """The pullbacks stacked whole: `fused._shared` as the identity."""
    saved = fused._shared
    fused._shared = lambda pullback, previous, new: pullback
    try:
        yield
    finally:
        fused._shared = saved


@contextlib.contextmanager
def _rnn_through_jax_vjp():
    """The RNN's gating derivative as every cell's default (`jax.vjp`)."""
    saved = rec.RNN.pointwise_vjp
    rec.RNN.pointwise_vjp = rec.Cell.pointwise_vjp
    try:
        yield
    finally:
        rec.RNN.pointwise_vjp = saved


#: Per name: the context that swaps the part out while a step is traced, and the cells it
#: changes anything for.
ABLATIONS = {"shared_residuals": (_unshared, ("rnn", "gru", "lstm")),
             "rnn_vjp": (_rnn_through_jax_vjp, ("rnn",))}


def _step(cell, shape, swap):
    """The compiled training step (mean square of the outputs) at `shape`, traced inside
    `swap()`, and its arguments."""
    batch, steps, inputs, _ = shape
    params = cell.init(jax.random.key(0), inputs)
    xs = jax.random.normal(jax.random.key(1), (batch, steps, inputs))

    def loss(params):
        return jnp.mean(rec.unroll(cell, params, xs)[0] ** 2)
    with swap():
        compiled = jax.jit(jax.value_and_grad(loss)).lower(params).compile()
    return compiled, params


def measure(name, cell_name, shape, rounds=8, calls=3) -> dict:
    """One row: the ablated and the library's training step at `shape`, in turns."""
    swap, _ = ABLATIONS[name]
    cell = rec.make_cell(cell_name, hidden_size=shape[3])
    steps = {"ablated": _step(cell, shape, swap),
             "library": _step(cell, shape, contextlib.nullcontext)}
    for compiled, params in steps.values():
        jax.block_until_ready(compiled(params))  # Warm-up.
    times = {kind: [] for kind in steps}
    for round_ in range(rounds):
        for kind in (("ablated", "library") if round_ % 2 == 0 else ("library", "ablated")):
            compiled, params = steps[kind]
            start = time.perf_counter()
            for _ in range(calls):
                jax.block_until_ready(compiled(params))
            times[kind].append((time.perf_counter() - start) / calls)
    ablated, library = (statistics.median(times[kind]) for kind in ("ablated", "library"))
    return {"ablation": name, "cell": cell_name, "shape": list(shape),
            "layout": rec.fused_layout(cell, batch=shape[0], steps=shape[1]),
            "ablated_ms": 1e3 * ablated, "library_ms": 1e3 * library,
            "ablated_over_library": ablated / library}


def markdown(rows) -> list[str]:
    lines = ["| ablation | cell | B, T, I, H | layout | ablated (ms) | library (ms) "
             "| ablated / library |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['ablation']} | {r['cell']} | {', '.join(map(str, r['shape']))} "
              f"| {r['layout']} | {r['ablated_ms']:.2f} | {r['library_ms']:.2f} "
              f"| {r['ablated_over_library']:.3f} |" for r in rows]
    return lines


def _option(argv, name, default):
    values = [a.split("=", 1)[1] for a in argv if a.startswith(f"--{name}=")]
    return values[-1] if values else default


def _count(text, name):
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"--{name}={text!r}: expected an integer >= 1")
    return int(text)


def main(argv) -> None:
    positional = [a for a in argv[1:] if not a.startswith("--")]
    unknown = [a for a in argv[1:] if a.startswith("--")
               and a.split("=", 1)[0] not in ("--cells", "--rounds", "--calls")]
    if not positional or unknown:
        cli.fail("usage: python -m experiments.benchmark.ablation NAME [B,T,I,H ...] "
                 "[--cells=rnn,gru,lstm] [--rounds=8] [--calls=3]"
                 + (f" (unknown: {' '.join(unknown)})" if unknown else ""))
    name, shapes = positional[0], positional[1:] or list(SHAPES)
    if name not in ABLATIONS:
        raise ConfigError(f"unknown ablation {name!r}; expected one of "
                          f"{', '.join(ABLATIONS)}")
    applies = ABLATIONS[name][1]
    cells = _option(argv, "cells", ",".join(applies)).split(",")
    for cell in cells:
        if cell not in applies:
            raise ConfigError(f"--cells: {name} changes nothing for {cell!r}; expected some "
                              f"of {', '.join(applies)}")
    shapes = [parse_shape(text) for text in shapes]
    rounds, calls = (_count(_option(argv, key, default), key)
                     for key, default in (("rounds", "8"), ("calls", "3")))
    origin = provenance.describe()
    print(f"Commit {origin['commit']}, {origin['machine']}, JAX {origin['software']['jax']} "
          f"on {jax.default_backend()}; {rounds} rounds of {calls} calls, alternating.\n")
    rows = []
    for cell in cells:
        for shape in shapes:
            rows.append(measure(name, cell, shape, rounds, calls))
            print(markdown(rows[-1:])[-1], flush=True)
    print("\n" + "\n".join(markdown(rows)))


if __name__ == "__main__":
    cli.main(main)
