"""The documentation runs: docs/tutorial.md (a jupytext notebook, executed with nbclient at
the small sizes below), the README's three module-system snippets and its unroll modes'
snippet, and the examples in the module docstrings of `rec.nnx` and `rec.eqx`."""

import contextlib
import doctest
import importlib
import io
import os
import re

import jupytext
import nbclient
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Replaces the notebook's parameters cell (papermill's convention: the cell tagged
# "parameters"), so the run takes seconds; every other cell runs as written.
SMALL = "GAP = 8\nHIDDEN = 8\nBATCH = 4\nTRAIN_STEPS = 6\n"


def test_tutorial_runs(monkeypatch):
    notebook = jupytext.read(os.path.join(ROOT, "docs", "tutorial.md"))
    parameters = [cell for cell in notebook.cells
                  if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1
    names = set(re.findall(r"^(\w+) =", parameters[0].source, re.M))
    assert names == set(re.findall(r"^(\w+) =", SMALL, re.M))  # The test sets every one.
    parameters[0].source = SMALL
    # The kernel imports this checkout (not another installed copy) and inherits the suite's
    # XLA settings (tests/conftest.py).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": ROOT}})
    client.execute()  # Raises CellExecutionError, with the cell and traceback, on any error.

    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])]
    text = "".join(output.get("text", "") for output in outputs)
    assert "RNN (tanh): gradient at the first step" in text
    assert any("image/png" in output.get("data", {}) for output in outputs)  # The plot.
    nnx_losses = [float(x) for x in re.findall(r"^NNX +step +\d+ +loss ([\d.]+)", text, re.M)]
    eqx_losses = [float(x) for x in re.findall(r"^Equinox +step +\d+ +loss ([\d.]+)", text,
                                               re.M)]
    assert len(nnx_losses) == len(eqx_losses) == 6
    # Both start from the same parameters: the first loss is the same number.
    assert nnx_losses[0] == eqx_losses[0] > 0


def readme_snippets(heading):
    """The python snippets of the README's section `### {heading}`."""
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    section = readme.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def readme_module_snippets():
    return readme_snippets("Flax linen, Flax NNX and Equinox")


def run_prints_what_its_comments_say(snippet, name):
    """Runs `snippet` on its own and checks that each `print(...)  # X` line prints X."""
    expected = re.findall(r"^print\(.*\)  # (.*)$", snippet, re.M)
    assert expected
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(snippet, name, "exec"), {})
    assert stdout.getvalue().splitlines() == expected


def test_readme_has_one_snippet_per_module_system():
    snippets = readme_module_snippets()
    assert [next(m for m in ("rec.nn.", "rec.nnx.", "rec.eqx.") if m in s)
            for s in snippets] == ["rec.nn.", "rec.nnx.", "rec.eqx."]


@pytest.mark.parametrize("index", range(3), ids=["linen", "nnx", "equinox"])
def test_readme_snippet_prints_what_its_comments_say(index):
    """Each snippet runs on its own, and each `print(...)  # X` line prints X."""
    run_prints_what_its_comments_say(readme_module_snippets()[index], f"README snippet {index}")


def test_readme_unroll_modes_snippet_prints_what_its_comments_say():
    (snippet,) = readme_snippets("Unroll modes: sequential, associative, Newton")
    run_prints_what_its_comments_say(snippet, "README unroll modes snippet")


@pytest.mark.parametrize("module", ["recurrent.nnx", "recurrent.eqx"])
def test_module_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
