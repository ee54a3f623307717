"""Prints a table of finished runs side by side.

    python -m experiments.compare runs/italy-rnn runs/italy-lstm
"""

from __future__ import annotations

import json
import os
import sys


def table(workdirs: list[str]) -> str:
    """A markdown table of each run's cell, gap, steps and final evaluation."""
    lines = ["| run | cell | gap | steps | eval answer accuracy | chance |",
             "|---|---|---|---|---|---|"]
    for workdir in workdirs:
        with open(os.path.join(workdir, "config.json")) as f:
            config = json.load(f)
        with open(os.path.join(workdir, "results.json")) as f:
            results = json.load(f)
        lines.append(
            f"| {workdir} | {config['model']['cell']} | {config['task']['gap']} "
            f"| {results['step']} | {results['eval_answer_accuracy']:.3f} "
            f"| {results['chance']:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m experiments.compare WORKDIR [WORKDIR ...]")
    missing = [w for w in sys.argv[1:] if not os.path.exists(os.path.join(w, "results.json"))]
    if missing:
        sys.exit(f"error: no finished run (results.json) in {', '.join(missing)}")
    print(table(sys.argv[1:]))
