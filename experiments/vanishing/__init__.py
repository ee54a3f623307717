"""The vanishing-gradient study: learning time against gap, and the gradients that explain it.

  study.py    the driver: trains each (cell, gap) point until solved or out of budget
  measure.py  the gradient measurements of every seed of a point, in one program
  report.py   results.json and report.md from the saved arrays
  plots.py    the figures, from the saved arrays alone

Config: experiments/configs/vanishing.py. Redraw a study's outputs with
`python -m experiments.plots WORKDIR`.
"""

from experiments.vanishing.report import load_points, point_path, summarize, write_outputs
from experiments.vanishing.study import (
    measurement_steps,
    point_config,
    run_study,
    seeds_of,
    train_point,
    validate,
)

__all__ = ["load_points", "measurement_steps", "point_config", "point_path", "run_study",
           "seeds_of", "summarize", "train_point", "validate", "write_outputs"]
