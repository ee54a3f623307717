"""Data-parallel training over a device mesh (4 CPU devices forced in a subprocess)."""

import json
import os
import subprocess
import sys

import pytest

from experiments import sharding, train
from experiments.configs import italy
from experiments.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a fresh interpreter: the device count must be set before JAX starts.
SCRIPT = r"""
import json, os, sys
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import jax, numpy as np
from experiments import train
from experiments.configs import italy
from experiments.errors import ConfigError
from experiments.workdir import read_metrics

def config(data, model=1, batch_size=8):
    c = italy.get_config()
    c.task.update(gap=3, eval_size=16)
    c.model.update(hidden_size=8, embed_size=8)
    c.train.update(steps=10, batch_size=batch_size, log_every=5, eval_every=10,
                   checkpoint_every=10)
    c.mesh.update(data=data, model=model)
    return c

out, params = {"devices": jax.device_count()}, {}
for name, data, model in (("one", 1, 1), ("data4", 0, 1), ("data2_model2", 2, 2)):
    workdir = os.path.join(sys.argv[1], name)
    train.train_and_evaluate(config(data, model), workdir)
    out[name] = [r for r in read_metrics(os.path.join(workdir, "metrics.jsonl"))]
    params[name] = train.load_run(workdir)[3].params
for name in ("data4", "data2_model2"):
    diffs = jax.tree.map(lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))),
                         params["one"], params[name])
    out[name + "_param_diff"] = max(jax.tree.leaves(diffs))
try:
    train.train_and_evaluate(config(0, batch_size=6), os.path.join(sys.argv[1], "bad"))
except ConfigError as e:
    out["error"] = str(e)
out["bad_written"] = os.path.exists(os.path.join(sys.argv[1], "bad"))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def four_devices(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("sharded"))
    result = subprocess.run([sys.executable, "-c", SCRIPT, workdir], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sharded_runs_match_the_single_device_run(four_devices):
    assert four_devices["devices"] == 4

    def without_timing(rows):
        return [{k: v for k, v in r.items() if k not in train.TIMING_METRICS} for r in rows]

    for name in ("data4", "data2_model2"):
        one, other = without_timing(four_devices["one"]), without_timing(four_devices[name])
        assert [sorted(r) for r in one] == [sorted(r) for r in other]
        for a, b in zip(one, other, strict=True):
            for key in a:
                assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-5), (name, key)
        assert four_devices[name + "_param_diff"] < 1e-5


def test_batch_that_does_not_divide_across_devices_is_one_clear_error(four_devices):
    assert four_devices["error"] == ("train.batch_size (6) must divide evenly across the 4 "
                                     "devices of the data axis; use a multiple of 4")
    assert not four_devices["bad_written"]


def test_mesh_larger_than_the_machine_is_refused(tmp_path):
    config = italy.get_config()
    config.mesh.data = 3
    with pytest.raises(ConfigError, match=r"mesh.data x mesh.model = 3 x 1 needs 3 devices; "
                                          r"1 are available"):
        train.train_and_evaluate(config, str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")
    with pytest.raises(ConfigError, match=r"mesh.model \(2\) must divide the 1 devices"):
        sharding.make_mesh({"data": 0, "model": 2}, 8)
