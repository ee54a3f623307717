"""The vanishing-gradient study: learning-time bookkeeping, resume, outputs, regenerable plots."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

from experiments import models, plots, provenance, runner, train, vanishing
from experiments.configs import vanishing as vanishing_config
from experiments.errors import NonFiniteLossError
from experiments.training import optimizers
from experiments.training import steps as steps_lib
from experiments.vanishing import dynamics, points, progress, report
from experiments.vanishing import plots as study_plots
from experiments.vanishing import workers as study_workers
from recurrent import analysis

RUN_RECORD = report.RUN_RECORD


def tiny_config():
    config = vanishing_config.get_config("small")
    config.study.cells, config.study.gaps, config.study.seeds = ("rnn", "lstm"), (3,), 2
    config.study.update(eval_every=4, steps_per_call=2, checkpoint_every=4, pad_gaps=False,
                        workers=1)
    config.task.eval_size = 16
    config.model.hidden_size, config.model.embed_size = 8, 8
    config.train.update(steps=12, batch_size=8, learning_rate=1e-2)
    config.analysis.update(measurements=3, examples=8, jacobian_examples=2, power_iterations=2)
    return config


def with_threshold(threshold):
    config = tiny_config()
    config.analysis.solved_accuracy = threshold
    return config


@pytest.fixture(scope="module")
def study_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("study"))
    summary = runner.run(tiny_config(), workdir, command="python launch.py (test)")
    return workdir, summary


def load(workdir, name):
    with np.load(os.path.join(workdir, "points", name)) as data:
        return dict(data)


def assert_same_arrays(a, b):
    assert set(a) == set(b)
    for key in set(a) - set(RUN_RECORD):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_measurement_steps_are_log_spaced_multiples_from_zero():
    steps = vanishing.measurement_steps(3000, 12, 25)
    assert steps[0] == 0 and steps[-1] == 3000 and len(steps) == 13
    assert np.all(steps % 25 == 0) and np.all(np.diff(steps) > 0)
    assert np.all(np.diff(steps)[1:] >= np.diff(steps)[:-1] - 25)  # Gaps grow (log-spaced).
    assert list(vanishing.measurement_steps(12, 3, 2)) == [0, 2, 4, 12]
    assert list(vanishing.measurement_steps(4, 10, 2)) == [0, 2, 4]  # Fewer multiples exist.


def test_median_steps_counts_censored_seeds_beyond_the_budget():
    solved = np.array([True, True, False])
    assert report.median_steps(np.array([300, 100, 3000]), solved) == (300.0, False)
    assert report.median_steps(np.array([300, 3000, 3000]),
                               np.array([True, False, False])) == (3000.0, True)
    assert report.median_steps(np.array([100, 200]), np.array([True, True])) == (150.0, False)
    assert report.median_steps(np.array([100, 3000]), np.array([True, False])) == (3000.0, True)


def test_spearman_ranks_with_ties_and_refuses_degenerate_input():
    assert report.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert report.spearman([1, 2, 3, 4], [40, 30, 30, 10]) == pytest.approx(-0.9486833)
    assert report.spearman([1, 2], [1, 2]) is None
    assert report.spearman([1, 2, 3], [5, 5, 5]) is None


def test_vmapped_seeds_equal_seeds_run_one_at_a_time(study_run):
    together = load(study_run[0], "lstm_gap3.npz")
    # The second seed alone (one compile, not two): it must not see the first seed's slot.
    alone = vanishing.train_point(tiny_config(), "lstm", 3, [1])
    for key in ("grad_norms", "jac_spectral", "jac_frobenius", "eval_accuracy", "eval_curve",
                "singular_values", "timescales"):
        np.testing.assert_allclose(together[key][1], alone[key][0], rtol=2e-4, atol=1e-7,
                                   err_msg=key)
    # The two seeds really differ (different init and data).
    assert not np.allclose(together["grad_norms"][0], together["grad_norms"][1])


def expected_solves(curve, eval_steps, threshold, budget):
    """Each seed's first evaluation at or over `threshold`, from an unsolved run's curve."""
    steps, solved = [], []
    for accuracy in curve:
        hits = np.flatnonzero(accuracy >= threshold)
        solved.append(bool(hits.size))
        steps.append(int(eval_steps[hits[0]]) if hits.size else budget)
    return np.array(steps), np.array(solved)


def test_steps_to_solve_censored_seed_and_early_stop(study_run):
    # Nothing reaches 0.9 in 12 steps: both seeds censored at the budget, the point ran it all.
    full = load(study_run[0], "lstm_gap3.npz")
    assert list(full["steps_to_solve"]) == [12, 12] and not full["solved"].any()
    assert int(full["stopped_at"]) == 12 and list(full["eval_steps"]) == [0, 4, 8, 12]
    assert np.isnan(full["solve_grad_norms"]).all()
    curve, budget = full["eval_curve"], 12
    best = curve[:, 1:].max(1)  # Each seed's best accuracy after training began.
    assert best[0] != best[1], "the seeds' curves must differ for the mixed case"
    # A threshold that only the better seed reaches: one solved, one censored, no early stop.
    mixed = float(best.max())
    arrays = vanishing.train_point(with_threshold(mixed), "lstm", 3, [0, 1])
    steps, solved = expected_solves(curve, full["eval_steps"], mixed, budget)
    np.testing.assert_array_equal(arrays["steps_to_solve"], steps)
    np.testing.assert_array_equal(arrays["solved"], solved)
    assert solved.sum() == 1 and int(arrays["stopped_at"]) == budget
    np.testing.assert_array_equal(arrays["eval_curve"], curve)
    assert np.isfinite(arrays["solve_grad_norms"][solved]).any()
    assert np.isnan(arrays["solve_grad_norms"][~solved]).all()
    # A threshold both reach: the point stops at the later seed's solve step.
    both = float(best.min())
    arrays = vanishing.train_point(with_threshold(both), "lstm", 3, [0, 1])
    steps, solved = expected_solves(curve, full["eval_steps"], both, budget)
    assert solved.all() and steps.max() < budget
    np.testing.assert_array_equal(arrays["steps_to_solve"], steps)
    assert int(arrays["stopped_at"]) == steps.max()
    assert arrays["measured_steps"][-1] == steps.max()
    stop = int(np.flatnonzero(full["eval_steps"] == steps.max())[0])
    np.testing.assert_array_equal(arrays["eval_curve"], curve[:, :stop + 1])
    # The solve-step measurement of the later seed is the measurement at the stop.
    later = int(np.argmax(steps))
    np.testing.assert_array_equal(arrays["solve_grad_norms"][later],
                                  arrays["grad_norms"][later, -1])


class Preempted(Exception):
    pass


def test_resume_inside_a_point_gives_the_uninterrupted_arrays(study_run, tmp_path,
                                                              monkeypatch):
    directory = str(tmp_path / "checkpoint")
    save = progress.Checkpoints.save
    saved = []

    def save_then_stop(self, state, point_progress):
        save(self, state, point_progress)
        saved.append(point_progress.step)
        raise Preempted

    monkeypatch.setattr(progress.Checkpoints, "save", save_then_stop)
    with pytest.raises(Preempted):
        vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    assert saved == [4]
    monkeypatch.setattr(progress.Checkpoints, "save", save)
    with np.load(os.path.join(directory, "progress.npz")) as saved_progress:
        assert int(saved_progress["step"]) == 4
    resumed = vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    assert_same_arrays(resumed, load(study_run[0], "lstm_gap3.npz"))
    # Both processes that trained it are recorded: the one stopped and the one resumed.
    first, second = (json.loads(str(e)) for e in resumed["provenance"])
    assert first["commit"] == second["commit"] and first["machine"] == second["machine"]


def test_a_corrupt_point_checkpoint_is_moved_aside_and_the_point_starts_over(
        study_run, tmp_path, monkeypatch, caplog):
    directory = str(tmp_path / "checkpoint")
    save = progress.Checkpoints.save

    def save_then_stop(self, state, point_progress):
        save(self, state, point_progress)
        raise Preempted

    monkeypatch.setattr(progress.Checkpoints, "save", save_then_stop)
    with pytest.raises(Preempted):
        vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    monkeypatch.undo()
    for folder, _, files in os.walk(directory):
        if os.path.basename(folder) == "d":  # Orbax's array files.
            for name in files:
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(b"garbage")
    again = vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    assert "does not restore" in caplog.text and os.path.isdir(directory + ".corrupt")
    assert_same_arrays(again, load(study_run[0], "lstm_gap3.npz"))


def test_study_writes_arrays_results_report_and_plots(study_run):
    workdir, summary = study_run
    assert sorted(os.listdir(os.path.join(workdir, "points"))) == ["lstm_gap3.npz", "rnn_gap3.npz"]
    assert not os.path.exists(os.path.join(workdir, "checkpoints"))  # Removed when done.
    p = load(workdir, "lstm_gap3.npz")
    assert p["grad_norms"].shape == (2, 4, 3 + 5)  # seeds, measurements, lags 0..T-1
    assert list(p["measured_steps"]) == [0, 2, 4, 12]
    assert int(p["gap"]) == 3 and p["eigenvalues"].shape == (2, 4, 4, 8)
    horizon = analysis.gradient_horizon(p["grad_norms"], 1e-2)
    with open(os.path.join(workdir, "results.json")) as f:
        results = json.load(f)
    point = results["points"]["lstm/gap3"]
    assert point["horizon_trained"] == float(np.median(horizon[:, -1]))
    assert point["steps_to_solve"] == [12, 12] and point["seeds_solved"] == 0
    assert point["median_censored"] and point["median_steps_to_solve"] == 12
    key = np.log10(p["grad_norms"][:, 0, 3] / p["grad_norms"][:, 0, 0])
    np.testing.assert_allclose(point["key_gradient_init"], key)
    assert point["key_gradient_init_mean"] == pytest.approx(float(np.mean(key)))
    assert results["cells"]["lstm"]["largest_gap_solved"] is None
    assert results["key_gradient_vs_steps"]["all_count"] == 4
    assert results["command"] == "python launch.py (test)"
    assert results["total_wall_seconds"] == pytest.approx(sum(
        float(load(workdir, n)[k]) for n in ("rnn_gap3.npz", "lstm_gap3.npz") for k in RUN_RECORD
        if k != "provenance"))
    assert set(results["cells"]) == {"rnn", "lstm"}
    report_text = open(os.path.join(workdir, "report.md")).read()
    assert "| lstm | >12 (0/2) | none |" in report_text
    assert "| lstm | 3 | >12, >12 | 12 |" in report_text
    assert "python launch.py (test)" in report_text
    # Where it ran, as this process describes itself.
    where = provenance.describe()
    (entry,) = (json.loads(str(e)) for e in p["provenance"])
    assert entry["commit"] == where["commit"] and entry["software"] == where["software"]
    assert results["provenance"]["lstm/gap3"] == [entry]
    assert f"| {where['machine']} |" in report_text and "| rnn gap 3; lstm gap 3 |" in report_text
    for name in study_plots.FIGURES + dynamics.FIGURES:
        for ext in ("png", "pdf"):
            assert os.path.getsize(os.path.join(workdir, "plots", f"{name}.{ext}")) > 1000


def test_the_study_measures_lyapunov_exponents_and_sensitivities(study_run):
    """The exponents at step 0 are `rec.analysis.lyapunov_spectrum` of the initial cell on
    the Jacobian examples; results.json and report.md set lambda_1 beside the decay rate."""
    workdir, _ = study_run
    p = load(workdir, "lstm_gap3.npz")
    assert p["lyapunov"].shape == (2, 4, 8)  # seeds, measurements, exponents
    assert p["sensitivity"].shape == p["unit_timescales"].shape == (2, 4, 8)  # ... units
    assert (p["sensitivity"] > 0).all()
    point = points.point_config(tiny_config(), "lstm", 3)
    task, cell = train.build(point)
    model = models.for_task(point.model, task, cell)
    params = steps_lib.create_train_state(point, model, task, optimizers.build(point.train)[0],
                                          1).params
    batch = task.eval_batch(point.seed)
    xs = params["embed"]["embedding"][batch.inputs[:2]]
    expected = analysis.lyapunov_spectrum(cell, params["recurrent"]["cell"], xs,
                                          num_exponents=8, lengths=batch.lengths[:2])
    np.testing.assert_allclose(p["lyapunov"][1, 0], np.mean(expected, 0), rtol=1e-4, atol=1e-6)
    with open(os.path.join(workdir, "results.json")) as f:
        results = json.load(f)
    row = results["cells"]["lstm"]
    assert row["lyapunov_max_init"] == pytest.approx(float(np.mean(p["lyapunov"][:, 0, 0])))
    assert row["lyapunov_max_init_decades"] == pytest.approx(row["lyapunov_max_init"]
                                                             / np.log(10))
    agreement = results["lyapunov_vs_decay"]
    assert [agreement[w]["pairs"] for w in ("init", "trained")] == [2, 2]
    init = [results["points"][f"{c}/gap3"] for c in ("rnn", "lstm")]
    assert agreement["init"]["median_abs_difference"] == pytest.approx(np.median(
        [abs(r["lyapunov_max_init_decades"] - r["decay_rate_init"]) for r in init]))
    report_text = open(os.path.join(workdir, "report.md")).read()
    assert (f"| lstm | {row['lyapunov_max_init_decades']:.3f} | {row['decay_rate_init']:.3f} |"
            in report_text)
    # The curse of memory's slope: log sensitivity on log timescale over all units and seeds.
    slope = np.polyfit(np.log(p["unit_timescales"][:, -1].ravel()),
                       np.log(p["sensitivity"][:, -1].ravel()), 1)[0]
    assert row["sensitivity_slope_trained"] == pytest.approx(slope)
    assert f"| lstm | {row['sensitivity_slope_init']:.2f} |" in report_text


def _copy_points(source, workdir, edit):
    """A study workdir holding `source`'s config and its two points, each `edit(name, arrays)`."""
    os.makedirs(os.path.join(workdir, "points"))
    with open(os.path.join(source, "config.json")) as f, \
            open(os.path.join(workdir, "config.json"), "w") as out:
        out.write(f.read())
    for name in ("rnn_gap3.npz", "lstm_gap3.npz"):
        np.savez(os.path.join(workdir, "points", name), **edit(name, dict(load(source, name))))
    return workdir


