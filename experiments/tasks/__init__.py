"""Tasks: deterministic, generated data with a known chance level.

The task contract (every task in the project follows it)::

    task = make_task(config.task)             # validated; bad values raise ValueError
    batch = task.batch(seed, step, batch_size) # the same arrays for the same arguments
    evaluation = task.eval_batch(seed)         # a fixed held-out set, disjoint stream
    task.chance                                # the headline metric at chance level

A `Batch` holds NumPy arrays, batch-major, right-padded to a common length:

    inputs        [B, T] int32 token ids (or [B, T, F] float features)
    targets       [B, T] int32 target ids (or float targets)
    mask          [B, T] float32: 1 where the loss counts
    metric_mask   [B, T] float32: 1 where the headline metric (e.g. answer
                  accuracy) is read
    lengths       [B]    int32 valid lengths (padding is past them)

Because a batch is a pure function of `(seed, step)`, the data stream needs no
state of its own: a run resumed at step k sees exactly the batches an
uninterrupted run sees. A new task is one new file and one entry in `TASKS`.
"""

from __future__ import annotations

from experiments.tasks.base import Batch, Task
from experiments.tasks.italy import ItalyTask

TASKS: dict[str, type[Task]] = {
    "italy": ItalyTask,
}


def make_task(task_config) -> Task:
    """Builds the task named `task_config.name` from its config group."""
    name = task_config.name
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(sorted(TASKS))}")
    return TASKS[name].from_config(task_config)


__all__ = ["Batch", "Task", "TASKS", "make_task"]
