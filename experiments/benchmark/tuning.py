"""The fused loop's layout per cell and shape, chosen from a benchmark run (`rec.tuning`).

    python launch.py --config=experiments/configs/benchmark.py:tuning --workdir=W
    python -m experiments.benchmark.tuning W            # the choices and the evidence
                                                        # (also of a cut run, from W/points/)
    python -m experiments.benchmark.tuning W --write    # ... and rewrite the library's table
    python -m experiments.benchmark.tuning W1 W2 --write  # several runs of one platform

Reads the in-process rows of a finished run (`W/benchmark.json`): at every cell and shape
where both layouts of the fused loop were timed (the variants `batch_major` and
`feature_major`, and `fused` under the layout it ran; also `batch_major_split` and
`feature_major_split` where the run timed them), the choice is the first layout in the
order of `preference` whose training step is within `NOISE` of the fastest: the layout of
`rec.tuning.FALLBACK` (the rule before the table), the other whole-product layout, then
the split ones. So a layout moves only where another is faster by more than noise.
Given several runs (of one platform: on this 2-core machine two runs of one layout at one
point differ by up to 15%), each layout counts with its fastest row over all of them: a
timing on a shared machine is only ever slowed by what else runs, so the fastest is the
least disturbed. Printed beside it: every layout's training and forward times, whether the library's
current table (`recurrent/tuning_table.py`) would pick a layout slower than the best by
more than `NOISE`, and, where the run timed them (`unroll2`, `unroll4`), loops of 2 and
4 steps per iteration against one. `--write` replaces the table's entries of the run's
platform (`rec.tuning.platform`: the backend, and on CPU the widest vector extension, read
from the run's machine line) with the choices and the runs' commands, commits and dates,
the machine and the software; other platforms' entries stay.
"""

from __future__ import annotations

import os
import pprint
import re
import statistics

import recurrent as rec
from experiments import cli
from experiments import workdir as workdir_lib
from experiments.benchmark import tables
from experiments.benchmark.throughput import shape_key
from experiments.errors import ConfigError

#: The fused loop's layouts, whole products first (the library's list), and their rows.
LAYOUTS = rec.tuning.MEASURED_LAYOUTS
_LAYOUT_ROWS = ("recurrent (fused)",) + tuple(f"recurrent ({layout})" for layout in LAYOUTS)
_UNROLL_ROWS = {2: "recurrent (unroll2)", 4: "recurrent (unroll4)"}
#: A slower choice by less than this fraction counts as a tie (medians of in-turn timings on
#: this 2-core machine moved by about this much between runs).
NOISE = 0.03
TABLE_PATH = rec.tuning.TABLE_FILE


def backend_of(results) -> str:
    """The JAX backend a run measured on: its `backend`, or for runs that predate that
    field the machine line's ("..., JAX 0.10.2 on cpu")."""
    if results.get("backend"):
        return results["backend"]
    found = re.search(r"JAX \S+ on (\w+)", results.get("machine", ""))
    if found is None:
        raise ConfigError(f"the run's machine line {results.get('machine')!r} names no JAX "
                          "backend")
    return found.group(1)


def platform_of(results) -> str:
    """The `rec.tuning` platform a run measured on: its backend, and on CPU the vector
    extension its machine line names ("Intel Xeon (x86_64, 2 cores, AVX-512), JAX ... on
    cpu" -> "cpu/AVX-512"; plain "cpu" for a line that names none)."""
    backend = backend_of(results)
    if backend != "cpu":
        return backend
    details = {part.strip() for group in re.findall(r"\(([^)]*)\)", results.get("machine", ""))
               for part in group.split(",")}  # Every group: a model name has "(R)" too.
    label = next((label for _, label in rec.tuning.CPU_EXTENSIONS if label in details), None)
    return f"cpu/{label}" if label else "cpu"


def preference(before: str) -> list[str]:
    """The layouts in the order ties go: `before` (the fallback), the other whole-product
    layout, then `before` and the other with their products split."""
    whole = [before] + [layout for layout in LAYOUTS[:2] if layout != before]
    return whole + [f"{layout}_split" for layout in whole]