def test_points_from_before_the_instruments_still_report(study_run, tmp_path):
    """A study whose points predate the Lyapunov instruments (the full study's) reports
    them as not measured and draws the other figures."""
    workdir = _copy_points(study_run[0], str(tmp_path), lambda name, arrays: {
        k: v for k, v in arrays.items() if k not in progress.OPTIONAL})
    summary = report.write_outputs(workdir)
    assert "lyapunov_vs_decay" not in summary and "lyapunov_max_init" not in summary["cells"]["rnn"]
    assert "Not measured: these points were trained before" in open(
        os.path.join(workdir, "report.md")).read()
    assert not os.path.exists(os.path.join(workdir, "plots", "lyapunov_spectrum.png"))


def test_a_collapsed_exponent_is_reported_as_minus_infinity(study_run, tmp_path):
    """ReLU cells (IndRNN) can have lambda_1 = -inf exactly; the report keeps their rows and
    says -inf, a diverged seed (NaN) is left out, and neither enters the agreement."""
    def collapse(name, arrays):
        if name.startswith("rnn"):  # Seed 0 collapsed throughout, seed 1 diverged at the end.
            lyapunov = arrays["lyapunov"].copy()
            lyapunov[0] = -np.inf
            lyapunov[1, -1] = np.nan
            arrays["lyapunov"] = lyapunov
        return arrays

    workdir = _copy_points(study_run[0], str(tmp_path), collapse)
    summary = report.write_outputs(workdir)
    rnn, lstm = summary["cells"]["rnn"], summary["cells"]["lstm"]
    assert rnn["lyapunov_collapsed_trained"] and not rnn["lyapunov_collapsed_init"]
    assert rnn["lyapunov_max_trained"] is None and rnn["lyapunov_max_init"] is not None
    assert not lstm["lyapunov_collapsed_trained"]
    text = open(os.path.join(workdir, "report.md")).read()
    lyapunov, curse = text.split("## Largest Lyapunov")[1].split("## Curse of memory")
    row = next(line for line in lyapunov.splitlines() if line.startswith("| rnn | "))
    assert row.split(" | ")[3] == "-inf" and "-inf: every measured seed's largest" in lyapunov
    assert any(line.startswith("| rnn | ") for line in curse.splitlines())  # Kept there too.
    assert summary["lyapunov_vs_decay"]["trained"]["pairs"] == 1  # The LSTM only.


