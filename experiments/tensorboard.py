"""TensorBoard scalars for a run's metrics, through tensorboardX (no TensorFlow needed)."""

from __future__ import annotations

import os
import time

from tensorboardX import SummaryWriter as _EventWriter


class SummaryWriter:
    """Appends scalar summaries to a new event file in `logdir`.

    The file starts with a SessionLog START at `start_step` (tensorboardX's `purge_step`):
    TensorBoard then discards every point of earlier files at that step or later, those an
    interrupted run logged after its checkpoint.
    """

    def __init__(self, logdir: str, *, start_step: int = 0):
        # A unique suffix: a run resumed within the same second gets a file of its own.
        self._writer = _EventWriter(logdir, purge_step=start_step,
                                    filename_suffix=f".{os.getpid()}.{time.time_ns()}")

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Writes one scalar per tag at `step`."""
        for tag, value in values.items():
            self._writer.add_scalar(tag, float(value), step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
