"""The benchmark harness runs end to end on a tiny shape (no timing is asserted)."""

import json
import os

import pytest

from experiments import runner
from experiments.configs import benchmark as benchmark_config
from experiments.errors import ConfigError


def test_benchmark_writes_tables(tmp_path):
    config = benchmark_config.get_config()
    config.cells, config.shapes, config.repeats = ("gru",), ("2,5,3,4",), 2
    config.scan_cells, config.scan_lengths, config.scan_batch = ("mingru",), (16,), 2
    config.scan_width, config.scan_repeats = 4, 2
    rows = runner.run(config, str(tmp_path), command="python launch.py (test)")
    assert [(r["cell"], r["T"], r["H"]) for r in rows] == [("gru", 5, 4)]
    assert rows[0]["train_step_ms"] > 0 and rows[0]["state_grads_ms"] > 0
    with open(tmp_path / "benchmark.json") as f:
        assert json.load(f)["rows"] == rows
    table = open(tmp_path / "benchmark.md").read()
    assert "| gru | 2 | 5 | 3 | 4 |" in table and "| mingru | 16 |" in table


@pytest.mark.parametrize("key, value, message", [
    ("shapes", ("2,5,3",), "shapes entries must be 'B,T,I,H'"),
    ("cells", ("lstm", "tcn"), "unknown cell 'tcn'"),
    ("scan_cells", ("gru",), "scan_cells: 'gru' is not a registered cell with a parallel form"),
])
def test_bad_benchmark_config(tmp_path, key, value, message):
    config = benchmark_config.get_config()
    config[key] = value
    with pytest.raises(ConfigError, match=message):
        runner.run(config, str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")