def test_records_missing_before_a_resume_are_nan():
    stacked = progress.stack_records([None, np.ones((2, 3)), np.ones((2, 2))])
    assert stacked.shape == (3, 2, 3)
    assert np.isnan(stacked[0]).all() and np.isnan(stacked[2, :, 2]).all()
    assert (stacked[1] == 1).all() and progress.stack_records([None, None]) is None


def test_plots_and_report_regenerate_from_the_arrays(study_run):
    workdir, _ = study_run
    before = open(os.path.join(workdir, "report.md")).read()
    for name in os.listdir(os.path.join(workdir, "plots")):
        os.remove(os.path.join(workdir, "plots", name))
    os.remove(os.path.join(workdir, "report.md"))
    plots.main(["plots", workdir])
    drawn = len(study_plots.FIGURES) + len(dynamics.FIGURES)
    assert len(os.listdir(os.path.join(workdir, "plots"))) == 2 * drawn
    assert open(os.path.join(workdir, "report.md")).read() == before


def test_figures_draw_from_saved_arrays_alone(tmp_path):
    """Synthetic arrays, no training: solved and censored seeds, points that stopped at
    different steps (so their measurement grids differ)."""
    rng = np.random.default_rng(0)

    def point(gap, steps, solved, measured):
        lags, m = gap + 5, len(measured)
        return {"grad_norms": 10.0 ** -rng.uniform(0, 3, (2, m, lags)),
                "jac_spectral": rng.uniform(0, 1, (2, m, lags)),
                "jac_frobenius": rng.uniform(0, 1, (2, m, lags)),
                "singular_values": rng.uniform(0, 2, (2, m, 1, 4)),
                "eigenvalues": rng.normal(size=(2, m, 1, 4)) + 0j,
                "eval_curve": rng.uniform(0, 1, (2, 3)), "measured_steps": np.array(measured),
                "steps_to_solve": np.array(steps), "solved": np.array(solved),
                "budget": np.array(100), "gap": np.array(gap), "seeds": np.array([0, 1]),
                "chance": np.array(1 / 24), "matrix_names": np.array(["h"])}

    points = {("rnn", 2): point(2, [40, 100], [True, False], [0, 25, 40]),
              ("rnn", 4): point(4, [100, 100], [False, False], [0, 25, 50, 100]),
              ("lstm", 2): point(2, [20, 20], [True, True], [0, 20]),
              ("lstm", 4): point(4, [60, 80], [True, True], [0, 25, 50, 80])}
    config = {"study": {"cells": ["rnn", "lstm"], "gaps": [2, 4]}}
    names = study_plots.plot_study(str(tmp_path), points, config, rho=0.5)
    assert names == list(study_plots.FIGURES)
    for name in names:
        assert os.path.getsize(tmp_path / "plots" / f"{name}.png") > 1000


