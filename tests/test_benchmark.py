"""The benchmark harness runs end to end on a tiny shape (no timing is asserted)."""

import json
import os

import pytest

from experiments import benchmark, runner
from experiments.configs import benchmark as benchmark_config
from experiments.errors import ConfigError


def test_benchmark_writes_tables(tmp_path):
    config = benchmark_config.get_config("quick")
    config.cells, config.shapes, config.repeats = ("lstm", "indrnn"), ("2,5,3,4",), 2
    config.peers = ("flax", "cudnn")  # torch is an optional extra; no GPU here.
    config.state_grads_cells = ("lstm",)
    config.scan_cells, config.scan_lengths, config.scan_batch = ("mingru",), (16,), 2
    config.scan_width, config.scan_repeats = 4, 2
    results = runner.run(config, str(tmp_path), command="python launch.py (test)")
    names = [(r["cell"], r["implementation"]) for r in results["rows"]]
    assert names == [
        # The LSTM runs feature-major on CPU, so its batch-major loop is a row of its own.
        ("lstm", "floor (unavoidable products)"), ("lstm", "recurrent (fused)"),
        ("lstm", "recurrent (batch_major)"), ("lstm", "recurrent (autodiff)"),
        ("lstm", "recurrent (bfloat16)"), ("lstm", "recurrent (remat)"),
        ("lstm", "flax.linen.RNN(OptimizedLSTMCell)"),
        # IndRNN is batch-major already, has no bfloat16 option and no peer.
        ("indrnn", "floor (unavoidable products)"), ("indrnn", "recurrent (fused)"),
        ("indrnn", "recurrent (autodiff)"), ("indrnn", "recurrent (remat)")]
    for row in results["rows"]:
        assert row["train_s"] > 0 and row["forward_s"] > 0
        assert row["train_tokens_per_s"] == pytest.approx(10 / row["train_s"])
        assert (row["train_page_faults"] is None) == row["implementation"].startswith("floor")
    fused = results["rows"][1]
    assert fused["compile_s"] > 0 and fused["temp_bytes"] > 0
    assert fused["train_over_floor"] == pytest.approx(
        fused["train_s"] / results["rows"][0]["train_s"])
    speedup = results["speedups"][0]["train_speedup"]["flax.linen.RNN(OptimizedLSTMCell)"]
    assert speedup == pytest.approx(results["rows"][6]["train_s"] / fused["train_s"])
    assert results["state_grads"][0]["ratio"] > 0
    with open(tmp_path / "benchmark.json") as f:
        assert json.load(f)["rows"] == results["rows"]
    table = open(tmp_path / "benchmark.md").read()
    assert "**lstm**, B=2, T=5, I=3, H=4" in table and "| mingru | 16 |" in table
    assert "feature-major" in table and "no cuDNN row" in table
    assert "host memory: " in results["machine"]


def test_floor_counts_the_faster_layout_of_each_chain():
    parts = {"recurrent_forward": 3.0, "recurrent_backward": 2.0,
             "recurrent_forward_feature_major": 1.0, "recurrent_backward_feature_major": 4.0,
             "input_projection": 0.5, "input_weight_gradient": 0.25,
             "recurrent_weight_gradient": 0.125}
    row = benchmark.floor_row(parts)
    assert row["train_s"] == 1.0 + 2.0 + 0.5 + 0.25 + 0.125
    assert row["forward_s"] == 1.0 + 0.5
    assert row["parts_s"] == parts  # The report keeps both layouts.


@pytest.mark.parametrize("key, value, message", [
    ("shapes", ("2,5,3",), "shapes entries must be 'B,T,I,H'"),
    ("variants", ("fused", "fast"),
     "variants\\[...\\] must be one of fused, batch_major, autodiff"),
    ("peers", ("keras",), "peers\\[...\\] must be one of flax, torch, cudnn"),
    ("cells", ("lstm", "tcn"), "unknown cell 'tcn'"),
    ("scan_cells", ("gru",), "scan_cells: 'gru' is not a registered cell with a parallel form"),
])
def test_bad_benchmark_config(tmp_path, key, value, message):
    config = benchmark_config.get_config()
    config[key] = value
    with pytest.raises(ConfigError, match=message):
        runner.run(config, str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")
