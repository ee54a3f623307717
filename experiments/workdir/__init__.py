"""A run's workdir: every file a run reads or writes there goes through this package.

    files.py        check_usable / check_config (before anything is written), config.json
                    (load_config, save_config), JSON and other files written whole
                    (`write_json`, `replaced`), a full disk as one line (`disk_full_stops`)
    lock.py         `Lock`: one run at a time holds a workdir
    checkpoints.py  the orbax manager, the newest checkpoint that restores, a logging
                    window cut short by a preemption
    metrics.py      metrics.jsonl and TensorBoard (`MetricWriter`, `read_metrics`)

A training run's workdir holds config.json, metrics.jsonl, tensorboard/, checkpoints/,
results.json and, while the run writes there, lock (see `experiments.training.loop`).
"""

from __future__ import annotations

from experiments.workdir.checkpoints import (
                                             drop_pending_window,
                                             load_pending_window,
                                             restore_newest,
                                             save_pending_window,
)
from experiments.workdir.files import (
                                             check_config,
                                             check_usable,
                                             config_path,
                                             disk_full_stops,
                                             has_config,
                                             is_disk_full,
                                             load_config,
                                             read_finished,
                                             read_json,
                                             replaced,
                                             save_config,
                                             write_json,
)
from experiments.workdir.lock import LOCK_NAME, Lock, WorkdirLocked, describe_holder
from experiments.workdir.metrics import MetricWriter, SummaryWriter, read_metrics

__all__ = ["LOCK_NAME", "Lock", "MetricWriter", "SummaryWriter", "WorkdirLocked",
           "check_config", "check_usable", "config_path", "describe_holder",
           "disk_full_stops", "drop_pending_window", "has_config", "is_disk_full",
           "load_config", "load_pending_window", "read_finished", "read_json", "read_metrics",
           "replaced", "restore_newest", "save_config", "save_pending_window", "write_json"]
