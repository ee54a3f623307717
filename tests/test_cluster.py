"""Runs on a cluster: preemption, corrupt checkpoints, one run per workdir, full disks."""

import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

from experiments import preemption, train
from experiments import workdir as workdir_lib
from experiments.configs import italy as italy_config
from experiments.errors import ConfigError, WriteError
from experiments.tasks.italy import ItalyTask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The run the subprocess tests launch: 60 steps, logged every 5, checkpointed every 20.
FLAGS = ["--config.task.gap=3", "--config.task.eval_size=16", "--config.model.hidden_size=8",
         "--config.model.embed_size=8", "--config.train.steps=60",
         "--config.train.batch_size=8", "--config.train.log_every=5",
         "--config.train.eval_every=20", "--config.train.checkpoint_every=20",
         "--config.train.keep_checkpoints=3"]


def small_config():
    config = italy_config.get_config()
    config.task.gap, config.task.eval_size = 3, 16
    config.model.hidden_size, config.model.embed_size = 8, 8
    config.train.update(steps=60, batch_size=8, log_every=5, eval_every=20,
                        checkpoint_every=20, keep_checkpoints=3)
    return config


def rows(workdir):
    return [{k: v for k, v in row.items() if k not in train.TIMING_METRICS}
            for row in workdir_lib.read_metrics(os.path.join(workdir, "metrics.jsonl"))]


def results(workdir):
    with open(os.path.join(workdir, "results.json")) as f:
        return {k: v for k, v in json.load(f).items() if k not in train.TIMING_METRICS}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("uninterrupted"))
    train.train_and_evaluate(small_config(), workdir)
    return workdir


def assert_no_duplicate_rows(workdir):
    """Each step has at most one training row and one evaluation row."""
    keys = [(r["step"], "eval_loss" in r) for r in rows(workdir)]
    assert keys and len(keys) == len(set(keys)), keys


def assert_same_run(a, b):
    assert rows(a) == rows(b)
    assert results(a) == results(b)
    assert_no_duplicate_rows(a)


def signal_at_step(monkeypatch, step, signum=signal.SIGTERM):
    """Sends this process `signum` while the batch of `step` is made (one step ahead)."""
    original = ItalyTask.batch

    def batch(self, seed, i, batch_size):
        if i == step:
            os.kill(os.getpid(), signum)
        return original(self, seed, i, batch_size)

    monkeypatch.setattr(ItalyTask, "batch", batch)


def test_sigterm_saves_a_checkpoint_and_the_resumed_run_ends_the_same(
        uninterrupted, tmp_path, monkeypatch):
    workdir = str(tmp_path / "run")
    signal_at_step(monkeypatch, 33)  # Mid-window: steps 31-35 are one logging window.
    with pytest.raises(preemption.Preempted, match="stopped by SIGTERM at step") as stopped:
        train.train_and_evaluate(small_config(), workdir)
    assert stopped.value.exit_code == 143
    step = stopped.value.step
    assert 31 <= step < 35, step
    assert step in ocp.CheckpointManager(os.path.join(workdir, "checkpoints")).all_steps()
    assert not os.path.exists(os.path.join(workdir, "lock"))  # Released.
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # Handlers restored.
    monkeypatch.undo()
    train.train_and_evaluate(small_config(), workdir)
    assert_same_run(workdir, uninterrupted)


