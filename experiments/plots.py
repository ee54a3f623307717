"""Redraws a vanishing-gradient study's plots and report from its saved arrays.

    python -m experiments.plots WORKDIR      # redraws WORKDIR/plots/ and report.md

No retraining: everything comes from WORKDIR/config.json and WORKDIR/points/*.npz
(see experiments/vanishing/plots.py for the figures).
"""

from __future__ import annotations

from experiments import cli
from experiments import workdir as workdir_lib


def main(argv) -> None:
    from experiments.vanishing import report

    if len(argv) != 2:
        cli.fail("usage: python -m experiments.plots WORKDIR")
    workdir = argv[1]
    if not workdir_lib.has_config(workdir):
        cli.fail(f"{workdir!r} is not a study workdir (no config.json)")
    report.write_outputs(workdir)  # A ConfigError is one line (cli.main).
    print(f"plots and report written to {workdir}")


if __name__ == "__main__":
    cli.main(main)