def test_interrupted_study_recomputes_only_missing_points(study_run):
    workdir, summary = study_run
    kept = os.path.join(workdir, "points", "rnn_gap3.npz")
    redone = os.path.join(workdir, "points", "lstm_gap3.npz")
    stamp = os.stat(kept).st_mtime_ns
    original = load(workdir, "lstm_gap3.npz")
    os.remove(redone)
    again = runner.run(tiny_config(), workdir)
    assert os.stat(kept).st_mtime_ns == stamp
    assert_same_arrays(load(workdir, "lstm_gap3.npz"), original)
    assert again["points"] == summary["points"]


@pytest.mark.parametrize("key, value, message", [
    ("study.cells", ("rnn", "tcn"), "study.cells: unknown cell 'tcn'"),
    ("study.gaps", (4, 0), r"study.gaps\[...\] must be an integer >= 1, got 0"),
    ("study.seeds", 0, "study.seeds must be an integer >= 1, got 0"),
    ("study.eval_every", 3, r"study.eval_every \(3\) must be a multiple of "
                            r"study.steps_per_call \(2\)"),
    ("study.checkpoint_every", 6, r"study.checkpoint_every \(6\) must be a multiple"),
    ("analysis.jacobian_examples", 100, "analysis.jacobian_examples .* must not exceed"),
    ("study.stall_seconds", -1, "study.stall_seconds must be an integer >= 0, got -1"),
])
def test_bad_study_config(assert_refused, key, value, message):
    assert_refused(tiny_config(), key, value, message)