def test_a_second_signal_while_stopping_is_ignored(tmp_path, monkeypatch):
    original = ocp.CheckpointManager.save

    def save_under_fire(self, step, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Arrives during the save; must not tear it.
        return original(self, step, *args, **kwargs)

    signal_at_step(monkeypatch, 12, signal.SIGINT)
    monkeypatch.setattr(ocp.CheckpointManager, "save", save_under_fire)
    with pytest.raises(preemption.Preempted, match="SIGINT") as stopped:
        train.train_and_evaluate(small_config(), str(tmp_path))
    assert stopped.value.exit_code == 130
    manager = ocp.CheckpointManager(str(tmp_path / "checkpoints"))
    assert manager.latest_step() == stopped.value.step


def corrupt(workdir, step):
    """Overwrites every array file (orbax's `.../d/<hash>`) of checkpoint `step`."""
    count = 0
    for folder, _, files in os.walk(os.path.join(workdir, "checkpoints", str(step))):
        for name in files:
            if os.path.basename(folder) == "d":
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(b"\0garbage" * 8)
                count += 1
    assert count, "no array file found to corrupt"


def test_a_corrupt_newest_checkpoint_is_moved_aside_and_the_previous_one_resumes(
        uninterrupted, tmp_path, caplog):
    workdir = str(tmp_path / "run")
    shutil.copytree(uninterrupted, workdir)
    os.remove(os.path.join(workdir, "results.json"))
    shutil.rmtree(os.path.join(workdir, "checkpoints", "60"))  # As if stopped after step 40.
    corrupt(workdir, 40)
    train.train_and_evaluate(small_config(), workdir)
    assert "checkpoint" in caplog.text and "does not restore" in caplog.text
    assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == [
        "20", "40", "60", "corrupt-40"]
    assert_same_run(workdir, uninterrupted)
    # TensorBoard too: the points after step 20 written before are superseded, not doubled.
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    events = event_accumulator.EventAccumulator(os.path.join(workdir, "tensorboard"))
    events.Reload()
    assert [e.step for e in events.Scalars("loss")] == list(range(5, 61, 5))


def test_no_checkpoint_that_restores_is_refused_and_nothing_moves(uninterrupted, tmp_path):
    workdir = str(tmp_path / "run")
    shutil.copytree(uninterrupted, workdir)
    os.remove(os.path.join(workdir, "results.json"))
    for step in (20, 40, 60):
        corrupt(workdir, step)
    before = sorted(os.listdir(os.path.join(workdir, "checkpoints")))
    with pytest.raises(ConfigError, match=r"no checkpoint in .* restores \(steps 60, 40, 20; "
                       r"newest: .*\); use another --workdir, or remove"):
        train.train_and_evaluate(small_config(), workdir)
    assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == before
    assert not os.path.exists(os.path.join(workdir, "lock"))


def test_a_full_disk_at_checkpoint_time_stops_cleanly(tmp_path, monkeypatch):
    original = ocp.CheckpointManager.save

    def save(self, step, *args, **kwargs):
        if step == 40:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))
        return original(self, step, *args, **kwargs)

    monkeypatch.setattr(ocp.CheckpointManager, "save", save)
    with pytest.raises(WriteError, match="No space left on device; the previous checkpoint is "
                       "intact") as failed:
        train.train_and_evaluate(small_config(), str(tmp_path))
    assert failed.value.EXIT_CODE == 74
    monkeypatch.undo()
    _, _, _, state = train.load_run(str(tmp_path))
    assert int(state.step) == 20


def test_a_full_disk_leaves_no_partial_metrics_line(tmp_path, monkeypatch):
    writer = workdir_lib.MetricWriter(str(tmp_path))
    writer.write(1, {"loss": 1.0})
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        writer.write(2, {"loss": 0.5})
    monkeypatch.undo()
    writer.write(3, {"loss": 0.25})
    writer.close()
    with open(tmp_path / "metrics.jsonl") as f:
        assert [json.loads(line)["step"] for line in f] == [1, 3]


def test_a_lock_of_a_dead_process_is_taken_over_and_a_live_ones_refused(tmp_path, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = tmp_path / "lock"
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": dead.pid,
                                "started": "earlier"}))
    with workdir_lib.Lock(str(tmp_path)) as held:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        assert "taking over the lock of a run that died" in caplog.text
        with pytest.raises(workdir_lib.WorkdirLocked, match=f"in use by another run \\(pid "
                           f"{os.getpid()} on host {socket.gethostname()} since"):
            workdir_lib.Lock(str(tmp_path)).acquire()
        assert held.held
    assert not lock.exists()
    lock.write_text(json.dumps({"host": "elsewhere", "pid": dead.pid, "started": "earlier"}))
    with pytest.raises(workdir_lib.WorkdirLocked, match="on host elsewhere"):
        workdir_lib.Lock(str(tmp_path)).acquire()  # Another host's: never taken over.


def launch(workdir, *extra, **popen):
    return subprocess.Popen([sys.executable, "launch.py", f"--workdir={workdir}", *FLAGS,
                             *extra], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, **popen)


def wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_cli_one_run_per_workdir_and_sigterm_exits_143_then_resumes(uninterrupted, tmp_path):
    workdir = str(tmp_path / "run")
    first = launch(workdir, "--config.train.steps=100000")  # Trains until told to stop.
    wait_for(lambda: os.path.exists(os.path.join(workdir, "metrics.jsonl"))
             or first.poll() is not None)
    second = subprocess.run([sys.executable, "launch.py", f"--workdir={workdir}", *FLAGS,
                             "--config.train.steps=100000"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 2, second.stderr[-2000:]
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"in use by another run (pid {first.pid} on host" in errors[0]
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 143, stderr[-2000:]
    stopped = [line for line in stderr.splitlines() if line.startswith("stopped by SIGTERM")]
    assert len(stopped) == 1 and "rerun the same command to resume" in stopped[0]
    assert "Traceback" not in stderr
    reached = int(re.search(r"at step (\d+)", stopped[0]).group(1))
    assert ocp.CheckpointManager(os.path.join(workdir, "checkpoints")).latest_step() == reached
    assert not os.path.exists(os.path.join(workdir, "lock"))
    assert_no_duplicate_rows(workdir)


@pytest.mark.parametrize("make_workdir, message", [
    (lambda tmp: tmp / "file" / "run", "cannot be created: .* is a file, not a directory"),
    (lambda tmp: tmp / "file", "is a file; expected a directory"),
])
def test_unusable_workdirs_are_refused_before_anything_is_written(tmp_path, make_workdir,
                                                                  message):
    (tmp_path / "file").write_text("a file")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ConfigError, match=message):
        train.train_and_evaluate(small_config(), str(make_workdir(tmp_path)))
    assert sorted(os.listdir(tmp_path)) == before


def test_a_read_only_or_unwritable_workdir_is_refused(tmp_path, monkeypatch):
    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnly())
    with pytest.raises(ConfigError, match="is on a read-only filesystem"):
        workdir_lib.check_usable(str(tmp_path / "run"))
    monkeypatch.undo()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(ConfigError, match="is not writable: no write permission in"):
        workdir_lib.check_usable(str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_pending_window_keeps_the_dtypes(tmp_path):
    os.makedirs(tmp_path / "checkpoints")
    window = jax.device_get([{"loss": np.float32(0.1), "n": np.int32(3)}])
    workdir_lib.save_pending_window(str(tmp_path), 7, window)
    (row,) = workdir_lib.load_pending_window(str(tmp_path), 7)
    assert row["loss"].dtype == np.float32 and row["loss"] == np.float32(0.1)
    assert row["n"].dtype == np.int32
    assert workdir_lib.load_pending_window(str(tmp_path), 8) == []


def tiny_sweep():
    from experiments.configs import adding as adding_config
    config = adding_config.get_config()
    config.task.update(length=6, eval_size=32)
    config.model.update(hidden_size=4)
    config.train.update(steps=12, batch_size=8, log_every=2, eval_every=4, checkpoint_every=4)
    config.sweep.update(cells=("rnn", "gru"))
    return config


def test_a_sweep_stops_on_sigterm_and_refuses_a_point_another_run_holds(tmp_path, monkeypatch):
    from experiments import runner, sweep
    from experiments.tasks.adding import AddingTask
    workdir = str(tmp_path / "sweep")
    original = AddingTask.batch

    def batch(self, seed, step, batch_size):
        if step == 7:
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self, seed, step, batch_size)

    monkeypatch.setattr(AddingTask, "batch", batch)
    with pytest.raises(preemption.Preempted, match=r"SIGTERM at step \d+"):
        runner.run(tiny_sweep(), workdir)
    monkeypatch.undo()
    first, second = (p.name for p in sweep.points(tiny_sweep()))
    assert not os.path.exists(os.path.join(workdir, second))  # The sweep stopped there.
    assert not os.path.exists(os.path.join(workdir, first, "lock"))
    os.makedirs(os.path.join(workdir, second))
    with workdir_lib.Lock(os.path.join(workdir, second)), pytest.raises(
            workdir_lib.WorkdirLocked, match=f"{second}' is in use by another run"):
        runner.run(tiny_sweep(), workdir)
    assert os.listdir(os.path.join(workdir, second)) == []
    runner.run(tiny_sweep(), workdir)  # The first point resumes, the second runs.
    for name in (first, second):
        assert results(os.path.join(workdir, name))["step"] == 12
