"""Metrics of a run: `metrics.jsonl` (one JSON object per line) and TensorBoard."""

from __future__ import annotations

import json
import math
import os

from experiments.tensorboard import SummaryWriter


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
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.writelines(json.dumps(row) + "\n" for row in kept)
        os.replace(tmp, self.path)
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

