"""A run of two processes joined by jax.distributed (CPU, Gloo) on localhost."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from experiments import train
from experiments.configs import italy
from experiments.workdir import read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERRIDES = {"task.gap": 3, "task.eval_size": 16, "model.hidden_size": 8, "model.embed_size": 8,
             "train.steps": 40, "train.batch_size": 8, "train.log_every": 10,
             "train.eval_every": 20, "train.checkpoint_every": 10}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _start_processes(workdir: str, logs: str) -> list[subprocess.Popen]:
    port = _free_port()
    command = [sys.executable, "launch.py", "--config=experiments/configs/italy.py",
               f"--workdir={workdir}", f"--coordinator_address=localhost:{port}",
               "--num_processes=2", *[f"--config.{k}={v}" for k, v in OVERRIDES.items()]]
    return [subprocess.Popen([*command, f"--process_id={i}"], cwd=ROOT,
                             stdout=open(f"{logs}-{i}.log", "w"), stderr=subprocess.STDOUT)
            for i in (0, 1)]


def _wait(processes, timeout=240):
    deadline = time.monotonic() + timeout
    for p in processes:
        try:
            p.wait(max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            for q in processes:
                q.kill()
            pytest.fail("the two-process run did not finish in time")
    return [p.returncode for p in processes]


def test_two_processes_checkpoint_resume_and_match_one_process(tmp_path):
    config = italy.get_config()
    for key, value in OVERRIDES.items():
        group, field = key.split(".")
        config[group][field] = value
    reference = str(tmp_path / "one-process")
    train.train_and_evaluate(config, reference)

    workdir, logs = str(tmp_path / "two-processes"), str(tmp_path / "log")
    processes = _start_processes(workdir, logs)
    deadline = time.monotonic() + 240
    first_checkpoint = os.path.join(workdir, "checkpoints", "10")
    while not os.path.isdir(first_checkpoint) and time.monotonic() < deadline:
        if all(p.poll() is not None for p in processes):
            break
        time.sleep(0.1)
    for p in processes:  # Kill both mid-run (SIGKILL: no clean-up).
        p.send_signal(signal.SIGKILL)
    _wait(processes)
    assert os.path.isdir(first_checkpoint)

    assert _wait(_start_processes(workdir, logs + "-restart")) == [0, 0]
    with open(logs + "-restart-0.log") as f:
        assert "Resumed from the checkpoint" in f.read()

    def without_timing(path):
        return [{k: v for k, v in row.items() if k not in train.TIMING_METRICS}
                for row in read_metrics(os.path.join(path, "metrics.jsonl"))]

    # The all-reduce sums gradients in another order than one device does; over the
    # steps of Adam the float32 rounding differences grow (to about 1e-5 relative at 200).
    two, one = without_timing(workdir), without_timing(reference)
    assert [r["step"] for r in two] == [r["step"] for r in one]
    for a, b in zip(one, two, strict=True):
        assert sorted(a) == sorted(b)
        for key in a:
            assert b[key] == pytest.approx(a[key], rel=1e-4, abs=1e-5), (a["step"], key)
    assert os.path.exists(os.path.join(workdir, "results.json"))


def test_incomplete_process_flags_are_one_error(tmp_path):
    result = subprocess.run([sys.executable, "launch.py", f"--workdir={tmp_path / 'run'}",
                             "--num_processes=2"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --coordinator_address, --num_processes and --process_id go together; give all "
        "three (or --distributed to read them from the cluster)")
    assert not os.path.exists(tmp_path / "run")


def test_only_training_runs_across_processes(monkeypatch, tmp_path):
    import jax

    from experiments import runner
    from experiments.configs import vanishing
    from experiments.errors import ConfigError

    monkeypatch.setattr(jax, "process_count", lambda: 2)
    with pytest.raises(ConfigError, match="experiment 'vanishing' runs in one process; runs "
                                          "of 2 processes support experiment 'train'"):
        runner.run(vanishing.get_config("small"), str(tmp_path / "study"))
    assert not os.path.exists(tmp_path / "study")
