"""Redraws a vanishing-gradient study's plots and report from its saved arrays.

    python -m experiments.plots WORKDIR      # redraws WORKDIR/plots/ and report.md

No retraining: everything comes from WORKDIR/config.json and WORKDIR/points/*.npz
(see experiments/vanishing/plots.py for the figures).
"""

from __future__ import annotations

import os
import sys


def main(argv) -> None:
    from experiments.errors import ConfigError
    from experiments.vanishing import report

    if len(argv) != 2:
        print("error: usage: python -m experiments.plots WORKDIR", file=sys.stderr)
        sys.exit(2)
    workdir = argv[1]
    if not os.path.exists(os.path.join(workdir, "config.json")):
        print(f"error: {workdir!r} is not a study workdir (no config.json)", file=sys.stderr)
        sys.exit(2)
    try:
        report.write_outputs(workdir)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    print(f"plots and report written to {workdir}")


if __name__ == "__main__":
    main(sys.argv)
