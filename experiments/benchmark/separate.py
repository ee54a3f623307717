"""Each framework timed in a process of its own, as its users run it.

Timing implementations in turns inside one process (`throughput.py`) is fair to the
machine's slow spells but not to the frameworks: they share one allocator and one set of
threads (PyTorch's OpenMP threads spin after a call and slow whatever runs next). Here each
implementation of a cell runs in a fresh process (`worker.py`) that times each of its shapes in
turn, as a script sweeping shapes would; the implementations alternate, for `rounds` rounds,
and each shape reports the median over the rounds of its per-process medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import jax

from experiments.benchmark import implementations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def time_in_process(name, cell_name, shapes, repeats, seed, policy, cache_dir=None) -> list:
    """One worker process timing `shapes` one after another: its JSON line per shape, or a
    RuntimeError with the worker's last lines.

    With `cache_dir`, JAX's persistent compilation cache there: the later rounds and the
    other policy load the executables the first process compiled (the same HLO gives the
    same program; compilation is never timed).
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env.update(JAX_COMPILATION_CACHE_DIR=cache_dir,
                   JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                   JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    run = subprocess.run(
        [sys.executable, "-m", "experiments.benchmark.worker", name, cell_name,
         ";".join(",".join(map(str, shape)) for shape in shapes), str(repeats), str(seed),
         policy], cwd=ROOT, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"{name} {cell_name} {list(shapes)} ({policy}) failed: "
                           f"{run.stderr.strip().splitlines()[-1:]}")
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    if [tuple(r["shape"]) for r in lines] != [tuple(shape) for shape in shapes]:
        raise RuntimeError(f"{name} {cell_name} ({policy}): the worker timed "
                           f"{[r['shape'] for r in lines]}, not {list(shapes)}")
    return lines


def group(cell_name, shapes, names, rounds, repeats, seed, policy, cache_dir=None,
          saved=None) -> list[dict]:
    """The rows of one cell at `shapes`: each implementation that applies, in a process of
    its own that times every shape, alternating implementations, `rounds` times.

    `saved(round, name, shapes)` may return a process's lines kept by an earlier, cut run
    (or None), and is then called with the lines of each process that ran, to keep them.
    """
    backend = jax.default_backend()
    names = [n for n in names if implementations.ALL[n].applies(cell_name, backend)
             and implementations.ALL[n].unavailable(backend) is None]  # Noted by the run.
    shapes = [tuple(shape) for shape in shapes]
    runs = {name: [] for name in names}
    for round_ in range(rounds):
        for name in names:
            lines = saved(round_, name, shapes) if saved else None
            if lines is None:
                lines = time_in_process(name, cell_name, shapes, repeats, seed, policy,
                                        cache_dir)
                if saved:
                    saved(round_, name, shapes, lines)
            runs[name].append(lines)
    rows = []
    for index, shape in enumerate(shapes):
        for name, processes in runs.items():
            results = [lines[index] for lines in processes]
            row = {"cell": cell_name, "B": shape[0], "T": shape[1], "I": shape[2],
                   "H": shape[3], "implementation": results[0]["implementation"],
                   "kind": implementations.ALL[name].kind, "policy": policy, "rounds": rounds}
            for kind in ("train", "forward"):
                row[f"{kind}_s"] = statistics.median(r[f"{kind}_s"] for r in results)
                row[f"{kind}_s_rounds"] = [r[f"{kind}_s"] for r in results]
            rows.append(row)
            print(f"{cell_name:5s} {shape} [{policy}, own process]: "
                  f"{row['implementation']:36s} train {1e3 * row['train_s']:8.2f} ms, "
                  f"forward {1e3 * row['forward_s']:8.2f} ms")
    return rows


def ratios(rows) -> list[dict]:
    """Per cell, shape and policy: the peers' time over ours, and over the best peer's."""
    out = []
    keys = dict.fromkeys((r["cell"], r["B"], r["T"], r["I"], r["H"], r["policy"]) for r in rows)
    for key in keys:
        same = [r for r in rows if (r["cell"], r["B"], r["T"], r["I"], r["H"], r["policy"])
                == key]
        ours = [r for r in same if r["kind"] == "ours"]
        peers = [r for r in same if r["kind"] == "peer"]
        if not ours or not peers:
            continue
        entry = dict(zip(("cell", "B", "T", "I", "H", "policy"), key, strict=True))
        for kind in ("train", "forward"):
            mine = ours[0][f"{kind}_s"]
            entry[f"{kind}_speedup"] = {p["implementation"]: p[f"{kind}_s"] / mine for p in peers}
            entry[f"{kind}_over_best_peer"] = min(p[f"{kind}_s"] for p in peers) / mine
        out.append(entry)
    return out
