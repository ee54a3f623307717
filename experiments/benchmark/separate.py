"""Each framework timed in a process of its own, as its users run it.

Timing implementations in turns inside one process (`throughput.py`) is fair to the
machine's slow spells but not to the frameworks: they share one allocator and one set of
threads (PyTorch's OpenMP threads spin after a call and slow whatever runs next). Here each
implementation of a cell and shape runs in a fresh process (`worker.py`), one after another,
for `rounds` rounds, and reports the median over the rounds of its per-process medians.
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


def time_in_process(name, cell_name, shape, repeats, seed, policy, cache_dir=None) -> dict:
    """One worker process: its JSON line, or a RuntimeError with the worker's last lines.

    With `cache_dir`, JAX's persistent compilation cache there: the later rounds and the
    other policy load the executable the first process compiled (the same HLO gives the
    same program; compilation is never timed), which saves most of a grid's compile time.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env.update(JAX_COMPILATION_CACHE_DIR=cache_dir,
                   JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                   JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    run = subprocess.run(
        [sys.executable, "-m", "experiments.benchmark.worker", name, cell_name,
         ",".join(map(str, shape)), str(repeats), str(seed), policy],
        cwd=ROOT, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"{name} {cell_name} {shape} ({policy}) failed: "
                           f"{run.stderr.strip().splitlines()[-1:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def group(cell_name, shape, names, rounds, repeats, seed, policy, cache_dir=None) -> list[dict]:
    """The rows of one cell and shape: each implementation that applies, alternating."""
    backend = jax.default_backend()
    names = [n for n in names if implementations.ALL[n].applies(cell_name, backend)
             and implementations.ALL[n].unavailable(backend) is None]  # Noted by the run.
    runs = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            runs[name].append(time_in_process(name, cell_name, shape, repeats, seed, policy,
                                              cache_dir))
    rows = []
    for name, results in runs.items():
        row = {"cell": cell_name, "B": shape[0], "T": shape[1], "I": shape[2], "H": shape[3],
               "implementation": results[0]["implementation"],
               "kind": implementations.ALL[name].kind, "policy": policy, "rounds": rounds}
        for kind in ("train", "forward"):
            row[f"{kind}_s"] = statistics.median(r[f"{kind}_s"] for r in results)
            row[f"{kind}_s_rounds"] = [r[f"{kind}_s"] for r in results]
        rows.append(row)
        print(f"{cell_name:5s} {shape} [{policy}, own process]: {row['implementation']:36s} "
              f"train {1e3 * row['train_s']:8.2f} ms, forward {1e3 * row['forward_s']:8.2f} ms")
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
