"""Preemption: SIGTERM and SIGINT end a run at a step boundary, with a checkpoint.

Clusters send SIGTERM before they kill a job (SLURM at its time limit or on
preemption, Kubernetes on eviction, TPU VMs before maintenance). Inside
`deferred()`, the first such signal only records itself; the training loop sees
`stop.requested` after its current step, saves a checkpoint and its metrics and
raises `Preempted`, and `launch.py` exits with `128 + signal` (143 for SIGTERM,
130 for SIGINT, as shells report them). Signals that arrive while it saves are
logged and ignored, so they cannot tear the checkpoint. Rerunning the same
command resumes.
"""

from __future__ import annotations

import contextlib
import signal
import threading

from absl import logging

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Preempted(Exception):  # noqa: N818 - a stop that was asked for, not an error.
    """A run stopped by a signal after saving its checkpoint."""

    def __init__(self, signum: int, step: int, where: str):
        self.signum, self.step, self.where = signum, step, where
        super().__init__(f"stopped by {signal.Signals(signum).name} at step {step}; the "
                         f"checkpoint is saved in {where}: rerun the same command to resume")

    def __reduce__(self):  # Raised in a study's worker process, re-raised in the parent.
        return Preempted, (self.signum, self.step, self.where)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class Stop:
    """What `deferred()` yields: `requested` is the first signal received, or None."""

    def __init__(self):
        self.requested: int | None = None

    def _handle(self, signum, frame) -> None:
        if self.requested is None:
            self.requested = signum
            logging.warning("received %s: stopping after this step, with a checkpoint",
                            signal.Signals(signum).name)
        else:
            logging.warning("received %s again: already stopping, the checkpoint is being "
                            "written", signal.Signals(signum).name)


_active: Stop | None = None  # The innermost `deferred()` (or `install()`) of this process.


def requested() -> int | None:
    """The signal that asked this process to stop, or None (also outside `deferred()`)."""
    return None if _active is None else _active.requested


def install() -> Stop:
    """Defers SIGTERM and SIGINT for the rest of this process (a study's worker)."""
    global _active
    _active = Stop()
    for s in SIGNALS:
        signal.signal(s, _active._handle)
    return _active


@contextlib.contextmanager
def deferred():
    """Defers SIGTERM and SIGINT to the loop's next step boundary (see module doc).
    Outside the main thread, where Python cannot install handlers, it changes nothing."""
    global _active
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {s: signal.signal(s, stop._handle) for s in SIGNALS}
    outer, _active = _active, stop
    try:
        yield stop
    finally:
        _active = outer
        for s, handler in previous.items():
            signal.signal(s, handler)
