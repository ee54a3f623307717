"""The `python -m experiments.X` tools: bad input is one `error:` line and exit status 2."""

import os
import subprocess
import sys

import pytest

from experiments import aggregate, cli, compare, plots
from experiments.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def exit_of(capsys, call):
    with pytest.raises(SystemExit) as stopped:
        call()
    errors = capsys.readouterr().err.strip().splitlines()
    return stopped.value.code, errors


@pytest.mark.parametrize("main, argv, message", [
    (plots.main, ["plots"], "usage: python -m experiments.plots WORKDIR"),
    (plots.main, ["plots", "/nonexistent"], "is not a study workdir (no config.json)"),
    (aggregate.main, ["aggregate"], "usage: python -m experiments.aggregate SWEEPDIR"),
    (aggregate.main, ["aggregate", "/nonexistent"], "is not a directory"),
    (aggregate.main, ["aggregate", "/", "--entry=Bad"], "--entry='Bad': a registry name is"),
    (aggregate.main, ["aggregate", "/", "--entry=a", "--entry=b"], "usage: python -m exp"),
    (compare.main, ["compare"], "usage: python -m experiments.compare WORKDIR"),
    (compare.main, ["compare", "/nonexistent"], "no finished run (results.json) in"),
])
def test_positional_tools_refuse_bad_arguments_with_exit_2(capsys, main, argv, message):
    code, errors = exit_of(capsys, lambda: main(argv))
    assert code == 2 and len(errors) == 1 and errors[0].startswith("error: ")
    assert message in errors[0]


def test_a_config_error_inside_a_tool_is_one_line(capsys, monkeypatch):
    def main(argv):
        raise ConfigError("workdir 'x' holds no run\n(no config.json)")

    monkeypatch.setattr(sys, "argv", ["tool"])
    code, errors = exit_of(capsys, lambda: cli.main(main))
    assert code == 2 and errors == ["error: workdir 'x' holds no run (no config.json)"]
    code, _ = exit_of(capsys, lambda: cli.main(lambda argv: 1))
    assert code == 1  # What main returns is the exit status.


def test_a_bad_flag_is_one_line_and_exit_2():
    out = subprocess.run([sys.executable, "-m", "experiments.generate", "--bogus=1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == ["error: Unknown command line flag 'bogus'"]
