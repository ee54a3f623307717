"""The tables of a benchmark run so far, from the points it kept.

    python -m experiments.benchmark.tables WORKDIR [OUT]

writes `OUT/benchmark.md` (`report.py`'s tables) and the heatmaps `OUT/plots/speed_*.png`
of a run that keeps its points (`config.resume`: `:shapes`, `:tuning`), finished or cut,
from `WORKDIR/points/` alone (OUT defaults to WORKDIR). A grid that runs for hours can be
read, and its finished lengths published, while it runs; rerunning the grid's own command
resumes it and writes the final tables.
"""

from __future__ import annotations

import os
import types

from experiments import cli, provenance
from experiments import workdir as workdir_lib
from experiments.benchmark import figures, implementations, report, separate, throughput
from experiments.benchmark.throughput import shape_key
from experiments.errors import ConfigError


def software() -> dict[str, str]:
    """This environment's versions, PyTorch's among them (a peer, not a dependency)."""
    torch = implementations.torch_version()
    return {**provenance.software(), "torch": "not installed" if torch is None else
            f"{torch[0]} ({torch[1]} threads)"}


def kept_points(workdir: str, prefixes=("turns-", "own-")) -> dict[str, dict]:
    """The points a run has kept in `WORKDIR/points/` so far whose names start with one of
    `prefixes` ("turns-": in-process, "own-": per-process), by file name."""
    directory = os.path.join(workdir, "points")
    names = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
    return {name: workdir_lib.read_json(os.path.join(directory, name)) for name in names
            if name.startswith(tuple(prefixes))}


def from_points(workdir: str) -> tuple[dict, types.SimpleNamespace]:
    """The results (and the settings `markdown` reads) of the points a run kept so far."""
    kept = kept_points(workdir)
    if not kept:
        raise ConfigError(f"{os.path.join(workdir, 'points')!r} holds no points (turns-*.json, "
                          "own-*.json); expected the workdir of a benchmark run with "
                          "config.resume")
    settings = [point["settings"] for point in kept.values()]
    machines = sorted({s.get("machine", "machine not recorded") for s in settings})
    rows = [r for name, p in kept.items() if name.startswith("turns-") for r in p["rows"]]
    own = [r for name, p in kept.items() if name.startswith("own-") for r in p["rows"]]
    order = {cell: i for i, cell in enumerate(("lstm", "gru", "rnn"))}

    def position(row):  # Cell, then T, B and H: the grid's order.
        return order.get(row["cell"], len(order)), row["T"], row["B"], row["H"], row["I"]

    rows.sort(key=position)  # Stable: a shape's rows stay in their measured order.
    own.sort(key=position)
    shapes = len({shape_key(r) for r in rows} | {shape_key(r) for r in own})
    results = {
        "command": f"python -m experiments.benchmark.tables {workdir}",
        "machine": "; ".join(machines) + "; the in-turn points ran under the host-memory "
                   "policy of the launch.py that measured them (by default launch.py's: "
                   "freed memory kept for reuse)",
        "software": software(),
        "notes": [f"Read from {len(kept)} kept points ({shapes} cells x shapes) of the run in "
                  f"{workdir}; a cut run's tables hold only what it finished."],
        "rows": rows, "speedups": throughput.speedups(rows), "separate_rows": own,
        "separate_ratios": separate.ratios(own), "state_grads": [], "scan_rows": [],
        "newton_rows": [], "newton_trained": [], "profiles": [], "study_step": []}
    return results, types.SimpleNamespace(repeats=settings[0]["repeats"])


def main(argv) -> None:
    if len(argv) not in (2, 3):
        cli.fail("usage: python -m experiments.benchmark.tables WORKDIR [OUT]")
    workdir = argv[1]
    out = argv[2] if len(argv) == 3 else workdir
    results, settings = from_points(workdir)
    results["plots"] = figures.speed_heatmaps(results["separate_ratios"],
                                              os.path.join(out, "plots"))
    os.makedirs(out, exist_ok=True)
    with workdir_lib.replaced(os.path.join(out, "benchmark.md")) as f:
        f.write(report.markdown(results, settings))
    print(f"wrote {os.path.join(out, 'benchmark.md')} and {len(results['plots'])} heatmaps "
          f"from the points in {workdir}")


if __name__ == "__main__":
    cli.main(main)
