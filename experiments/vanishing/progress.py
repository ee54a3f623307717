"""What a training point has recorded so far, and its checkpoint (orbax state + arrays)."""

from __future__ import annotations

import os

import numpy as np
import orbax.checkpoint as ocp
from absl import logging

from experiments import workdir as workdir_lib
from experiments.vanishing import measure

# Recorded at every measured step: by-lag norms, timescales, spectra, accuracy, and the
# dynamical instruments where the config asks for them (OPTIONAL: absent from a point
# trained before they existed, NaN at the measurements taken before a resume added them).
OPTIONAL = ("lyapunov", "sensitivity", "unit_timescales")
RECORDED = (*measure.BY_LAG, "timescales", "singular_values", "eigenvalues", "eval_accuracy",
            *OPTIONAL)


def stack_records(values: list) -> np.ndarray | None:
    """One record's measurements `[measurements, seeds, ...]`; None where it was never
    measured, NaN for the measurements without it (or with fewer entries: a smaller
    `analysis.lyapunov_exponents` before a resume)."""
    present = [np.asarray(v) for v in values if v is not None]
    if not present:
        return None
    shape = tuple(max(sizes) for sizes in zip(*(v.shape for v in present), strict=True))
    dtype = np.result_type(*present, np.float32)
    out = np.full((len(values),) + shape, np.nan, dtype)
    for i, v in enumerate(values):
        if v is not None:
            v = np.asarray(v)
            out[(i,) + tuple(slice(0, n) for n in v.shape)] = v
    return out


class Progress:
    """What a point has recorded so far; saved beside each checkpoint."""

    def __init__(self, seeds: int, budget: int):
        self.step = 0
        self.records = {key: [] for key in RECORDED}
        self.measured_steps, self.eval_steps = [], []
        self.eval_curve, self.train_loss = [], []  # [seeds] per evaluation.
        self.steps_to_solve = np.full(seeds, budget, np.int64)
        self.solved = np.zeros(seeds, bool)
        self.diverged = np.zeros(seeds, bool)  # Non-finite loss: censored, never solves.
        self.diverged_at = np.full(seeds, -1, np.int64)
        self.solve = {}  # BY_LAG key -> [seeds, lags], NaN until the seed solves.
        self.train_seconds = 0.0
        # One `provenance.describe()` (JSON) per process that trained the point.
        self.provenance = []
        # Per-step training losses [seeds] since the last evaluation: a checkpoint taken
        # between evaluations (a preemption) keeps them for the next one's mean.
        self.window_losses = []

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"records/{k}": stack_records(v) for k, v in self.records.items()
                  if stack_records(v) is not None}
        arrays.update({f"solve/{k}": v for k, v in self.solve.items()})
        arrays.update(step=np.asarray(self.step), measured_steps=np.asarray(self.measured_steps),
                      eval_steps=np.asarray(self.eval_steps),
                      eval_curve=np.asarray(self.eval_curve),
                      train_loss=np.asarray(self.train_loss),
                      steps_to_solve=self.steps_to_solve, solved=self.solved,
                      diverged=self.diverged, diverged_at=self.diverged_at,
                      train_seconds=np.asarray(self.train_seconds),
                      provenance=np.asarray(self.provenance, str),
                      window_losses=np.asarray(self.window_losses, np.float32))
        return arrays

    @classmethod
    def from_arrays(cls, arrays, seeds: int, budget: int) -> Progress:
        progress = cls(seeds, budget)
        progress.step = int(arrays["step"])
        for key in RECORDED:
            saved = arrays.get(f"records/{key}")
            progress.records[key] = ([None] * len(arrays["measured_steps"]) if saved is None
                                     else list(saved))
        progress.solve = {k: arrays[f"solve/{k}"] for k in measure.BY_LAG}
        progress.measured_steps = [int(s) for s in arrays["measured_steps"]]
        progress.eval_steps = [int(s) for s in arrays["eval_steps"]]
        progress.eval_curve = list(arrays["eval_curve"])
        progress.train_loss = list(arrays["train_loss"])
        progress.steps_to_solve = arrays["steps_to_solve"].copy()
        progress.solved = arrays["solved"].copy()
        progress.diverged = arrays["diverged"].copy()
        progress.diverged_at = arrays["diverged_at"].copy()
        progress.train_seconds = float(arrays["train_seconds"])
        progress.provenance = [str(p) for p in arrays.get("provenance", ())]
        progress.window_losses = list(arrays.get("window_losses", ()))
        return progress


class Checkpoints:
    """The orbax checkpoint of a training point's state, with its `Progress` beside it.

    The progress file is written after the state it belongs to and names its step,
    so a stop between the two restores the previous, complete pair.
    """

    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)
        self.progress_path = os.path.join(self.directory, "progress.npz")
        self.manager = self._open()

    def _open(self) -> ocp.CheckpointManager:
        return ocp.CheckpointManager(
            os.path.join(self.directory, "state"),
            options=ocp.CheckpointManagerOptions(max_to_keep=2, create=True,
                                                 enable_async_checkpointing=False))

    def restore(self, template, seeds: int, budget: int):
        """`(state, progress)` of the last complete checkpoint, or None.

        A checkpoint that does not restore (truncated or overwritten files) is logged and
        moved aside to `<directory>.corrupt` (never deleted): the point starts over, which
        gives the arrays an uninterrupted point gives."""
        if not os.path.exists(self.progress_path):
            return None
        try:
            with np.load(self.progress_path) as data:
                progress = Progress.from_arrays(dict(data), seeds, budget)
            state = self.manager.restore(progress.step,
                                         args=ocp.args.StandardRestore(template))
        except Exception as e:  # noqa: BLE001 - any unreadable file: start the point over.
            self.manager.close()
            target = self.directory + ".corrupt"
            suffix = 1
            while os.path.exists(target):
                target, suffix = f"{self.directory}.corrupt{suffix}", suffix + 1
            os.rename(self.directory, target)
            logging.warning("checkpoint %s does not restore (%s); moved it to %s, and the "
                            "point starts over", self.directory, " ".join(str(e).split())[:300],
                            target)
            self.manager = self._open()
            return None
        return state, progress

    def save(self, state, progress: Progress) -> None:
        self.manager.save(progress.step, args=ocp.args.StandardSave(state))
        self.manager.wait_until_finished()
        save_arrays(self.progress_path, progress.to_arrays())

    def close(self) -> None:
        self.manager.close()


def save_arrays(path: str, arrays: dict) -> None:
    """`np.savez_compressed`, atomically: a reader sees the old file or the whole new one."""
    with workdir_lib.replaced(path, "wb") as f:
        np.savez_compressed(f, **arrays)
