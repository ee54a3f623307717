"""Runs an experiment from an ml_collections config file.

    python launch.py --config=experiments/configs/italy.py --workdir=runs/italy \
        --config.model.cell=rnn --config.task.gap=20
    python launch.py --config=experiments/configs/adding.py:sweep --workdir=runs/adding \
        [--sweep_index=N | --sweep_list]

With no flags it runs the default experiment into runs/<config>-<timestamp>/.
Running the same command with the same --workdir resumes from its checkpoint.
A config with sweep axes runs its whole grid, or with --sweep_index=N only
point N (one task of a cluster array job); --sweep_list prints the grid.
Several processes form one data-parallel run with --coordinator_address,
--num_processes and --process_id (or --distributed on SLURM / TPU pods).
Bad flags, config values or workdirs give one line on stderr and exit code 2;
so does a workdir that another run holds (its `lock` file names the holder).
SIGTERM or SIGINT stops a run at a step boundary with a checkpoint, exit code
143 or 130 (128 + the signal); a full disk stops it with exit code 74. Either
way, rerunning the same command resumes.
"""

import logging as python_logging
import os
import re
import sys
import time

from absl import app, flags, logging
from ml_collections import config_flags

from experiments import host_memory  # Importing it does not start JAX's backend.

_DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "experiments", "configs", "italy.py")
_WORKDIR = flags.DEFINE_string(
    "workdir", None, "Directory for checkpoints, metrics and plots "
    "(default: runs/<config name>-<timestamp>).")
_COORDINATOR = flags.DEFINE_string(
    "coordinator_address", None, "host:port of process 0, for a run of several processes "
    "(hosts) joined by jax.distributed; with --num_processes and --process_id.")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None, "Processes in the run.")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "This process's index, from 0.")
_DISTRIBUTED = flags.DEFINE_boolean(
    "distributed", False, "Join a multi-process run whose settings JAX reads from the "
    "cluster (SLURM, TPU pod slices, Open MPI): jax.distributed.initialize().")
_SWEEP_INDEX = flags.DEFINE_integer(
    "sweep_index", None, "Run only this point of the config's sweep grid (0-based), in "
    "WORKDIR/<point name>; for array jobs. Aggregate with python -m experiments.aggregate.")
_HOST_MEMORY = flags.DEFINE_enum(
    "host_memory", "reuse", host_memory.POLICIES, "reuse: keep freed host memory for the next "
    "step instead of returning it to the OS (no page faults on XLA:CPU's per-call temporary "
    "buffers; see experiments/host_memory.py); system: the C library's defaults.")
_RECORD = flags.DEFINE_string(
    "record", None, "After the run, write its command, commit, machine, software, wall time "
    "and metrics to docs/results/NAME.json, the registry that published numbers come from "
    "(python -m experiments.reproduce NAME re-runs it).")
_SWEEP_LIST = flags.DEFINE_boolean(
    "sweep_list", False, "Print the config's sweep grid (index, point name, flags) and exit.")


def _fail(message, code: int = 2, prefix: str | None = "error") -> None:
    """Prints one line on stderr and exits with status `code` (no traceback)."""
    if isinstance(message, (KeyError, AttributeError)):  # A mistyped --config.KEY.
        text = str(message.args[0] if message.args else message)
        key = re.search(r"\w+", text).group() if re.search(r"\w+", text) else text
        hint = re.search(r'Did you mean "\w+" instead of "\w+"\?', text)
        flag = [a.split("=")[0] for a in sys.argv if a.startswith("--config.")
                and f".{key}" in a.split("=")[0]]
        message = (f"unknown config key {key!r}" + (f" in {flag[0]}" if flag else "")
                   + (f"; {hint.group()}" if hint else ""))
    text = str(message)
    if "Traceback (most recent call last)" in text:  # A config file that raised: its error.
        last = [line for line in text.strip().splitlines() if line.strip()][-1]
        text = f"{text.split('Traceback')[0].strip()} {last.strip()}"
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    text = " ".join(lines) or "invalid arguments"
    print(text if prefix is None else f"{prefix}: {text}", file=sys.stderr)
    sys.exit(code)


def _parse_flags(argv):
    try:
        return flags.FLAGS(argv)
    except Exception as e:  # noqa: BLE001 - any flag problem is one line, not a traceback.
        _fail(e)