def test_budget_must_be_a_multiple_of_eval_every(assert_refused):
    assert_refused(tiny_config(), "train.steps", 10,
                   r"train.steps \(the budget, 10\) must be a multiple")


def test_a_point_whose_every_seed_diverges_stops_with_one_error():
    config = tiny_config()
    config.train.update(learning_rate=1e4, grad_clip_norm=0.0)
    with pytest.raises(NonFiniteLossError, match="every seed's loss is non-finite"):
        vanishing.train_point(config, "rnn:activation=relu,recurrent_init=identity", 3, [0, 1])


def test_padded_gaps_compile_once_per_cell_and_match_unpadded_points(tmp_path, study_run):
    config = tiny_config()
    config.study.update(cells=("lstm",), gaps=(3, 4), pad_gaps=True)
    runner.run(config, str(tmp_path))
    padded = load(str(tmp_path), "lstm_gap3.npz")  # Padded to gap 4's length.
    assert float(padded["compile_seconds"]) > 0  # The cell's first gap compiled ...
    assert float(load(str(tmp_path), "lstm_gap4.npz")["compile_seconds"]) == 0  # ... once.
    alone = load(study_run[0], "lstm_gap3.npz")  # The same point, unpadded.
    assert padded["grad_norms"].shape == alone["grad_norms"].shape  # Its own lags only.
    for key in ("grad_norms", "jac_spectral", "jac_frobenius", "eval_curve", "timescales",
                "singular_values", "train_loss"):
        np.testing.assert_allclose(padded[key], alone[key], rtol=2e-4, atol=1e-6, err_msg=key)
    np.testing.assert_array_equal(padded["steps_to_solve"], alone["steps_to_solve"])
    np.testing.assert_array_equal(padded["measured_steps"], alone["measured_steps"])