def choices(rows, platform: str) -> list[dict]:
    """Per cell and shape with both layouts timed: the medians (ms) of every layout timed,
    and the one chosen (`preference`'s first within `NOISE` of the fastest)."""
    out = []
    for key in dict.fromkeys(shape_key(r) for r in rows):
        group = [r for r in rows if shape_key(r) == key]
        train, forward = {}, {}
        for r in group:
            if r["implementation"] in _LAYOUT_ROWS and "layout" in r:
                layout = r["layout"]  # Several rows of one layout: keep the faster median.
                train[layout] = min(train.get(layout, float("inf")), 1e3 * r["train_s"])
                forward[layout] = min(forward.get(layout, float("inf")), 1e3 * r["forward_s"])
        if not {"batch_major", "feature_major"} <= set(train):
            continue
        cell, batch, steps, _, hidden = key
        cell_class = rec.get_cell_class(cell)
        fastest = min(train.values())
        # A tie keeps the layout that held before the table, so that numbers trained with it
        # (which the layouts round differently) move only where another layout is faster.
        best = next(layout for layout in preference(rec.tuning.fallback(cell_class, platform))
                    if layout in train and train[layout] <= (1 + NOISE) * fastest)
        fused = next((r for r in group if r["implementation"] == "recurrent (fused)"), None)
        unrolled = {n: 1e3 * r["train_s"] / train[fused["layout"]] for n, name in
                    _UNROLL_ROWS.items() for r in group
                    if fused is not None and r["implementation"] == name}
        current = rec.tuning.layout(cell_class(hidden), platform, batch=batch, steps=steps)
        out.append({"platform": platform, "cell": cell, "cell_class": cell_class.__name__,
                    "B": batch, "T": steps, "H": hidden, "layout": best, "train_ms": train,
                    "forward_ms": forward, "current": current,
                    # None where the run did not time the current table's layout.
                    "current_over_best": (train[current] / train[best] if current in train
                                          else None),
                    "unroll_over_one": unrolled})
    return out


def describe(chosen) -> str:
    timed = [layout for layout in LAYOUTS if any(layout in c["train_ms"] for c in chosen)]

    def times(c, which):
        return " | ".join(f"{c[which][layout]:.2f}" if layout in c[which] else "-"
                          for layout in timed)
    names = " | ".join(timed)
    lines = [f"| cell | B | T | H | train ms: {names} | chosen | forward ms: {names} "
             "| current table | current / chosen | unroll 2, 4 / 1 (train) |",
             "|---|---|---|---|" + "---|" * (2 * len(timed) + 5)]
    for c in chosen:
        ratio = c["current_over_best"]
        current = ("not timed" if ratio is None
                   else f"{ratio:.3f}" + (" (slower)" if ratio > 1 + NOISE else ""))
        unroll = ", ".join(f"{c['unroll_over_one'][n]:.2f}" if n in c["unroll_over_one"] else "-"
                           for n in _UNROLL_ROWS)
        lines.append(f"| {c['cell']} | {c['B']} | {c['T']} | {c['H']} | {times(c, 'train_ms')} "
                     f"| {c['layout']} | {times(c, 'forward_ms')} | {c['current']} "
                     f"| {current} | {unroll} |")
    ratios = [c["current_over_best"] for c in chosen if c["current_over_best"] is not None]
    lines += ["", f"{len(chosen)} points; the current table's choice is at most "
              f"{max(ratios, default=1.0):.3f}x the chosen layout's training step where the "
              f"run timed it (noise: {NOISE:.0%})."]
    return "\n".join(lines)


def table_source(runs, chosen) -> str:
    """The text of `recurrent/tuning_table.py` with the choices of `runs` (finished runs'
    results, one platform) in place of their platform's (the other platforms' entries
    stay)."""
    old_sources, old_measured = rec.tuning.table()
    platform = chosen[0]["platform"]
    sources = {b: s for b, s in old_sources.items() if b != platform}
    sources[platform] = {
        "runs": [{"command": r["command"], "commit": r["provenance"]["commit"],
                  "date": r["provenance"]["date"]} for r in runs],
        "machine": runs[0]["machine"], "software": runs[0]["provenance"]["software"]}
    measured = {k: v for k, v in old_measured.items() if k[0] != platform}
    measured.update({(c["platform"], c["cell_class"], c["B"], c["T"], c["H"]): {
        "layout": c["layout"], "train_ms": {k: round(v, 3) for k, v in c["train_ms"].items()},
        "forward_ms": {k: round(v, 3) for k, v in c["forward_ms"].items()}} for c in chosen})
    return format_table(sources, measured)


def format_table(sources, measured) -> str:
    """The text of `recurrent/tuning_table.py` holding `sources` and `measured`."""
    with open(TABLE_PATH) as f:
        head = f.read().split("\nSOURCE = ")[0]
    lines = [f"{head}\nSOURCE = {pprint.pformat(sources, width=88)}\n", "MEASURED = {"]

    def times(name, values, end):  # Within 100 columns: wrapped under the brace if need be.
        prefix = f"        {name!r}: "
        text = pprint.pformat(values, width=99 - len(prefix) - len(end), sort_dicts=False)
        return [prefix + text.replace("\n", "\n" + " " * len(prefix)) + end]
    for key, entry in sorted(measured.items()):  # One point per four lines or more.
        lines += [f"    {key!r}: {{", f"        'layout': {entry['layout']!r},",
                  *times("train_ms", entry["train_ms"], ","),
                  *times("forward_ms", entry["forward_ms"], "},")]
    return "\n".join(lines) + "\n}\n"