def _only_our_info(record) -> bool:
    """Keeps warnings from everywhere but INFO lines only from this project."""
    return record.levelno >= python_logging.WARNING or "orbax" not in record.pathname


def _initialize_distributed() -> None:
    given = [_COORDINATOR.value is not None, _NUM_PROCESSES.value is not None,
             _PROCESS_ID.value is not None]
    if not any(given) and not _DISTRIBUTED.value:
        return
    if any(given) and not all(given):
        _fail("--coordinator_address, --num_processes and --process_id go together; "
              "give all three (or --distributed to read them from the cluster)")
    if all(given) and not (_NUM_PROCESSES.value >= 1
                           and 0 <= _PROCESS_ID.value < _NUM_PROCESSES.value):
        _fail(f"--process_id={_PROCESS_ID.value} must be in [0, --num_processes="
              f"{_NUM_PROCESSES.value})")
    from experiments import sharding
    try:
        sharding.initialize_distributed(_COORDINATOR.value, _NUM_PROCESSES.value,
                                        _PROCESS_ID.value)
    except (RuntimeError, ValueError) as e:
        _fail(f"jax.distributed.initialize failed: {e}")


def main(argv):
    if len(argv) > 1:
        _fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if _HOST_MEMORY.value == "reuse":  # Before JAX starts its threads.
        reason = host_memory.keep_freed_memory()
        if reason:
            logging.warning("--host_memory=reuse not applied: %s", reason)
    _initialize_distributed()
    import jax

    from experiments import runner
    from experiments.errors import ConfigError, NonFiniteLossError, WriteError
    from experiments.preemption import Preempted

    try:
        config = flags.FLAGS["config"].value
        config.get("experiment")  # A config file that failed to load raises here.
    except Exception as e:  # noqa: BLE001
        cause = e.__cause__ or e
        _fail(f"--config={config_flags.get_config_filename(flags.FLAGS['config'])}: "
              f"{str(cause).strip().splitlines()[-1].strip()}")
    if _SWEEP_LIST.value:
        from experiments import sweep
        try:
            if not sweep.is_sweep(config):
                raise ConfigError("--sweep_list needs a config with sweep axes "
                                  "(config.sweep.*); this config is a single run")
            print(sweep.listing(config))
        except ConfigError as e:
            _fail(e)
        return
    workdir = _WORKDIR.value
    if workdir is None:
        name = os.path.splitext(os.path.basename(config_flags.get_config_filename(
            flags.FLAGS["config"])))[0]
        workdir = os.path.join("runs", f"{name}-{time.strftime('%Y%m%d-%H%M%S')}")
    from experiments import registry
    try:
        if _RECORD.value is not None:
            registry.check_name(_RECORD.value)
    except ConfigError as e:
        _fail(e)
    logging.info("JAX %s, devices: %s", jax.__version__, jax.devices())
    logging.info("workdir: %s\nconfig:\n%s", workdir, config)
    started = time.perf_counter()
    try:
        runner.run(config, workdir, command=" ".join(["python", *sys.argv]),
                   sweep_index=_SWEEP_INDEX.value)
    except (ConfigError, NonFiniteLossError) as e:
        _fail(e)
    except Preempted as e:  # SIGTERM / SIGINT: checkpoint saved; 143 / 130, as shells say.
        _fail(e, e.exit_code, prefix=None)
    except WriteError as e:  # A full disk or quota: the previous checkpoint is intact.
        _fail(e.strerror, WriteError.EXIT_CODE)
    print(f"results in {workdir}")
    if _RECORD.value is not None:
        results = os.path.join(workdir, "results.json")
        if not os.path.exists(results):
            _fail(f"--record: this run wrote no results.json in {workdir} to record")
        print("recorded:", registry.record(_RECORD.value, sys.argv[1:], results,
                                           time.perf_counter() - started))


if __name__ == "__main__":
    try:
        # The default config is loaded here, with any --config.KEY overrides.
        config_flags.DEFINE_config_file(
            "config", _DEFAULT_CONFIG, "Experiment config file (--config.KEY=VALUE overrides).",
            lock_config=True)
    except Exception as e:  # noqa: BLE001
        _fail(e)
    logging.set_verbosity(logging.INFO)
    logging.get_absl_handler().python_handler.addFilter(_only_our_info)
    app.run(main, flags_parser=_parse_flags)
