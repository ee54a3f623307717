"""Metrics of a run: `metrics.jsonl` (one JSON object per line) and TensorBoard event files
(through tensorboardX, no TensorFlow needed)."""

from __future__ import annotations

import json
import math
import os
import time

from tensorboardX import SummaryWriter as _EventWriter

from experiments.workdir.files import replaced


def read_metrics(path: str) -> list[dict]:
    """The complete lines of a metrics file (a torn last line is skipped)."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return rows


class MetricWriter:
    """Appends metrics to `workdir/metrics.jsonl` and `workdir/tensorboard/`.

    On resume from a checkpoint at `resume_step`, lines for later steps (written
    by the interrupted run after its last checkpoint) are dropped first, so a
    resumed run's file equals that of a run never interrupted. With
    `primary=False` (every process but process 0 of a multi-process run) it
    only reads those rows and writes nothing.
    """

    def __init__(self, workdir: str, resume_step: int = 0, primary: bool = True):
        self.path = os.path.join(workdir, "metrics.jsonl")
        kept = [row for row in read_metrics(self.path) if row["step"] <= resume_step]
        self.rows = kept  # The rows kept from earlier sessions of the run.
        self.primary = primary
        if not primary:
            return
        with replaced(self.path) as f:
            f.writelines(json.dumps(row) + "\n" for row in kept)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        # Purge what an interrupted run logged after its checkpoint (steps > resume_step);
        # the checkpoint's own step stays, as it does in metrics.jsonl.
        self._tensorboard = SummaryWriter(os.path.join(workdir, "tensorboard"),
                                          start_step=resume_step + 1)

    def write(self, step: int, metrics: dict[str, float]) -> None:
        if not self.primary:
            return
        row = {"step": int(step)}
        row.update({k: float(v) for k, v in metrics.items()})
        line = json.dumps({k: (v if isinstance(v, int) or math.isfinite(v) else str(v))
                           for k, v in row.items()}) + "\n"
        self._append(line.encode())
        self._tensorboard.scalars(step, metrics)
        self._tensorboard.flush()

    def _append(self, data: bytes) -> None:
        """Appends whole lines or nothing: a failed write (a full disk) is cut back off."""
        end = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        except OSError:
            os.ftruncate(self._fd, end)
            raise

    def close(self) -> None:
        if not self.primary:
            return
        os.close(self._fd)
        self._tensorboard.close()


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
