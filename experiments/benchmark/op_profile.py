"""Where a compiled step's time goes: a `jax.profiler` trace, summed per XLA op.

The benchmark (`config.profile_cells`) traces the fused training step and forward
pass of a cell, and reports for each: the time of every loop (XLA `while`) and,
inside and outside the loops, of the ops (fusions, products, copies) that XLA:CPU
ran, per call of the step. Each op is named as in the compiled HLO and by the JAX
operation it came from (the HLO's `op_name` metadata, e.g.
`jvp()/while/body/closed_call/dot_general`), so a row says which line of the
library's code costs what. The trace's own overhead makes the times a few
percent longer than untraced calls; the point is the split, not the total.
"""

from __future__ import annotations

import collections
import glob
import re
import shutil
import tempfile
import time

import jax
from jax.profiler import ProfileData

from experiments.benchmark import implementations

_INSTRUCTION = re.compile(r'^\s*(?:ROOT\s+)?%([\w.\-]+) = (.*)$')
_OP_NAME = re.compile(r'metadata=\{[^}]*op_name="([^"]*)"')
_TRIP_COUNT = re.compile(r'"known_trip_count":\{"n":"(\d+)"\}')


def hlo_ops(hlo_text: str) -> dict[str, dict]:
    """Per instruction of a compiled module's text: its JAX op name and trip count (loops)."""
    ops = {}
    for line in hlo_text.splitlines():
        match = _INSTRUCTION.match(line)
        if not match:
            continue
        name, rest = match.groups()
        op_name = _OP_NAME.search(rest)
        trips = _TRIP_COUNT.search(rest) if " while(" in rest else None
        ops[name] = {"op_name": _short(op_name.group(1)) if op_name else "",
                     "is_loop": " while(" in rest,
                     "trip_count": int(trips.group(1)) if trips else None}
    return ops


def _short(op_name: str) -> str:
    """`jit(loss)/jvp()/while/...` -> `jvp()/while/...` (the function's name is noise)."""
    return re.sub(r"^jit\([^)]*\)/", "", op_name)


def trace_events(call, calls: int) -> tuple[list[tuple[int, int, str]], float]:
    """`calls` calls of `call` under the profiler: its events, and seconds per call.

    Events of every thread are kept (XLA:CPU runs a small program on the calling
    thread, a larger one on its own threads); `summarize` keeps the program's ops.
    """
    call()  # Warm-up, outside the trace.
    directory = tempfile.mkdtemp(prefix="op_profile-")
    try:
        jax.profiler.start_trace(directory)
        try:
            start = time.perf_counter()
            for _ in range(calls):
                call()
            seconds = (time.perf_counter() - start) / calls
        finally:
            jax.profiler.stop_trace()
        (path,) = glob.glob(f"{directory}/**/*.xplane.pb", recursive=True)
        profile = ProfileData.from_file(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    events = [(event.start_ns, event.start_ns + event.duration_ns, event.name)
              for plane in profile.planes for line in plane.lines for event in line.events]
    return events, seconds


def summarize(events, ops: dict, calls: int) -> dict:
    """Times per call of the step: each loop's, and each op's inside the loop it ran in.

    Only events named like an instruction of the program count (not the runtime's
    own, nor Python's). An op belongs to the innermost loop whose traced interval
    holds its start (the program runs one op after another; a product's helper
    threads run inside it).
    """
    events = [event for event in events if event[2] in ops]
    loops = [(start, end, name) for start, end, name in events
             if ops.get(name, {}).get("is_loop")]
    totals = collections.defaultdict(lambda: [0, 0])  # (loop, op) -> [ns, count]
    for start, end, name in events:
        if ops.get(name, {}).get("is_loop"):
            continue
        inside = [loop for loop in loops if loop[0] <= start < loop[1]]
        where = max(inside)[2] if inside else None  # The latest-starting: innermost.
        totals[where, name][0] += end - start
        totals[where, name][1] += 1
    loop_totals = collections.defaultdict(int)
    for start, end, name in loops:
        loop_totals[name] += end - start

    def row(name, seconds, count):
        info = ops.get(name, {})
        return {"op": name, "op_name": info.get("op_name", ""), "ms": 1e3 * seconds,
                "calls": count}

    return {
        "loops": [dict(row(name, ns / 1e9 / calls, ops[name]["trip_count"]),
                       ops=sorted((row(op, ns_op / 1e9 / calls, count / calls)
                                   for (where, op), (ns_op, count) in totals.items()
                                   if where == name), key=lambda r: -r["ms"]))
                  for name, ns in sorted(loop_totals.items(), key=lambda kv: -kv[1])],
        "outside": sorted((row(op, ns / 1e9 / calls, count / calls)
                           for (where, op), (ns, count) in totals.items() if where is None),
                          key=lambda r: -r["ms"]),
    }


def profile(executable, call, calls: int = 3) -> dict:
    """Traces `call` (which runs `executable`, a compiled JAX function) `calls` times."""
    events, seconds = trace_events(call, calls)
    return {"traced_ms": 1e3 * seconds, **summarize(events, hlo_ops(executable.as_text()), calls)}


def measure(cell_name, shape, seed, calls: int = 3) -> dict:
    """The fused training step and forward pass of a cell traced: per loop and per XLA op."""
    prepared = implementations.prepare_ours(cell_name, "fused", shape, seed)
    return {"cell": cell_name, "shape": list(shape),
            **{kind: profile(prepared["executables"][kind], prepared[kind], calls)
               for kind in ("train", "forward")}}


def markdown(title: str, summary: dict, top: int = 8) -> list[str]:
    """A table of one profile: each loop with its costliest ops, then the ops outside."""

    def op_rows(rows, prefix):
        shown, rest = rows[:top], rows[top:]
        lines = [f"| {prefix} | `{r['op']}` | {r['op_name'] or '-'} | {r['calls']:g} "
                 f"| {r['ms']:.2f} | {1e3 * r['ms'] / r['calls']:.1f} |" for r in shown]
        if rest:
            lines.append(f"| {prefix} | {len(rest)} other ops | | "
                         f"{sum(r['calls'] for r in rest):g} "
                         f"| {sum(r['ms'] for r in rest):.2f} | |")
        return lines

    lines = [f"{title} (traced: {summary['traced_ms']:.1f} ms per call):", "",
             "| where | XLA op | JAX op | calls | ms | µs per call |",
             "|---|---|---|---|---|---|"]
    for loop in summary["loops"]:
        iterations = "" if loop["calls"] is None else f", {loop['calls']} iterations"
        lines.append(f"| **loop `{loop['op']}`** ({loop['op_name'] or '-'}{iterations}) "
                     f"| | | | **{loop['ms']:.1f}** | |")
        lines += op_rows(loop["ops"], f"in `{loop['op']}`")
    lines += op_rows(summary["outside"], "outside loops")
    return lines + [""]