def test_a_stalled_worker_is_killed_and_its_point_resumed(tmp_path, study_run, caplog):
    """A worker frozen mid-study (SIGSTOP: a real process that stops making progress) is
    killed after study.stall_seconds; the study restarts it and ends with the same arrays
    as the one-process run."""
    config = tiny_config()
    config.study.update(workers=2, stall_seconds=8)
    workdir = str(tmp_path)
    beats = study_workers.heartbeat_dir(workdir)
    frozen = []

    def freeze_the_first_worker():
        deadline = time.time() + 300
        while not frozen and time.time() < deadline:
            names = os.listdir(beats) if os.path.isdir(beats) else []
            if names:
                os.kill(int(names[0]), signal.SIGSTOP)
                frozen.append(int(names[0]))
            time.sleep(0.02)
        time.sleep(120)  # Without a watchdog the study would wait for good: thaw it so
        try:             # that the test fails (no restart below) instead of hanging.
            os.kill(frozen[0], signal.SIGCONT)
        except (IndexError, ProcessLookupError):
            pass

    thread = threading.Thread(target=freeze_the_first_worker, daemon=True)
    thread.start()
    with caplog.at_level("WARNING"):
        runner.run(config, workdir)
    assert frozen
    assert f"study worker {frozen[0]} made no progress" in caplog.text
    assert "restarting the workers for the unfinished points" in caplog.text
    assert not os.path.exists(os.path.join(workdir, "checkpoints"))  # Heartbeats gone too.
    for name in ("rnn_gap3.npz", "lstm_gap3.npz"):
        assert_same_arrays(load(workdir, name), load(study_run[0], name))


