"""The experiment harness: a tiny end-to-end run, determinism, resume, bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from experiments import models, runner, train
from experiments.configs import italy as italy_config
from experiments.errors import ConfigError, NonFiniteLossError
from experiments.tasks.italy import ItalyTask
from experiments.training import metrics, optimizers, steps
from experiments.workdir import read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_config(**train_overrides):
    config = italy_config.get_config()
    config.task.gap, config.task.eval_size = 3, 16
    config.model.hidden_size, config.model.embed_size = 8, 8
    config.train.update(steps=20, batch_size=8, log_every=5, eval_every=10,
                        checkpoint_every=10, keep_checkpoints=2)
    config.train.update(train_overrides)
    return config


def _without_timing(rows):
    return [{k: v for k, v in row.items() if k not in train.TIMING_METRICS} for row in rows]


def _params(workdir):
    return train.load_run(workdir)[3].params


def _assert_same_run(a, b):
    assert _without_timing(read_metrics(os.path.join(a, "metrics.jsonl"))) == _without_timing(
        read_metrics(os.path.join(b, "metrics.jsonl")))
    jax.tree_util.tree_map(np.testing.assert_array_equal, _params(a), _params(b))


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("reference"))
    results = train.train_and_evaluate(tiny_config(), workdir)
    return workdir, results


def test_end_to_end_run_writes_everything_and_trains_every_parameter(reference_run):
    workdir, results = reference_run
    assert sorted(os.listdir(workdir)) == [
        "checkpoints", "config.json", "metrics.jsonl", "results.json", "tensorboard"]
    rows = read_metrics(os.path.join(workdir, "metrics.jsonl"))
    train_rows = [r for r in rows if "loss" in r]
    eval_rows = [r for r in rows if "eval_loss" in r]
    assert [r["step"] for r in train_rows] == [5, 10, 15, 20]
    assert [r["step"] for r in eval_rows] == [10, 20]
    for key in ("loss", "answer_accuracy", "grad_norm", "learning_rate", "steps_per_sec"):
        assert all(np.isfinite(r[key]) for r in train_rows), key
    assert train_rows[-1]["loss"] < train_rows[0]["loss"]
    assert results["chance"] == pytest.approx(1 / 24) and results["step"] == 20
    assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == ["10", "20"]
    with open(os.path.join(workdir, "config.json")) as f:
        assert json.load(f)["model"]["hidden_size"] == 8

    config = tiny_config()
    task, cell = train.build(config)
    model = models.for_task(config.model, task, cell)
    initial = steps.create_train_state(config, model, task, optimizers.build(config.train)[0])
    changed = jax.tree_util.tree_map(lambda a, b: bool(np.any(a != b)), initial.params,
                                     _params(workdir))
    assert all(jax.tree_util.tree_leaves(changed)), changed


def test_tensorboard_events_are_readable(reference_run):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    accumulator = event_accumulator.EventAccumulator(os.path.join(reference_run[0], "tensorboard"))
    accumulator.Reload()
    loss = accumulator.Scalars("loss")
    assert [e.step for e in loss] == [5, 10, 15, 20]
    rows = [r for r in read_metrics(os.path.join(reference_run[0], "metrics.jsonl")) if "loss" in r]
    np.testing.assert_allclose([e.value for e in loss], [r["loss"] for r in rows], rtol=1e-6)


def test_same_config_and_seed_give_the_same_numbers(reference_run, tmp_path):
    train.train_and_evaluate(tiny_config(), str(tmp_path))
    _assert_same_run(reference_run[0], str(tmp_path))


def test_resume_after_a_crash_matches_an_uninterrupted_run(reference_run, tmp_path, monkeypatch):
    original = ItalyTask.batch

    def crash_at_step_13(self, seed, step, batch_size):
        if step == 13:
            raise KeyboardInterrupt  # Between the checkpoint at 10 and the log at 15.
        return original(self, seed, step, batch_size)

    monkeypatch.setattr(ItalyTask, "batch", crash_at_step_13)
    with pytest.raises(KeyboardInterrupt):
        train.train_and_evaluate(tiny_config(), str(tmp_path))
    monkeypatch.setattr(ItalyTask, "batch", original)
    assert max(r["step"] for r in read_metrics(str(tmp_path / "metrics.jsonl"))) == 10
    results = train.train_and_evaluate(tiny_config(), str(tmp_path))
    _assert_same_run(reference_run[0], str(tmp_path))
    assert _without_timing([results]) == _without_timing([reference_run[1]])


def test_sigkill_and_restart_end_like_an_uninterrupted_run(tmp_path):
    overrides = ["--config.task.gap=3", "--config.task.eval_size=16",
                 "--config.model.hidden_size=8", "--config.model.embed_size=8",
                 "--config.train.steps=200", "--config.train.batch_size=8",
                 "--config.train.log_every=10", "--config.train.eval_every=50",
                 "--config.train.checkpoint_every=20"]
    killed = str(tmp_path / "killed")
    command = [sys.executable, os.path.join(ROOT, "launch.py"), f"--workdir={killed}", *overrides]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    checkpoints = os.path.join(killed, "checkpoints")
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        saved = [d for d in os.listdir(checkpoints) if d.isdigit()] if os.path.isdir(
            checkpoints) else []
        if saved and max(map(int, saved)) >= 40:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert read_metrics(os.path.join(killed, "metrics.jsonl"))[-1]["step"] < 200
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]

    uninterrupted = str(tmp_path / "uninterrupted")
    config = tiny_config(steps=200, log_every=10, eval_every=50, checkpoint_every=20)
    train.train_and_evaluate(config, uninterrupted)
    _assert_same_run(killed, uninterrupted)


def test_non_finite_loss_stops_with_the_step_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    original = ItalyTask.batch

    def poisoned_from_step_12(self, seed, step, batch_size):
        batch = original(self, seed, step, batch_size)
        return batch._replace(mask=np.full_like(batch.mask, np.nan)) if step >= 12 else batch

    monkeypatch.setattr(ItalyTask, "batch", poisoned_from_step_12)
    with pytest.raises(NonFiniteLossError, match=r"loss is nan at step 13; stopping\. The last "
                       r"good checkpoint \(step 10\) is kept"):
        train.train_and_evaluate(tiny_config(), str(tmp_path))
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["10"]
    assert max(r["step"] for r in read_metrics(str(tmp_path / "metrics.jsonl"))) == 10


@pytest.mark.parametrize("key, value, message", [
    ("model.cell", "transformer", "unknown cell 'transformer'; registered cells: gru, indrnn, "
                                  "lru, lstm, mingru, minlstm, rnn"),
    ("model.cell", "lstm:peepholes=True", "unknown option in cell spec 'lstm:peepholes=True'; "
                                          "lstm takes: forget_bias, chrono_t_max"),
    ("model.cell", "rnn:activation=swish", "activation must be one of"),
    ("task.name", "mnist", "unknown task 'mnist'; valid tasks: adding, captioning, copying, "
                           "digits, italy, sketch, stdlib_text, temporal_order, translation"),
    ("task.gap", 0, "task.gap must be an integer >= 1, got 0"),
    ("train.steps", 0, "train.steps must be an integer >= 1, got 0"),
    ("train.batch_size", 0, "train.batch_size must be an integer >= 1, got 0"),
    ("model.hidden_size", -4, "model.hidden_size must be an integer >= 1, got -4"),
    ("train.optimizer", "lion", "train.optimizer must be one of adam, adamw, sgd, rmsprop"),
    ("experiment", "dance", "experiment must be one of"),
    # Cell options against the fields' declared types and the cells' own checks.
    ("model.cell", "lstm:forget_bias=abc", "cell spec 'lstm:forget_bias=abc': forget_bias "
                                           "must be a finite number, got 'abc'"),
    ("model.cell", "rnn:recurrent_scale=abc", "recurrent_scale must be a finite number"),
    ("model.cell", "gru:param_dtype=int32", "param_dtype must be a floating-point dtype such "
                                            "as 'float32', got 'int32'"),
    ("model.cell", "lstm:matmul_dtype=int8", "matmul_dtype must be None or a floating-point"),
    ("model.cell", "mingru:log_space=1", "log_space must be True or False, got 1"),
    ("model.cell", "lru:r_min=nan", "r_min must be a finite number, got 'nan'"),
    ("model.cell", "indrnn:t_max=abc", "t_max must be a finite number or None, got 'abc'"),
    ("model.cell", "lstm:chrono_t_max=1", "chrono_t_max must be None or a number >= 2, got 1"),
    ("model.cell", "lstm:forget_bias", "cell option 'forget_bias' in 'lstm:forget_bias' must "
                                       "look like key=value"),
    ("seed", -1, "seed must be an integer >= 0, got -1"),
    ("train.learning_rate", 0.0, "train.learning_rate must be a number > 0.0, got 0.0"),
    ("train.grad_clip_norm", -1.0, "train.grad_clip_norm must be a number >= 0.0"),
    ("train.schedule", "step", "train.schedule must be one of constant, cosine, linear"),
    ("train.warmup_steps", -1, "train.warmup_steps must be an integer >= 0, got -1"),
    ("train.log_every", 0, "train.log_every must be an integer >= 1, got 0"),
    ("model.dropout", 1.0, r"model.dropout must be a number >= 0.0 and < 1.0, got 1.0"),
])
def test_bad_config_values_write_nothing(assert_refused, key, value, message):
    assert_refused(tiny_config(), key, value, message)


def test_workdir_with_another_config_is_refused(reference_run):
    config = tiny_config()
    config.model.hidden_size = 16
    with pytest.raises(ConfigError, match="holds a run with a different config "
                       r"\(model.hidden_size differ\)"):
        runner.run(config, reference_run[0])


@pytest.mark.parametrize("args, message", [
    (["--config.model.cell=transformer"], "error: unknown cell 'transformer'; registered cells"),
    (["--config.model.hiden_size=8"], "error: unknown config key 'hiden_size' in "
                                      "--config.model.hiden_size"),
    (["--config.task.gap=0"], "error: task.gap must be an integer >= 1, got 0"),
    (["--config.model.hidden_size=big"], "error: flag --config.model.hidden_size=big"),
    (["--config=experiments/configs/nope.py"], "No such file or directory"),
    (["--workdir=README.md"], "error: workdir 'README.md' is a file"),
    (["--config=experiments/configs/adding.py:big"], "ValueError: variant must be 'single' or "
                                                     "'sweep', got 'big'"),
    (["--config=experiments/configs/adding.py:sweep", "--sweep_index=27"],
     "error: --sweep_index=27 is out of range; the sweep has 27 points (0-26)"),
    (["--config=experiments/configs/adding.py", "--sweep_index=0"],
     "error: --sweep_index=0 needs a config with sweep axes"),
    (["--host_memory=fast"], "error: flag --host_memory=fast: value should be one of"),
])
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    workdir = [] if any(a.startswith("--workdir") for a in args) else [
        f"--workdir={tmp_path / 'run'}"]
    result = subprocess.run([sys.executable, "launch.py", *workdir, *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("optimizer, schedule", [("sgd", "cosine")])
def test_language_modelling_mode_learns(tmp_path, optimizer, schedule):
    config = tiny_config(steps=60, log_every=20, eval_every=60, checkpoint_every=60,
                         optimizer=optimizer, schedule=schedule, warmup_steps=5,
                         learning_rate=0.5)
    config.task.mode = "lm"
    train.train_and_evaluate(config, str(tmp_path))
    rows = [r for r in read_metrics(str(tmp_path / "metrics.jsonl")) if "loss" in r]
    assert rows[-1]["loss"] < 0.7 * rows[0]["loss"]
    assert rows[-1]["learning_rate"] < 0.5  # Cosine decay after the warm-up.


def test_compare_tables_finished_runs(reference_run):
    from experiments import compare

    rows = compare.table([reference_run[0]]).splitlines()
    assert rows[0].startswith("| run | task | cell | T / gap |")
    accuracy = reference_run[1]["eval_answer_accuracy"]
    assert rows[2] == (f"| {reference_run[0]} | italy | lstm | 3 | 20 | eval_answer_accuracy "
                       f"| {accuracy:.4g} | 0.04167 |")


def test_training_compiles_its_step_once(tmp_path):
    compiled = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiled.append(kwargs.get("fun_name"))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:  # 20 steps: four logging windows, two evaluations, two checkpoints.
        train.train_and_evaluate(tiny_config(), str(tmp_path / "run"))
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    assert compiled.count("jit(train_step)") == 1, compiled
    assert compiled.count("jit(eval_step)") == 1, compiled


def test_answer_only_readout_scores_like_the_readout_at_every_step():
    """Classify mode reads out the last step only; loss and gradients equal those of the
    readout at every step (whose other steps the mask zeroes), up to float32 rounding."""
    config = tiny_config()
    task, cell = train.build(config)
    model = models.for_task(config.model, task, cell)
    assert model.answer_only and task.scores_last_step
    full = model.clone(answer_only=False)
    batch = ItalyTask(3, gap_max=5).batch(0, 0, 8)  # Mixed lengths.
    params = model.init(jax.random.key(0), batch.inputs, batch.lengths)["params"]

    def loss(model, params):
        logits = model.apply({"params": params}, batch.inputs, batch.lengths)
        return metrics.masked_metrics(logits, model.scored(batch))["loss"]

    assert model.apply({"params": params}, batch.inputs, batch.lengths).shape[1] == 1
    ours, theirs = (jax.value_and_grad(loss, argnums=1)(m, params) for m in (model, full))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-7), ours[1],
                           theirs[1])
