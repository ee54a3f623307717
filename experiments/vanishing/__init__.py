"""The vanishing-gradient study: learning time against gap, and the gradients that explain it.

  study.py    the driver: checks the config, trains the missing points, writes the report
  training.py one (cell, gap) point trained until solved or out of budget, checkpointed, saved
  workers.py  the worker processes that train points side by side, and their watchdog
  points.py   one point's config, measured steps, padded batches and compiled programs
  progress.py what a training point has recorded, and its checkpoint
  measure.py  the gradient measurements of every seed of a point, in one program
  report.py   results.json and report.md from the saved arrays
  plots.py    the figures, from the saved arrays alone
  step_benchmark.py  the study's training step against PyTorch (a benchmark row)

Config: experiments/configs/vanishing.py. Redraw a study's outputs with
`python -m experiments.plots WORKDIR`.
"""

from experiments.vanishing.points import measurement_steps, point_config, seeds_of
from experiments.vanishing.report import load_points, point_path, summarize, write_outputs
from experiments.vanishing.study import run_study, validate
from experiments.vanishing.training import train_point

__all__ = ["load_points", "measurement_steps", "point_config", "point_path", "run_study",
           "seeds_of", "summarize", "train_point", "validate", "write_outputs"]
