"""Sweeps: the grid, one point per process (--sweep_index), aggregation, bad input."""

import csv
import json
import os
import subprocess
import sys

import pytest

from experiments import aggregate, registry, runner, sweep
from experiments.configs import adding as adding_config
from experiments.configs import copying as copying_config
from experiments.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_sweep(**axes):
    config = adding_config.get_config()
    config.task.update(length=6, eval_size=32)
    config.model.update(hidden_size=4)
    config.train.update(steps=4, batch_size=8, log_every=2, eval_every=2, checkpoint_every=2)
    config.sweep.update(axes)
    return config


def test_grid_order_names_and_point_configs():
    config = tiny_sweep(cells=("rnn", "lstm:chrono_t_max=8"), lengths=(6, 9),
                        learning_rates=(0.01,), seeds=(0, 1))
    grid = sweep.points(config)
    assert len(grid) == 8
    assert [p.name for p in grid[:3]] == ["rnn_T6_lr0.01_seed0", "rnn_T6_lr0.01_seed1",
                                          "rnn_T9_lr0.01_seed0"]
    assert grid[-1].name == "lstm-chrono_t_max-8_T9_lr0.01_seed1"
    assert grid[-1].flags() == ("--config.model.cell=lstm:chrono_t_max=8 "
                                "--config.task.length=9 --config.train.learning_rate=0.01 "
                                "--config.seed=1")
    point = grid[-1].config(config)
    assert (point.model.cell, point.task.length, point.seed) == ("lstm:chrono_t_max=8", 9, 1)
    assert not sweep.is_sweep(point) and sweep.is_sweep(config)
    assert config.model.cell == "lstm"  # The sweep's own config is left as it was.
    assert not sweep.is_sweep(adding_config.get_config())
    assert len(sweep.points(copying_config.get_config("sweep"))) == 18


def test_sweep_points_in_separate_calls_then_aggregate(tmp_path):
    """Points run one per call (as an array job runs them), then the aggregation step."""
    config = tiny_sweep(cells=("rnn", "gru"), seeds=(0, 1))
    workdir = str(tmp_path / "sweep")
    for index in range(4):
        results = runner.run(config, workdir, sweep_index=index)
        assert results["metric"] == "eval_mse" and results["step"] == 4
        assert results["wall_seconds"] > 0
    names = sorted(p for p in os.listdir(workdir) if os.path.isdir(os.path.join(workdir, p)))
    assert names == ["gru_seed0", "gru_seed1", "rnn_seed0", "rnn_seed1"]
    with open(os.path.join(workdir, "sweep.json")) as f:
        assert len(json.load(f)["points"]) == 4

    rows = aggregate.write(workdir, command="test")
    assert [(r["cell"], r["seeds"], r["length"]) for r in rows] == [("gru", 2, 6), ("rnn", 2, 6)]
    for row in rows:
        assert row["metric"] == "eval_mse" and row["baseline"] == pytest.approx(1 / 6)
        assert row["min"] <= row["mean"] <= row["max"] and row["steps"] == 4
        runs = []
        for seed in (0, 1):
            with open(os.path.join(workdir, f"{row['cell']}_seed{seed}", "results.json")) as f:
                runs.append(json.load(f)["eval_mse"])
        assert row["mean"] == pytest.approx(sum(runs) / 2)
    with open(os.path.join(workdir, "summary.csv")) as f:
        assert len(list(csv.DictReader(f))) == 2
    with open(os.path.join(workdir, "summary.md")) as f:
        table = f.read()
    assert "Produced by `test`" in table and "| adding | 6 | gru |" in table
    plots = sorted(os.listdir(os.path.join(workdir, "plots")))
    assert plots == ["adding_T6_curves.pdf", "adding_T6_curves.png", "adding_vs_length.pdf",
                     "adding_vs_length.png"]

    # A different grid in the same workdir is refused before anything is written.
    with pytest.raises(ConfigError, match="holds a different sweep"):
        runner.run(tiny_sweep(cells=("rnn",), seeds=(0, 1)), workdir, sweep_index=0)


def test_one_point_sweep_runs_end_to_end_and_aggregates(tmp_path):
    workdir = str(tmp_path / "one")
    rows = runner.run(tiny_sweep(cells=("lstm",)), workdir)
    assert len(rows) == 1 and rows[0]["cell"] == "lstm" and rows[0]["seeds"] == 1
    assert os.path.exists(os.path.join(workdir, "lstm", "results.json"))
    assert os.path.exists(os.path.join(workdir, "summary.md"))
    # Running it again finds every point finished and only re-aggregates.
    assert runner.run(tiny_sweep(cells=("lstm",)), workdir) == rows
    # The whole grid's numbers, recorded as one registry entry and quoted from it.
    with open(os.path.join(workdir, "results.json")) as f:
        results = json.load(f)
    key = aggregate.row_key(rows[0])
    assert key == "adding_T6_lstm_lr0.003"
    assert results["summary"][key]["mean"] == rows[0]["mean"]
    assert results["points"] == {"lstm": rows[0]["mean"]}
    assert results["total_wall_seconds"] == pytest.approx(rows[0]["wall_seconds"])
    directory = str(tmp_path / "registry")
    registry.record("sweep", ["--config=x"], os.path.join(workdir, "results.json"), 1e6,
                    directory=directory)
    entry = registry.load("sweep", directory)
    assert entry["wall_seconds"] == round(rows[0]["wall_seconds"], 1)  # The points' time.
    assert entry["metrics"][f"summary/{key}/max"] == rows[0]["max"]
    quoted = registry.quoted_numbers(aggregate.markdown(rows, entry="sweep"))
    assert len(quoted) == 6  # mean, std, min, max, baseline, mean / baseline.
    for number, name, metric, spec in quoted:
        assert name == "sweep"
        assert number == registry.format_value(entry["metrics"][metric], spec)


@pytest.mark.parametrize("axes, message", [
    ({"seeds": (0, 0)}, "sweep.seeds repeats a value"),
    ({"learning_rates": (-1.0,)}, "sweep.learning_rates holds -1.0; expected numbers > 0"),
    ({"cells": ("rnn,lstm",)}, "sweep point rnn-lstm: unknown cell"),
])
def test_bad_sweeps_are_refused_before_anything_is_written(tmp_path, axes, message):
    workdir = str(tmp_path / "bad")
    with pytest.raises(ConfigError, match=message):
        runner.run(tiny_sweep(**axes), workdir)
    assert not os.path.exists(workdir)


def test_sweep_index_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"--sweep_index=5 is out of range; the sweep has 2 "
                                          r"points \(0-1\)"):
        runner.run(tiny_sweep(seeds=(0, 1)), str(tmp_path / "a"), sweep_index=5)
    with pytest.raises(ConfigError, match="needs a config with sweep axes"):
        runner.run(tiny_sweep(), str(tmp_path / "b"), sweep_index=0)
    assert not os.listdir(tmp_path)


def test_sweep_list_and_aggregate_cli(tmp_path):
    out = subprocess.run(
        [sys.executable, "launch.py", "--config=experiments/configs/adding.py:sweep",
         "--sweep_list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 27
    assert lines[12].split("\t") == ["12", "lstm_T200_seed0", "--config.model.cell=lstm "
                                     "--config.task.length=200 --config.seed=0"]
    out = subprocess.run([sys.executable, "-m", "experiments.aggregate", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.strip().startswith("error: ")
    assert "holds no finished runs" in out.stderr and "Traceback" not in out.stderr
