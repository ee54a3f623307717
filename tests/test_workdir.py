"""A run's workdir, piece by piece: the atomic JSON writer, the config check on resume, reading
a run's config, the pending logging window, usable paths and full disks.

test_cluster.py runs the same pieces end to end (locks, read-only and unwritable paths,
corrupt checkpoints, a full disk during a run); these tests need no training.
"""

import errno
import json
import os
import re

import numpy as np
import pytest

from experiments import workdir as workdir_lib
from experiments.configs import italy as italy_config
from experiments.configs import vanishing as vanishing_config
from experiments.errors import ConfigError, WriteError


def test_write_json_writes_sorted_indented_lines_and_leaves_no_tmp(tmp_path):
    path = tmp_path / "results.json"
    workdir_lib.write_json(str(path), {"step": 3, "eval_loss": 0.5, "cells": ["rnn"]})
    assert path.read_text() == ('{\n  "cells": [\n    "rnn"\n  ],\n  "eval_loss": 0.5,\n'
                                '  "step": 3\n}\n')
    assert os.listdir(tmp_path) == ["results.json"]


def test_write_json_replaces_the_whole_file_at_once(tmp_path):
    path = tmp_path / "results.json"
    workdir_lib.write_json(str(path), {"metric": "eval_loss", "values": list(range(100))})
    with open(path) as reader:  # A reader that opened the old file ...
        workdir_lib.write_json(str(path), {"step": 1})
        assert json.loads(reader.read())["values"] == list(range(100))  # ... reads it whole,
    assert json.loads(path.read_text()) == {"step": 1}  # no tail of it is left behind,
    assert os.listdir(tmp_path) == ["results.json"]  # and no temporary file.


def test_a_write_that_fails_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "config.json"
    workdir_lib.write_json(str(path), {"seed": 0})
    with pytest.raises(TypeError, match="not JSON serializable"):
        workdir_lib.write_json(str(path), {"seed": 1, "task": object()})
    assert json.loads(path.read_text()) == {"seed": 0}


def workdir_holding(tmp_path, config):
    """A workdir whose config.json is `config`'s, as a run writes it."""
    workdir_lib.write_json(str(tmp_path / "config.json"), json.loads(config.to_json()))
    return str(tmp_path)


def test_a_new_or_matching_workdir_is_accepted_and_nothing_is_written(tmp_path):
    config = italy_config.get_config()
    workdir_lib.check_config(config, str(tmp_path / "new" / "run"))
    assert os.listdir(tmp_path) == []
    workdir_lib.check_config(config, workdir_holding(tmp_path, config))
    assert os.listdir(tmp_path) == ["config.json"]


def test_another_config_is_refused_naming_every_key_that_differs(tmp_path):
    workdir = workdir_holding(tmp_path, italy_config.get_config())
    before = (tmp_path / "config.json").read_text()
    config = italy_config.get_config()
    config.task.gap, config.model.hidden_size, config.train.learning_rate = 4, 16, 0.1
    with pytest.raises(ConfigError) as error:
        workdir_lib.check_config(config, workdir)
    assert str(error.value) == (
        f"workdir {workdir!r} holds a run with a different config (model.hidden_size, "
        "task.gap, train.learning_rate differ); use a new --workdir to start a new run")
    assert (tmp_path / "config.json").read_text() == before
    assert os.listdir(tmp_path) == ["config.json"]


def test_a_key_on_one_side_only_differs(tmp_path):
    saved = italy_config.get_config()
    saved.model.legacy_option = 1  # Written by an older version, since removed.
    workdir = workdir_holding(tmp_path, saved)
    config = italy_config.get_config()
    config.analysis = {"examples": 8}  # A group the saved run did not have.
    with pytest.raises(ConfigError, match=r"\(analysis, model.legacy_option differ\)"):
        workdir_lib.check_config(config, workdir)


def test_the_budget_may_grow_but_nothing_else_with_it(tmp_path):
    workdir = workdir_holding(tmp_path, italy_config.get_config())
    config = italy_config.get_config()
    config.train.steps *= 10
    workdir_lib.check_config(config, workdir)
    config.train.batch_size *= 2
    with pytest.raises(ConfigError, match=r"\(train.batch_size differ\)"):
        workdir_lib.check_config(config, workdir)


def test_a_studys_workers_and_stall_timeout_may_change(tmp_path):
    workdir = workdir_holding(tmp_path, vanishing_config.get_config("small"))
    config = vanishing_config.get_config("small")
    config.study.update(workers=7, stall_seconds=0)
    workdir_lib.check_config(config, workdir)
    config.study.seeds = 5
    with pytest.raises(ConfigError, match=r"\(study.seeds differ\)"):
        workdir_lib.check_config(config, workdir)


