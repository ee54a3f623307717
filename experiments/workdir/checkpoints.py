"""A run's orbax checkpoints: the manager, the newest checkpoint that restores, and the
metrics of a logging window cut short by a preemption (saved beside the checkpoint)."""

from __future__ import annotations

import json
import os

import numpy as np
from absl import logging

from experiments.errors import ConfigError
from experiments.workdir.files import replaced


def manager(workdir: str, train_config=None):
    """The orbax `CheckpointManager` of `WORKDIR/checkpoints/`: read-only (nothing created,
    none pruned) without `train_config`; else keeping `train.keep_checkpoints` of them."""
    import orbax.checkpoint as ocp

    options = ocp.CheckpointManagerOptions(
        max_to_keep=None if train_config is None else train_config.keep_checkpoints,
        create=train_config is not None, enable_async_checkpointing=False)
    return ocp.CheckpointManager(os.path.abspath(os.path.join(workdir, "checkpoints")),
                                 options=options)


def restore_newest(manager, template, workdir: str):
    """`(state, step)` from the newest checkpoint of `manager` that restores, or
    `(template, None)` when there is none.

    A newer checkpoint that fails to restore (truncated or overwritten files) is
    logged, moved aside to `checkpoints/corrupt-<step>` (never deleted) and skipped.
    If checkpoints exist but none restores, raises ConfigError and moves nothing."""
    import orbax.checkpoint as ocp

    failed = []
    for step in sorted(manager.all_steps(), reverse=True):
        try:
            state = manager.restore(step, args=ocp.args.StandardRestore(template))
        except Exception as e:  # noqa: BLE001 - any unreadable file: try the next one.
            failed.append((step, " ".join(str(e).split())[:300]))
            continue
        for bad, reason in failed:
            source = os.path.join(manager.directory, str(bad))
            target = os.path.join(manager.directory, f"corrupt-{bad}")
            suffix = 1
            while os.path.exists(target):
                target, suffix = os.path.join(manager.directory,
                                              f"corrupt-{bad}.{suffix}"), suffix + 1
            os.rename(source, target)
            logging.warning("checkpoint %s does not restore (%s); moved it to %s and "
                            "resumed from step %d", source, reason, target, step)
        if failed:
            manager.reload()
        return state, step
    if failed:
        steps = ", ".join(str(s) for s, _ in failed)
        raise ConfigError(
            f"no checkpoint in {os.path.join(workdir, 'checkpoints')!r} restores (steps "
            f"{steps}; newest: {failed[0][1]}); use another --workdir, or remove {workdir!r} "
            "to start over")
    return template, None


def _pending_path(workdir: str) -> str:
    return os.path.join(workdir, "checkpoints", "pending_window.json")


def save_pending_window(workdir: str, step: int, rows: list[dict]) -> None:
    """Saves the per-step metrics of a logging window cut short at `step` (by a
    preemption), so that the resumed run logs the same window mean to the last digit."""
    encoded = [{k: [np.asarray(v).item(), str(np.asarray(v).dtype)] for k, v in row.items()}
               for row in rows]
    with replaced(_pending_path(workdir)) as f:
        json.dump({"step": int(step), "rows": encoded}, f)


def load_pending_window(workdir: str, step: int) -> list[dict]:
    """The rows `save_pending_window` saved at `step` (with their dtypes), or []."""
    try:
        with open(_pending_path(workdir)) as f:
            pending = json.load(f)
    except FileNotFoundError:
        return []
    if pending.get("step") != step:
        return []
    return [{k: np.asarray(v, dtype)[()] for k, (v, dtype) in row.items()}
            for row in pending["rows"]]


def drop_pending_window(workdir: str) -> None:
    """Removes a pending window once a later checkpoint makes it useless."""
    try:
        os.remove(_pending_path(workdir))
    except FileNotFoundError:
        pass
