"""The fused loop's shape-dependent choice of layout, from measurements (`rec.tuning`).

The fused unroll (`recurrent.fused`) runs a `KernelCell` that has both layouts (the RNN,
LSTM and GRU) batch-major (`[B, H]` carries, products `h @ w_hh`) or feature-major
(`[H, B]` carries, products `w_hh^T @ h^T`), each also `_split`: every per-step product
cut into independent products over blocks of the kernel's columns, which XLA:CPU can run
on two cores at once. Values and gradients agree to float32 rounding; the time does not,
and which layout is faster depends on the backend, the cell and the shape.
`rec.unroll(..., layout="auto")` (the default) asks `layout` here, which reads one table of
training-step times measured by the benchmark's shape grid (`benchmark.py:tuning` times
only the layouts; `:shapes` includes them):

    python launch.py --config=experiments/configs/benchmark.py:tuning --workdir=W
    python -m experiments.benchmark.tuning W --write   # rewrites recurrent/tuning_table.py

The table is kept per platform (`platform`): "gpu" and "tpu" as JAX names them, and CPUs
by their widest vector extension, "cpu/AVX2" or "cpu/AVX-512", since XLA:CPU compiles
other code for each and the faster layout moves with it. For a call at (B, T, H) the
entry of the machine's platform and the cell class (or its nearest measured base class)
nearest in log space wins: distance `sum(log(a / b) ** 2)` over the axes given. A CPU
without entries of its own takes another CPU's (the first platform in sorted order), and a
backend or cell with no entry at all gets `FALLBACK`, the rule that held before the table
(feature-major for the LSTM on CPU, measured at B, T, I, H = 32, 256, 64, 256 in
docs/performance.md; batch-major elsewhere).

    python -c "import recurrent as rec; print(rec.tuning.describe())"   # the table

`unroll` is not chosen here: `rec.unroll` keeps one step per loop iteration unless told
otherwise (the benchmark's `unroll2` / `unroll4` rows measure the alternative).
"""

from __future__ import annotations

import functools
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


#: CPU flags (/proc/cpuinfo) of the vector extensions that decide how XLA:CPU vectorises,
#: widest first, and their names in `platform`'s keys.
CPU_EXTENSIONS = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                  ("sse4_2", "SSE4.2"), ("asimd", "NEON"))


@functools.cache
def cpu_info() -> tuple[str | None, frozenset]:
    """The CPU's model name and flags, read once from /proc/cpuinfo (Linux); `(None,
    frozenset())` where there is none."""
    name, flags = None, frozenset()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and name is None:
                    name = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = frozenset(value.split())
    except OSError:
        pass
    return name, flags


def cpu_extension() -> str | None:
    """This CPU's widest vector extension (`CPU_EXTENSIONS`' name), None if unknown."""
    flags = cpu_info()[1]
    return next((label for flag, label in CPU_EXTENSIONS if flag in flags), None)


def platform(backend: str | None = None) -> str:
    """The table's key for `backend` on this machine: "cpu/" and the widest vector
    extension on CPU ("cpu/AVX-512"; plain "cpu" if unknown), the backend's name otherwise.

    Example:
      >>> import recurrent as rec
      >>> rec.tuning.platform("gpu")
      'gpu'
    """
    backend = jax.default_backend() if backend is None else backend
    extension = cpu_extension() if backend == "cpu" else None
    return f"{backend}/{extension}" if extension else backend


def table() -> tuple[dict, dict]:
    """`(source, measured)`: per platform the runs that measured it (`runs`: each one's
    command, commit and date; older entries hold one run's at the top level), the machine
    and software, and per (platform, cell class name, B, T, H) its entry (`layout`,
    and the `train_ms` and `forward_ms` of the layouts timed)."""
    return tuning_table.SOURCE, tuning_table.MEASURED