def test_the_ablation_varies_only_what_it_names():
    ablation, full = vanishing_config.get_config("ablation"), vanishing_config.get_config()
    vanishing.validate(ablation)
    assert set(ablation.study.cells) <= set(full.study.cells) and ablation.study.gaps == (32,)
    point, same = (vanishing.point_config(c, "lstm", 32).to_dict() for c in (ablation, full))
    assert point["task"].pop("distractors") is True
    del point["study"], same["study"]  # Which points run, not how one trains.
    assert point == same  # With its defaults a point is the full study's point.


def test_the_report_groups_points_by_where_they_ran():
    here = provenance.describe()
    lines = report._provenance_lines({"rnn/gap4": [None], "rnn/gap8": [None, here],
                                      "lstm/gap4": [here]})
    table = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert table[0] == "| not recorded | not recorded | not recorded | rnn gap 4; rnn gap 8 |"
    assert table[1].startswith(f"| {here['commit'][:12]}")
    assert table[1].endswith("| rnn gap 8; lstm gap 4 |") and len(table) == 2


def test_sigterm_checkpoints_the_point_between_evaluations_and_it_resumes_exactly(
        study_run, tmp_path, monkeypatch):
    from experiments import preemption
    from experiments.vanishing import points as points_lib
    original = points_lib.chunk_batches

    def signal_while_making_chunk_3(task, seeds, index, point):
        if index == 3:  # Made while chunk 2 (steps 5-6) trains: stops at step 6, mid-window.
            os.kill(os.getpid(), signal.SIGTERM)
        return original(task, seeds, index, point)

    monkeypatch.setattr(points_lib, "chunk_batches", signal_while_making_chunk_3)
    directory = str(tmp_path / "checkpoint")
    with preemption.deferred(), pytest.raises(preemption.Preempted, match="SIGTERM at step 6"):
        vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    monkeypatch.undo()
    with np.load(os.path.join(directory, "progress.npz")) as saved:
        assert int(saved["step"]) == 6 and saved["window_losses"].shape == (2, 2)
    resumed = vanishing.train_point(tiny_config(), "lstm", 3, [0, 1], checkpoint_dir=directory)
    assert_same_arrays(resumed, load(study_run[0], "lstm_gap3.npz"))


def test_a_study_refuses_a_workdir_another_run_holds(tmp_path):
    from experiments import workdir as workdir_lib
    workdir = str(tmp_path / "study")
    os.makedirs(workdir)
    with workdir_lib.Lock(workdir), pytest.raises(workdir_lib.WorkdirLocked,
                                                  match="in use by another run"):
        runner.run(tiny_config(), workdir)
    assert os.listdir(workdir) == []


def test_a_full_disk_stops_the_study_with_one_error(tmp_path, monkeypatch):
    import errno

    from experiments.errors import WriteError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(progress.Checkpoints, "save", full)
    with pytest.raises(WriteError, match="No space left on device; the previous checkpoint"):
        runner.run(tiny_config(), str(tmp_path / "study"))
    assert not os.path.exists(tmp_path / "study" / "lock")


def test_a_paused_study_does_not_take_its_workers_for_stalled(tmp_path, caplog):
    beats = study_workers.heartbeat_dir(str(tmp_path))
    os.makedirs(beats)
    path = os.path.join(beats, "999999")
    open(path, "w").close()
    os.utime(path, (time.time() - 3600, time.time() - 3600))  # Silent for an hour.
    study_workers._refresh_heartbeats(str(tmp_path))
    study_workers._kill_stalled(str(tmp_path), 600)
    assert os.path.exists(path) and "made no progress" not in caplog.text
