"""Tasks: deterministic, generated data with a known chance level.

The task contract (every task in the project follows it)::

    task = make_task(config.task)             # validated; bad values raise ValueError
    batch = task.batch(seed, step, batch_size) # the same arrays for the same arguments
    evaluation = task.eval_batch(seed)         # a fixed held-out set, disjoint stream
    task.chance                                # the headline metric at chance level
    task.metric, task.higher_is_better         # e.g. "eval_mse", False
    task.objective, task.output_size           # "cross_entropy", "mse" or "mdn"; readout width
    task.inputs                                # "tokens", "features" or "images"
    task.max_length                            # time steps of every batch's targets
    task.encoder_decoder, task.bos_id, task.eos_id, task.beam_size
    task.language_model, task.encode(text), task.decode(ids), task.token_separator

`Task` (tasks/base.py) documents each declaration. Code outside this folder reads tasks
through these declarations (the sketch tool also reads a stroke task's `scale`), never
through a task's name or class.

A `Batch` holds NumPy arrays, batch-major, right-padded to a common length:

    inputs        [B, T] int32 token ids, [B, T, F] float features (F is
                  `task.input_size`) or [B, S, S, C] images, as `task.inputs` says
    targets       [B, T] int32 class ids (float32 targets when `task.objective`
                  is "mse", [B, T, 3] strokes for "mdn"); T is `task.max_length`
    mask          [B, T] float32: 1 where the loss counts
    metric_mask   [B, T] float32: 1 where the headline metric (e.g. answer
                  accuracy) is read
    lengths       [B]    int32 valid lengths (padding is past them)

Because a batch is a pure function of `(seed, step)`, the data stream needs no
state of its own: a run resumed at step k sees exactly the batches an
uninterrupted run sees. A new task is one new file and one entry in `TASKS`.
"""

from __future__ import annotations

from experiments.tasks.adding import AddingTask
from experiments.tasks.base import Batch, Task
from experiments.tasks.captioning import CaptioningTask
from experiments.tasks.copying import CopyingTask
from experiments.tasks.digits import DigitsTask
from experiments.tasks.italy import ItalyTask
from experiments.tasks.sketch import SketchTask
from experiments.tasks.temporal_order import TemporalOrderTask
from experiments.tasks.text import TextTask
from experiments.tasks.translation import TranslationTask

TASKS: dict[str, type[Task]] = {
    "adding": AddingTask,
    "captioning": CaptioningTask,
    "copying": CopyingTask,
    "digits": DigitsTask,
    "italy": ItalyTask,
    "sketch": SketchTask,
    "stdlib_text": TextTask,
    "temporal_order": TemporalOrderTask,
    "translation": TranslationTask,
}


def make_task(task_config) -> Task:
    """Builds the task named `task_config.name` from its config group."""
    name = task_config.name
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(sorted(TASKS))}")
    return TASKS[name].from_config(task_config)


__all__ = ["Batch", "Task", "TASKS", "make_task"]