def test_load_config_reads_back_what_the_run_wrote(tmp_path):
    config = italy_config.get_config()
    config.model.cell = "lstm:chrono_t_max=64"
    loaded = workdir_lib.load_config(workdir_holding(tmp_path, config))
    assert loaded.to_json(sort_keys=True) == config.to_json(sort_keys=True)
    assert loaded.task.gap_max is None and loaded.model.cell == "lstm:chrono_t_max=64"


@pytest.mark.parametrize("make_workdir", [lambda tmp: tmp, lambda tmp: tmp / "missing"],
                         ids=["empty", "missing"])
def test_load_config_without_config_json_says_no_run(tmp_path, make_workdir):
    (tmp_path / "metrics.jsonl").write_text("")  # Something, but not a run's config.
    workdir = str(make_workdir(tmp_path))
    with pytest.raises(ConfigError, match=re.escape(f"'{workdir}' holds no run (no config.json)")):
        workdir_lib.load_config(workdir)


@pytest.fixture
def run_dir(tmp_path):
    os.makedirs(tmp_path / "checkpoints")
    return str(tmp_path)


def test_no_pending_window_loads_as_empty_and_drops_quietly(run_dir):
    assert workdir_lib.load_pending_window(run_dir, 5) == []
    workdir_lib.drop_pending_window(run_dir)  # Nothing to drop: no error.


def test_pending_window_keeps_row_order_and_values_then_drops(run_dir):
    rows = [{"loss": np.float32(1.0 / (i + 1)), "grad_norm": np.float64(i + 0.5)}
            for i in range(3)]
    workdir_lib.save_pending_window(run_dir, 12, rows)
    assert os.listdir(os.path.join(run_dir, "checkpoints")) == ["pending_window.json"]
    loaded = workdir_lib.load_pending_window(run_dir, 12)
    assert [sorted(r) for r in loaded] == [["grad_norm", "loss"]] * 3
    for got, want in zip(loaded, rows, strict=True):
        for key in want:  # The same numbers to the last bit, in their own dtype.
            assert got[key].dtype == want[key].dtype and got[key] == want[key]
    workdir_lib.drop_pending_window(run_dir)
    assert os.listdir(os.path.join(run_dir, "checkpoints")) == []
    assert workdir_lib.load_pending_window(run_dir, 12) == []


def test_a_later_pending_window_replaces_the_earlier_one(run_dir):
    workdir_lib.save_pending_window(run_dir, 7, [{"loss": np.float32(2.0)}])
    workdir_lib.save_pending_window(run_dir, 9, [{"loss": np.float32(1.0)}])
    assert workdir_lib.load_pending_window(run_dir, 7) == []
    assert workdir_lib.load_pending_window(run_dir, 9) == [{"loss": np.float32(1.0)}]
    assert os.listdir(os.path.join(run_dir, "checkpoints")) == ["pending_window.json"]


@pytest.mark.parametrize("make_workdir", [
    lambda tmp: tmp,  # An existing directory (a run to resume).
    lambda tmp: tmp / "runs" / "italy" / "seed0",  # New, several levels deep.
], ids=["existing", "new_nested"])
def test_usable_workdirs_pass_and_nothing_is_created(tmp_path, make_workdir):
    (tmp_path / "config.json").write_text("{}")
    workdir_lib.check_usable(str(make_workdir(tmp_path)))
    assert os.listdir(tmp_path) == ["config.json"]


def full_disk(filename="ckpt"):
    return OSError(errno.ENOSPC, "No space left on device", filename)


def wrapped(cause, error):
    try:
        raise error from cause
    except Exception as e:
        return e


@pytest.mark.parametrize("error, full", [
    (full_disk(), True),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
    (wrapped(full_disk(), RuntimeError("orbax: save failed")), True),  # Raised from it.
    (OSError("TensorStore: No space left on device [path=/x]"), True),  # Only the message.
    (OSError(errno.EACCES, "Permission denied"), False),
    (RuntimeError("save failed"), False),
])
def test_is_disk_full_follows_the_causes_and_the_message(error, full):
    assert workdir_lib.is_disk_full(error) is full


def test_disk_full_stops_turns_a_full_disk_into_one_write_error(tmp_path):
    with pytest.raises(WriteError, match=r"could not write in '.*': No space left on device; "
                       "the previous checkpoint is intact") as stopped:
        with workdir_lib.disk_full_stops(str(tmp_path)):
            raise full_disk()
    assert stopped.value.errno == errno.ENOSPC and stopped.value.filename == "ckpt"
    with pytest.raises(PermissionError):  # Any other error passes through unchanged.
        with workdir_lib.disk_full_stops(str(tmp_path)):
            raise PermissionError(errno.EACCES, "Permission denied")
