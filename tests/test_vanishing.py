"""The vanishing-gradient study: vmapped seeds, outputs, regenerable plots, resume."""

import json
import os

import numpy as np
import pytest

from experiments import plots, runner, vanishing
from experiments.configs import vanishing as vanishing_config
from experiments.errors import ConfigError
from recurrent import analysis


def tiny_config():
    config = vanishing_config.get_config("small")
    config.study.cells, config.study.gaps, config.study.seeds = ("rnn", "lstm"), (3,), 2
    config.task.eval_size = 16
    config.model.hidden_size, config.model.embed_size = 8, 8
    config.train.update(steps=12, batch_size=8, learning_rate=1e-2)
    config.analysis.update(measurements=3, examples=8, jacobian_examples=2, power_iterations=2)
    return config


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("study"))
    summary = runner.run(tiny_config(), workdir, command="python launch.py (test)")
    return workdir, summary


def test_vmapped_seeds_equal_seeds_run_one_at_a_time(study):
    with np.load(os.path.join(study[0], "points", "lstm_gap3.npz")) as data:
        together = dict(data)
    # The second seed alone (one compile, not two): it must not see the first seed's slot.
    alone = vanishing.train_point(tiny_config(), "lstm", 3, [1])
    for key in ("grad_norms", "jac_spectral", "jac_frobenius", "eval_accuracy",
                "singular_values", "timescales"):
        np.testing.assert_allclose(together[key][1], alone[key][0], rtol=2e-4, atol=1e-7,
                                   err_msg=key)
    # The two seeds really differ (different init and data).
    assert not np.allclose(together["grad_norms"][0], together["grad_norms"][1])


def test_study_writes_arrays_results_report_and_plots(study):
    workdir, summary = study
    assert sorted(os.listdir(os.path.join(workdir, "points"))) == ["lstm_gap3.npz", "rnn_gap3.npz"]
    with np.load(os.path.join(workdir, "points", "lstm_gap3.npz")) as p:
        assert p["grad_norms"].shape == (2, 3, 3 + 5)  # seeds, measurements, lags 0..T-1
        assert list(p["measured_steps"]) == [0, 6, 12]
        assert int(p["gap"]) == 3 and p["eigenvalues"].shape == (2, 3, 4, 8)
        horizon = analysis.gradient_horizon(p["grad_norms"], 1e-2)
    with open(os.path.join(workdir, "results.json")) as f:
        results = json.load(f)
    assert results["points"]["lstm/gap3"]["horizon_trained"] == float(np.median(horizon[:, -1]))
    assert results["command"] == "python launch.py (test)"
    assert set(results["cells"]) == {"rnn", "lstm"}
    report = open(os.path.join(workdir, "report.md")).read()
    assert "| lstm | 3 |" in report and "python launch.py (test)" in report
    for name in ("gradient_norms", "gradient_heatmap", "accuracy_vs_gap", "jacobian_norms",
                 "spectrum"):
        for ext in ("png", "pdf"):
            assert os.path.getsize(os.path.join(workdir, "plots", f"{name}.{ext}")) > 1000


def test_plots_and_report_regenerate_from_the_arrays(study):
    workdir, _ = study
    before = open(os.path.join(workdir, "report.md")).read()
    for name in os.listdir(os.path.join(workdir, "plots")):
        os.remove(os.path.join(workdir, "plots", name))
    os.remove(os.path.join(workdir, "report.md"))
    plots.main(["plots", workdir])
    assert len(os.listdir(os.path.join(workdir, "plots"))) == 10
    assert open(os.path.join(workdir, "report.md")).read() == before


def test_interrupted_study_recomputes_only_missing_points(study):
    workdir, summary = study
    kept = os.path.join(workdir, "points", "rnn_gap3.npz")
    redone = os.path.join(workdir, "points", "lstm_gap3.npz")
    stamp = os.stat(kept).st_mtime_ns
    with np.load(redone) as p:
        original = dict(p)
    os.remove(redone)
    again = runner.run(tiny_config(), workdir)
    assert os.stat(kept).st_mtime_ns == stamp
    with np.load(redone) as p:
        np.testing.assert_array_equal(p["grad_norms"], original["grad_norms"])
    assert again["points"] == summary["points"]


@pytest.mark.parametrize("key, value, message", [
    ("study.cells", ("rnn", "tcn"), "study.cells: unknown cell 'tcn'"),
    ("study.gaps", (4, 0), r"study.gaps\[...\] must be an integer >= 1, got 0"),
    ("study.seeds", 0, "study.seeds must be an integer >= 1, got 0"),
    ("analysis.jacobian_examples", 100, "analysis.jacobian_examples .* must not exceed"),
])
def test_bad_study_config(tmp_path, key, value, message):
    config = tiny_config()
    group, field = key.split(".")
    config[group][field] = value
    with pytest.raises(ConfigError, match=message):
        runner.run(config, str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")