def points_rows(workdir) -> list[dict]:
    """The in-process rows a cut run has kept in `points/` so far."""
    return [row for point in tables.kept_points(workdir, ("turns-",)).values()
            for row in point["rows"]]


def read_runs(workdirs) -> tuple[list[list[dict]], list[dict], str]:
    """`(rows, finished, platform)` of the runs in `workdirs`: each run's in-process rows,
    the results of the finished ones, and the platform all were measured on (a cut run's,
    from `points/`, is this machine's)."""
    rows, finished, platforms = [], [], {}
    for workdir in workdirs:
        path = os.path.join(workdir, "benchmark.json")
        if os.path.isfile(path):
            results = workdir_lib.read_json(path)
            finished.append(results)
            rows.append(results["rows"])
            platforms[workdir] = platform_of(results)
            continue
        kept = points_rows(workdir)
        if not kept:
            raise ConfigError(f"{path!r} does not exist and {workdir!r} has no "
                              "points/turns-*.json; expected the workdir of a benchmark run")
        rows.append(kept)
        platforms[workdir] = rec.tuning.platform()
    if len(set(platforms.values())) > 1:
        raise ConfigError("the runs were measured on different platforms ("
                          + ", ".join(f"{w}: {p}" for w, p in platforms.items())
                          + "); expected one platform's runs")
    return rows, finished, next(iter(platforms.values()))


def agreement(per_run, platform) -> str:
    """How far the runs (each one's rows) agree: per layout and point timed in every run,
    the slowest run's training step over the fastest's, and at how many points each run
    alone would choose the layout the pooled rows choose."""
    runs = [{_point(c): c for c in choices(rows, platform)} for rows in per_run]
    pooled = {_point(c): c for c in choices([r for rows in per_run for r in rows], platform)}
    points = sorted(set.intersection(*(set(run) for run in runs)))
    spread = sorted((max(times) / min(times), point, layout, times)
                    for point in points for layout in LAYOUTS
                    if all(layout in run[point]["train_ms"] for run in runs)
                    for times in [[run[point]["train_ms"][layout] for run in runs]])
    if not spread:
        return "The runs have no point and layout timed in all of them."
    ratios = [s[0] for s in spread]
    worst, (cell, batch, steps, hidden), layout, times = spread[-1]
    same = ", ".join(str(sum(run[p]["layout"] == pooled[p]["layout"] for p in points))
                     for run in runs)
    return (f"{len(spread)} layout times at {len(points)} points timed in all {len(runs)} runs: "
            f"the slowest run over the fastest is {statistics.median(ratios):.2f}x at the "
            f"median, {ratios[int(0.9 * (len(ratios) - 1))]:.2f}x at the 90th percentile and "
            f"{worst:.2f}x at most ({cell} B, T, H = {batch}, {steps}, {hidden}, {layout}: "
            + " / ".join(f"{t:.2f}" for t in times) + " ms). Each run alone chooses the "
            f"pooled layout at {same} of the {len(points)} points.")


def _point(chosen):
    return chosen["cell"], chosen["B"], chosen["T"], chosen["H"]


def main(argv) -> None:
    workdirs = [a for a in argv[1:] if a != "--write"]
    if not workdirs or len(argv) - len(workdirs) > 2:
        cli.fail("usage: python -m experiments.benchmark.tuning WORKDIR [WORKDIR ...] [--write]")
    per_run, finished, platform = read_runs(workdirs)
    rows = [row for run in per_run for row in run]
    if "--write" in argv and len(finished) < len(workdirs):
        cut = [w for w in workdirs if not os.path.isfile(os.path.join(w, "benchmark.json"))]
        cli.fail(f"{os.path.join(cut[0], 'benchmark.json')!r} does not exist: the run is not "
                 "finished, and only a finished run records the commit and machine the table "
                 "needs (rerun its command; it resumes)")
    chosen = choices(rows, platform)
    if not chosen:
        raise ConfigError(f"{', '.join(map(repr, workdirs))}: no cell and shape with both "
                          "layouts timed; run the variants batch_major and feature_major")
    print(describe(chosen))
    if len(per_run) > 1:
        print("\n" + agreement(per_run, platform))
    if "--write" in argv:
        text = table_source(finished, chosen)
        with workdir_lib.replaced(TABLE_PATH) as f:
            f.write(text)
        print(f"wrote {TABLE_PATH}")


if __name__ == "__main__":
    cli.main(main)
