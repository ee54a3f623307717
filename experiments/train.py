"""`experiments.train`: the documented entry points of training, kept at this path.

    from experiments.train import train_and_evaluate, load_run

They live in `experiments.training.loop` with the rest of the loop.
"""

from experiments.training.loop import TIMING_METRICS, build, load_run, train_and_evaluate

__all__ = ["TIMING_METRICS", "build", "load_run", "train_and_evaluate"]
