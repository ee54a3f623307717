"""The measured table behind `rec.tuning` (generated; do not edit by hand).

Written by `python -m experiments.benchmark.tuning WORKDIR --write` from the in-process
rows of a benchmark run. `SOURCE` gives per backend the run's command, commit, date,
machine and software; `MEASURED` maps (backend, cell class, B, T, H) to the faster layout
of the training step there and the medians it was chosen from (ms).
"""

SOURCE = {}

MEASURED = {}