def _measured(cell_class, backend):
    """`(platform, class name)` of the entries a cell on `backend` (a backend's or a
    platform's name) reads: the first class of `cell_class`'s MRO measured on the machine's
    platform, else on another platform of the same backend; None without any."""
    key = backend if "/" in backend else platform(backend)
    base = key.split("/")[0]
    others = sorted({k[0] for k in tuning_table.MEASURED
                     if k[0] != key and k[0].split("/")[0] == base})
    for candidate in [key] + others:
        names = {k[1] for k in tuning_table.MEASURED if k[0] == candidate}
        name = next((c.__name__ for c in cell_class.__mro__ if c.__name__ in names), None)
        if name is not None:
            return candidate, name
    return None


def fallback(cell_class, backend: str) -> str:
    """The layout `cell_class` runs in on `backend` (or a platform of it) without measured
    entries (`FALLBACK`)."""
    backend = backend.split("/")[0]
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
      backend: a JAX backend name ("cpu", "gpu", "tpu"), read on this machine's
        `platform`, or a platform's ("cpu/AVX2"); None means `jax.default_backend()`.
      batch, steps: B and T of the call; None leaves that axis out of the
        distance (H is the cell's `hidden_size`, left out for a class).

    Returns:
      The layout of the nearest measured shape (one of `MEASURED_LAYOUTS`), or
      `FALLBACK`'s without one.

    Example:
      >>> import recurrent as rec
      >>> rec.tuning.layout(rec.LSTM(8), backend="tpu")
      'batch_major'
    """
    if not getattr(cell, "feature_major", False):
        return "batch_major"
    backend = jax.default_backend() if backend is None else backend
    cell_class = cell if isinstance(cell, type) else type(cell)
    measured = _measured(cell_class, backend)
    if measured is None:
        return fallback(cell_class, backend)
    key, name = measured
    wanted = (batch, steps, None if isinstance(cell, type) else cell.hidden_size)

    def distance(key):
        return sum(math.log(w / k) ** 2 for w, k in zip(wanted, key[2:], strict=True)
                   if w is not None)

    keys = [k for k in tuning_table.MEASURED if k[:2] == (key, name)]
    return tuning_table.MEASURED[min(keys, key=distance)]["layout"]


def describe() -> str:
    """The table as text: its source, then one line per measured point, then the fallback."""
    lines = ["Layouts of the fused loop, chosen by rec.unroll(..., layout='auto').",
             f"This machine's platform: {platform()}.", ""]
    for backend, source in sorted(tuning_table.SOURCE.items()):
        runs = source.get("runs", [source])  # Several runs pooled, or (older) one.
        lines.append(f"{backend}: measured by" + (":" if len(runs) == 1 else
                                                   f" {len(runs)} runs pooled:"))
        for run in runs:
            lines += [f"  {run['command']}", f"    at commit {run['commit']} on {run['date']}"]
        lines += [f"  machine: {source['machine']}", f"  software: {source['software']}"]
    if tuning_table.MEASURED:
        lines += ["", f"{'platform':11s} {'cell':6s} {'B':>5s} {'T':>5s} {'H':>5s}  "
                  f"{'layout':19s} train ms ({' / '.join(MEASURED_LAYOUTS)}; - not timed)"]
        for key, entry in sorted(tuning_table.MEASURED.items()):
            times = entry["train_ms"]
            lines.append(f"{key[0]:11s} {key[1]:6s} {key[2]:5d} {key[3]:5d} {key[4]:5d}  "
                         f"{entry['layout']:19s} " + " / ".join(
                             f"{times[name]:.2f}" if name in times else "-"
                             for name in MEASURED_LAYOUTS))
    else:
        lines.append("No measured points yet: every call takes the fallback.")
    lines += ["", "Fallback (a backend and cell without measured points): "
              + ", ".join(f"{b} {c}: {v}" for (b, c), v in FALLBACK.items())
              + "; batch_major otherwise."]
    return "\n".join(lines)
