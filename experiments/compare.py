"""Prints a table of finished runs side by side.

    python -m experiments.compare runs/italy-rnn runs/italy-lstm runs/adding

Each run's headline metric (the one its task names in results.json) is shown
beside the task's chance or baseline level. For a sweep's statistics over
seeds, use `python -m experiments.aggregate SWEEPDIR`.
"""

from __future__ import annotations

import os

from experiments import cli
from experiments import workdir as workdir_lib


def table(workdirs: list[str]) -> str:
    """A markdown table of each run's task, cell, length or gap, steps and final evaluation."""
    lines = ["| run | task | cell | T / gap | steps | metric | value | chance |",
             "|---|---|---|---|---|---|---|---|"]
    for workdir in workdirs:
        config, results = workdir_lib.read_finished(workdir)
        metric = results.get("metric", "eval_answer_accuracy")
        task = config["task"]
        length = task.get("length", task.get("gap", "-"))
        lines.append(
            f"| {workdir} | {task['name']} | {config['model']['cell']} | {length} "
            f"| {results['step']} | {metric} | {results[metric]:.4g} "
            f"| {results['chance']:.4g} |")
    return "\n".join(lines)


def main(argv) -> None:
    if len(argv) < 2:
        cli.fail("usage: python -m experiments.compare WORKDIR [WORKDIR ...]")
    missing = [w for w in argv[1:] if not os.path.exists(os.path.join(w, "results.json"))]
    if missing:
        cli.fail(f"no finished run (results.json) in {', '.join(missing)}")
    print(table(argv[1:]))


if __name__ == "__main__":
    cli.main(main)
