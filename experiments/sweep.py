"""Sweeps: a grid of training runs (cells x lengths x learning rates x seeds) from one config.

    python launch.py --config=experiments/configs/adding.py:sweep --workdir=runs/adding
    python launch.py --config=experiments/configs/adding.py:sweep --workdir=runs/adding \
        --sweep_index=4           # only grid point 4: one task of a cluster array job
    python launch.py --config=experiments/configs/adding.py:sweep --sweep_list
    python -m experiments.aggregate runs/adding

A config is a sweep when any axis of its `sweep` group is non-empty (see
`experiments.configs.common.sweep`). Point `i` of the grid trains in
`WORKDIR/<name>/` (e.g. `lstm_T200_seed1`) exactly as the single run whose
flags `--sweep_list` prints, so a point can be rerun or resumed on its own.
`WORKDIR/sweep.json` records the grid. Run without `--sweep_index`, the whole
grid trains one point after another (finished points are skipped, an
interrupted one resumes) and is then aggregated into `WORKDIR/summary.*`; when every
point finished, `WORKDIR/results.json` holds the grid's numbers (`aggregate.results`), which
`launch.py --record=NAME` enters in the results registry.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import numbers
import os
from typing import Any

import jax
import ml_collections
from absl import logging

from experiments import models
from experiments import workdir as workdir_lib
from experiments.errors import ConfigError, NonFiniteLossError
from experiments.training import loop

# (sweep axis, the config key it sets, the prefix of its part of a point's name)
AXES = (("cells", "model.cell", ""), ("lengths", "task.length", "T"),
        ("learning_rates", "train.learning_rate", "lr"), ("seeds", "seed", "seed"))


@dataclasses.dataclass(frozen=True)
class Point:
    """One run of a sweep: its index in the grid, workdir name and config overrides."""

    index: int
    name: str
    overrides: dict[str, Any]

    def flags(self) -> str:
        """The launch.py flags that turn the sweep's config into this point's run."""
        return " ".join(f"--config.{key}={value}" for key, value in self.overrides.items())

    def config(self, sweep_config) -> ml_collections.ConfigDict:
        """This point's config: the sweep's config with its overrides, as a single run."""
        config = ml_collections.ConfigDict(sweep_config.to_dict())
        for key, value in self.overrides.items():
            group, _, field = key.rpartition(".")
            (config[group] if group else config)[field] = value
        for axis, _, _ in AXES:
            config.sweep[axis] = ()
        return ml_collections.ConfigDict(config.to_dict())


def is_sweep(config) -> bool:
    return "sweep" in config and any(config.sweep[axis] for axis, _, _ in AXES)


def _check_axis(config, axis: str, key: str) -> tuple:
    values = config.sweep[axis]
    if not isinstance(values, (tuple, list)):
        raise ConfigError(f"sweep.{axis} must be a tuple such as '(1, 2)', got {values!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"sweep.{axis} repeats a value: {tuple(values)!r}")
    for value in values:
        if axis == "cells":
            ok = isinstance(value, str)
        elif axis == "learning_rates":
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0
        else:
            ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if not ok:
            raise ConfigError(f"sweep.{axis} holds {value!r}; expected "
                              + {"cells": "cell specs (strings)",
                                 "learning_rates": "numbers > 0"}.get(axis, "integers"))
    if values and axis == "lengths" and "length" not in config.task:
        raise ConfigError(f"sweep.lengths sets task.length, which task {config.task.name!r} "
                          "does not have")
    return tuple(values)


def points(config) -> list[Point]:
    """The grid of `config.sweep`, in order: cells, then lengths, learning rates, seeds."""
    axes = [(key, prefix, _check_axis(config, axis, key)) for axis, key, prefix in AXES]
    axes = [(key, prefix, values) for key, prefix, values in axes if values]
    grid = []
    for index, combination in enumerate(itertools.product(*(v for _, _, v in axes))):
        overrides = {key: value for (key, _, _), value in zip(axes, combination, strict=True)}
        name = "_".join(models.cell_slug(str(value)) if key == "model.cell" else
                        f"{prefix}{value:g}" if isinstance(value, float) else f"{prefix}{value}"
                        for (key, prefix, _), value in zip(axes, combination, strict=True))
        grid.append(Point(index, name, overrides))
    return grid


def listing(config) -> str:
    """One line per point: index, workdir name, flags (for `--sweep_list`)."""
    return "\n".join(f"{p.index}\t{p.name}\t{p.flags()}" for p in points(config))


def _validate(config, grid: list[Point], index: int | None) -> None:
    if config.experiment != "train":
        raise ConfigError(f"config.sweep applies to experiment 'train'; this config runs "
                          f"{config.experiment!r} (leave config.sweep empty)")
    if index is not None and not 0 <= index < len(grid):
        raise ConfigError(f"--sweep_index={index} is out of range; the sweep has {len(grid)} "
                          f"points (0-{len(grid) - 1})")
    for point in grid if index is None else [grid[index]]:
        try:
            loop.build(point.config(config))
        except ConfigError as e:
            raise ConfigError(f"sweep point {point.name}: {e}") from None


def _record_grid(config, grid: list[Point], workdir: str) -> None:
    """Writes `sweep.json`, or checks that the one there describes the same sweep."""
    workdir_lib.check_usable(workdir)
    record = {"config": json.loads(config.to_json()),
              "points": [{"index": p.index, "name": p.name, "overrides": p.overrides}
                         for p in grid]}
    path = os.path.join(workdir, "sweep.json")
    if os.path.exists(path):
        saved = workdir_lib.read_json(path)
        saved["config"]["train"].pop("steps", None)
        current = json.loads(json.dumps(record))
        current["config"]["train"].pop("steps", None)
        if saved != current:
            raise ConfigError(f"workdir {workdir!r} holds a different sweep (its sweep.json "
                              "differs); use a new --workdir to start a new sweep")
    for point in grid:  # Point workdirs that exist must hold the same runs.
        workdir_lib.check_config(point.config(config), os.path.join(workdir, point.name))
    os.makedirs(workdir, exist_ok=True)
    if jax.process_index() != 0:  # A multi-process run: process 0 writes.
        return
    # Array-job tasks may write it at once: each writes its own file, then renames.
    workdir_lib.write_json(path, record, sort_keys=False)


def run(config, workdir: str, index: int | None = None, command: str | None = None):
    """Runs the whole sweep (then aggregates it), or only point `index`.

    Returns:
      The point's results for one point; the aggregated summary otherwise.
    """
    grid = points(config)
    _validate(config, grid, index)
    _record_grid(config, grid, workdir)
    if index is not None:
        point = grid[index]
        logging.info("Sweep point %d of %d: %s (%s)", index, len(grid), point.name,
                     point.flags())
        return loop.train_and_evaluate(point.config(config),
                                        os.path.join(workdir, point.name))
    failures = []
    for point in grid:
        logging.info("Sweep point %d of %d: %s (%s)", point.index, len(grid), point.name,
                     point.flags())
        try:
            loop.train_and_evaluate(point.config(config),
                                     os.path.join(workdir, point.name))
        except NonFiniteLossError as e:
            logging.warning("Sweep point %s stopped: %s", point.name, e)
            failures.append(f"{point.name} ({e})")
    from experiments import aggregate
    summary = aggregate.write(workdir, command=command) if jax.process_index() == 0 else []
    if not failures and jax.process_index() == 0:  # The whole grid, as `--record` reads it.
        workdir_lib.write_json(os.path.join(workdir, "results.json"), aggregate.results(workdir))
    if failures:
        raise NonFiniteLossError(f"{len(failures)} of {len(grid)} sweep points stopped on a "
                                 f"non-finite loss: {'; '.join(failures)}. The others are "
                                 f"aggregated in {workdir}")
    return summary
