"""Suite-wide settings that make XLA compile faster (they change no result a test checks),
and the fixture with which the test files check that bad configs are refused.

Compilation, not execution, dominates this suite (tiny shapes, many distinct programs), so:

* `--xla_backend_optimization_level=0` skips LLVM's optimisation of the generated machine
  code (XLA's own HLO passes, fusion included, still run). Programs run slower, which tiny
  shapes do not notice, and compile about a quarter faster.
* A persistent compilation cache, fresh for every session and pytest worker, reuses the
  executable of any program whose HLO another test already compiled (many tests build
  the same small model through a new Python function, which JAX's in-memory cache, keyed
  by function, misses). Subprocesses the tests start (launch.py runs) inherit both.

These are environment variables, so they must be set before JAX starts: here, at import of
the suite's conftest, before any test module imports JAX.
"""

import os
import shutil
import tempfile

import pytest

_flags = os.environ.get("XLA_FLAGS", "")
if "xla_backend_optimization_level" not in _flags:
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_backend_optimization_level=0".strip()

if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    _cache = tempfile.mkdtemp(prefix=f"recurrent-tests-xla-cache-{_worker}-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _cache
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "-1"

    def pytest_unconfigure(config):
        shutil.rmtree(_cache, ignore_errors=True)


# The files that take longest (worker-seconds, measured with `--durations`), run first: with
# `--dist loadfile` (the Makefile's), xdist hands whole files to the workers in collection
# order, so a long file collected last leaves one core idle while it runs. The Makefile
# passes --no-loadscope-reorder, which keeps this order instead of sorting by test count.
SLOWEST_FIRST = ("test_vanishing.py", "test_sequence_modes.py", "test_modern_cells.py",
                 "test_train.py", "test_analysis.py", "test_unroll.py", "test_distributed.py",
                 "test_benchmark.py", "test_fused.py", "test_sharding.py", "test_newton.py",
                 "test_lyapunov.py", "test_tutorial.py", "test_nnx.py", "test_eqx.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # Stable: files stay whole.


@pytest.fixture
def assert_refused(tmp_path):
    """`assert_refused(config, key, value, message)` sets `key` of `config` ("group.field",
    or a top-level field) to `value` and checks that `runner.run` raises a ConfigError
    matching `message` before it writes anything."""
    def check(config, key, value, message):
        from experiments import runner  # Imports JAX: only after the settings above.
        from experiments.errors import ConfigError

        group, _, field = key.rpartition(".")
        (config[group] if group else config)[field] = value
        workdir = tmp_path / "run"
        with pytest.raises(ConfigError, match=message):
            runner.run(config, str(workdir))
        assert not workdir.exists()

    return check
