"""Suite-wide settings that make XLA compile faster; they change no result a test checks.

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
