"""The fused loop's shape-dependent choice of layout, from measurements (`rec.tuning`).

The fused unroll (`recurrent.fused`) runs a `KernelCell` that has both layouts (the RNN,
LSTM and GRU) batch-major (`[B, H]` carries, products `h @ w_hh`) or feature-major
(`[H, B]` carries, products `w_hh^T @ h^T`), each also `_split`: every per-step product
cut into independent products over blocks of the kernel's columns, which XLA:CPU can run
on two cores at once. Values and gradients agree to float32 rounding; the time does not,
and which layout is faster depends on the backend, the cell and the shape.
`rec.unroll(..., layout="auto")` (the default) asks `layout` here, which reads one table of
training-step times measured by the benchmark's shape grid (`benchmark.py:tuning` times
only the layouts; `:shapes` includes the two whole-product ones):

    python launch.py --config=experiments/configs/benchmark.py:tuning --workdir=W
    python -m experiments.benchmark.tuning W --write   # rewrites recurrent/tuning_table.py

For a call at (B, T, H) the table's entry of the same backend and cell class (or its
nearest measured base class) nearest in log space wins: distance
`sum(log(a / b) ** 2)` over the axes given. A backend or cell with no entry gets
`FALLBACK`, the rule that held before the table (feature-major for the LSTM on CPU,
measured at B, T, I, H = 32, 256, 64, 256 in docs/performance.md; batch-major elsewhere).

    python -c "import recurrent as rec; print(rec.tuning.describe())"   # the table

`unroll` is not chosen here: `rec.unroll` keeps one step per loop iteration unless told
otherwise (the benchmark's `unroll2` / `unroll4` rows measure the alternative).
"""

from __future__ import annotations

import math

import jax

from recurrent import tuning_table

#: The layout for a backend and cell class that the table has no entry for.
FALLBACK = {("cpu", "LSTM"): "feature_major"}
#: The layouts an entry may hold times of (`recurrent.fused.LAYOUTS` without "auto"):
#: `_split` cuts each per-step product into column blocks (`recurrent.fused.PRODUCT_BLOCKS`).
MEASURED_LAYOUTS = ("batch_major", "feature_major", "batch_major_split", "feature_major_split")
#: The generated module that holds the table (`python -m experiments.benchmark.tuning`).
TABLE_FILE = tuning_table.__file__


def table() -> tuple[dict, dict]:
    """`(source, measured)`: per backend the run that measured it (command, commit, date,
    machine, software), and per (backend, cell class name, B, T, H) its entry (`layout`,
    and the `train_ms` and `forward_ms` of both layouts)."""
    return tuning_table.SOURCE, tuning_table.MEASURED


def _measured_class(cell_class, backend):
    """The first class of `cell_class`'s MRO with entries for `backend`, or None."""
    names = {key[1] for key in tuning_table.MEASURED if key[0] == backend}
    return next((c.__name__ for c in cell_class.__mro__ if c.__name__ in names), None)


def fallback(cell_class, backend: str) -> str:
    """The layout `cell_class` runs in on `backend` without measured entries (`FALLBACK`)."""
    for c in cell_class.__mro__:
        if (backend, c.__name__) in FALLBACK:
            return FALLBACK[backend, c.__name__]
    return "batch_major"


def layout(cell, backend: str | None = None, *, batch: int | None = None,
           steps: int | None = None) -> str:
    """The fused loop's layout for `cell` ("batch_major" or "feature_major").

    Args:
      cell: a cell or a cell class; a cell without a feature-major form
        (`cell.feature_major` false) always runs batch-major.
      backend: a JAX backend name ("cpu", "gpu", "tpu"); None means
        `jax.default_backend()`.
      batch, steps: B and T of the call; None leaves that axis out of the
        distance (H is the cell's `hidden_size`, left out for a class).

    Returns:
      The layout of the nearest measured shape, or `FALLBACK`'s without one.

    Example:
      >>> import recurrent as rec
      >>> rec.tuning.layout(rec.LSTM(8), backend="tpu")
      'batch_major'
    """
    if not getattr(cell, "feature_major", False):
        return "batch_major"
    backend = jax.default_backend() if backend is None else backend
    cell_class = cell if isinstance(cell, type) else type(cell)
    name = _measured_class(cell_class, backend)
    if name is None:
        return fallback(cell_class, backend)
    wanted = (batch, steps, None if isinstance(cell, type) else cell.hidden_size)

    def distance(key):
        return sum(math.log(w / k) ** 2 for w, k in zip(wanted, key[2:], strict=True)
                   if w is not None)

    keys = [key for key in tuning_table.MEASURED if key[:2] == (backend, name)]
    return tuning_table.MEASURED[min(keys, key=distance)]["layout"]


def describe() -> str:
    """The table as text: its source, then one line per measured point, then the fallback."""
    lines = ["Layouts of the fused loop, chosen by rec.unroll(..., layout='auto').", ""]
    for backend, source in sorted(tuning_table.SOURCE.items()):
        lines += [f"{backend}: measured by {source['command']}",
                  f"  at commit {source['commit']} on {source['date']}",
                  f"  machine: {source['machine']}", f"  software: {source['software']}"]
    if tuning_table.MEASURED:
        lines += ["", f"{'backend':8s} {'cell':6s} {'B':>5s} {'T':>5s} {'H':>5s}  "
                  f"{'layout':19s} train ms ({' / '.join(MEASURED_LAYOUTS)}; - not timed)"]
        for key, entry in sorted(tuning_table.MEASURED.items()):
            times = entry["train_ms"]
            lines.append(f"{key[0]:8s} {key[1]:6s} {key[2]:5d} {key[3]:5d} {key[4]:5d}  "
                         f"{entry['layout']:19s} " + " / ".join(
                             f"{times[name]:.2f}" if name in times else "-"
                             for name in MEASURED_LAYOUTS))
    else:
        lines.append("No measured points yet: every call takes the fallback.")
    lines += ["", "Fallback (a backend and cell without measured points): "
              + ", ".join(f"{b} {c}: {v}" for (b, c), v in FALLBACK.items())
              + "; batch_major otherwise."]
    return "\n".join(lines)
