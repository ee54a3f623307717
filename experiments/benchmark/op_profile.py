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

import bisect
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
_COMPUTATION = re.compile(r'^(?:ENTRY\s+)?%([\w.\-]+) \(.*\{\s*$')
_OP_NAME = re.compile(r'metadata=\{[^}]*op_name="([^"]*)"')
_TRIP_COUNT = re.compile(r'"known_trip_count":\{"n":"(\d+)"\}')
#: Attributes by which an instruction runs another computation.
_LOOP_PARTS = re.compile(r'\b(?:condition|body)=%([\w.\-]+)')
_CALLED = re.compile(r'\b(?:to_apply|calls)=%([\w.\-]+)|branch_computations=\{([^}]*)\}')


def hlo_ops(hlo_text: str) -> dict[str, dict]:
    """Per instruction of a compiled module's text: its JAX op name, trip count (loops),
    and `loop`, the innermost `while` whose body or condition runs it (None: none).

    The loop is read from the module's structure (which computation calls which), not
    from the trace: XLA:CPU may run a loop's ops asynchronously, after the loop's own
    traced event has ended.
    """
    ops, calls, entry = {}, {}, None
    computation = None
    for line in hlo_text.splitlines():
        header = _COMPUTATION.match(line)
        if header:
            computation = header.group(1)
            calls.setdefault(computation, [])
            if line.startswith("ENTRY"):
                entry = computation
            continue
        match = _INSTRUCTION.match(line)
        if not match:
            continue
        name, rest = match.groups()
        op_name = _OP_NAME.search(rest)
        is_loop = " while(" in rest
        trips = _TRIP_COUNT.search(rest) if is_loop else None
        ops[name] = {"op_name": _short(op_name.group(1)) if op_name else "",
                     "is_loop": is_loop,
                     "trip_count": int(trips.group(1)) if trips else None, "loop": None}
        callees = [(c, name) for c in _LOOP_PARTS.findall(rest)] if is_loop else []
        for called, branches in _CALLED.findall(rest):
            callees += [(c, None) for c in ([called] if called else
                                            re.findall(r'%([\w.\-]+)', branches))]
        calls.setdefault(computation, []).append((name, callees))
    # Each computation's innermost loop, from the entry down (a loop's body and condition
    # are inside it; a called computation inherits its caller's).
    loop_of, todo = {}, [(entry, None)] if entry is not None else []
    while todo:
        computation, loop = todo.pop()
        if computation in loop_of:
            continue
        loop_of[computation] = loop
        for name, callees in calls.get(computation, []):
            ops[name]["loop"] = loop
            todo += [(callee, loop if new is None else new) for callee, new in callees]
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
    own, nor Python's). An op belongs to its innermost loop in the program (`hlo_ops`'
    `loop`). A loop's time is the sum of its traced runs, each extended to the end of
    the last op it holds (nested loops' too) that started in it: XLA:CPU may run a
    loop's ops on after the loop's own event has ended (asynchronously).
    """
    events = [event for event in events if event[2] in ops]
    totals = collections.defaultdict(lambda: [0, 0])  # (loop, op) -> [ns, count]
    runs = collections.defaultdict(list)  # loop -> [[start, end], ...] in order of start
    for start, end, name in sorted(events):
        if ops[name]["is_loop"]:
            runs[name].append([start, end])
    starts = {name: [run[0] for run in spans] for name, spans in runs.items()}
    for start, end, name in events:
        if ops[name]["is_loop"]:
            continue
        where = ops[name].get("loop")
        totals[where, name][0] += end - start
        totals[where, name][1] += 1
        while where is not None:
            run = bisect.bisect_right(starts.get(where, []), start) - 1
            if run >= 0:
                runs[where][run][1] = max(runs[where][run][1], end)
            where = ops[where].get("loop")
    loop_totals = {name: sum(end - start for start, end in spans)
                   for name, spans in runs.items()}

    def row(name, seconds, count):
        info = ops.get(name, {})
        return {"op": name, "op_name": info.get("op_name", ""), "ms": 1e3 * seconds,
                "calls": count}

    return {
        # Each loop with the loop it runs in ("in", None for an outermost one).
        "loops": [dict(row(name, ns / 1e9 / calls, ops[name]["trip_count"]),
                       **{"in": ops[name].get("loop")},
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
    # What the events miss: the outermost loops and the ops outside all loops are the step.
    rest = summary["traced_ms"] - sum(loop["ms"] for loop in summary["loops"]
                                      if loop.get("in") is None) - sum(
        row["ms"] for row in summary["outside"])
    lines.append(f"| not in an op's event (products XLA ran asynchronously outside the "
                 f"loops, dispatch) | | | | {rest:.1f} | |")
    return lines + [""]
