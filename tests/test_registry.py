"""The results registry: entries written by runs, reproduced, and every quoted number checked."""

import glob
import io
import json
import os
import subprocess
import sys

import pytest

from experiments import registry, reproduce
from experiments.errors import ConfigError

DOCS = [os.path.join(registry.ROOT, "README.md"),
        *sorted(glob.glob(os.path.join(registry.ROOT, "docs", "**", "*.md"), recursive=True))]


def test_every_quoted_number_matches_its_registry_entry():
    quoted = 0
    for doc in DOCS:
        with open(doc) as f:
            text = f.read()
        for number, name, metric, spec in registry.quoted_numbers(text):
            entry = registry.load(name)
            assert metric in entry["metrics"], f"{doc}: {name} has no metric {metric!r}"
            shown = registry.format_value(entry["metrics"][metric], spec)
            assert shown == number, (
                f"{os.path.basename(doc)} quotes {number} for {name}:{metric}; the registry "
                f"holds {entry['metrics'][metric]} ({shown} at {spec!r})")
            quoted += 1
    assert quoted >= 1  # The docs do quote the registry.


def test_every_entry_was_written_by_a_run():
    for name in registry.names():
        entry = registry.load(name)
        assert set(entry) >= {"name", "command", "commit", "machine", "software", "date",
                              "wall_seconds", "metrics"}, name
        assert entry["name"] == name and entry["metrics"]
        assert not any(a.startswith("--workdir") for a in entry["command"])


def test_quotes_parse_numbers_percentages_and_formats():
    text = ("BLEU 97.7<!--result:translation:eval_bleu:.1f--> and 92.6%<!--result:translation:"
            "eval_exact_match:.1%-->, steps 1,800<!--result:s:x:,.0f--> and 400<!--result:"
            "small:points/lstm:chrono_t_max=32/gap16/median_steps_to_solve:.0f-->")
    assert registry.quoted_numbers(text) == [
        ("97.7", "translation", "eval_bleu", ".1f"),
        ("92.6", "translation", "eval_exact_match", ".1%"),
        ("1,800", "s", "x", ",.0f"),
        ("400", "small", "points/lstm:chrono_t_max=32/gap16/median_steps_to_solve", ".0f")]
    assert registry.format_value(0.926, ".1%") == "92.6"
    assert registry.format_value(1800.0, ",.0f") == "1,800"
    # Exponent notation, as the sweep tables print small values (aggregate's ".2e").
    assert registry.quoted_numbers("± 5.91e-05<!--result:c:summary/x/std:.2e-->") == [
        ("5.91e-05", "c", "summary/x/std", ".2e")]
    # A range: the dash after the first quote is not the second one's sign; a censored
    # ">10000" quotes 10000.
    assert registry.quoted_numbers("-0.3<!--result:a:lo:.1f-->-0.5<!--result:a:hi:.1f-->") == [
        ("-0.3", "a", "lo", ".1f"), ("0.5", "a", "hi", ".1f")]
    assert registry.quoted_numbers(">10000<!--result:a:n:.0f--> (0.023-0.5<!--result:a:x:.1f-->)"
                                   ) == [("10000", "a", "n", ".0f"), ("0.5", "a", "x", ".1f")]


def test_metrics_leave_out_wall_clock_and_flatten_nesting():
    results = {"loss": 0.5, "steps_per_sec": 30.0, "wall_seconds": 9.0, "step": 100,
               "metric": "eval_loss", "higher_is_better": False,
               "points": {"rnn/gap4": {"median": 100.0, "solved": [True]}},
               "timing": {"rnn/gap4": {"train_seconds": 3.0}}}
    assert registry.metrics_of(results) == {"loss": 0.5, "step": 100,
                                            "points/rnn/gap4/median": 100.0}


def test_a_bad_name_is_refused():
    with pytest.raises(ConfigError, match="a registry name is lower-case"):
        registry.check_name("My Result")
    with pytest.raises(ConfigError, match="no registry entry 'nope'"):
        registry.load("nope")


def test_record_then_reproduce_a_cheap_entry_end_to_end(tmp_path):
    """A 40-step Italy run, recorded by launch.py --record and re-run by the reproduce tool."""
    flags = ["--config=experiments/configs/italy.py", "--config.train.steps=40",
             "--config.model.hidden_size=8", "--config.model.embed_size=8",
             "--config.task.eval_size=16", "--config.train.log_every=20",
             "--config.train.eval_every=20", "--config.train.checkpoint_every=20"]
    directory = str(tmp_path / "results")
    env = dict(os.environ)
    record = subprocess.run(
        [sys.executable, "-c", "import sys; from experiments import registry; "
         f"registry.DIRECTORY = {directory!r}; sys.argv = ['launch.py', *sys.argv[1:]]; "
         "import runpy; runpy.run_path('launch.py', run_name='__main__')",
         *flags, f"--workdir={tmp_path / 'run'}", "--record=smoke"],
        cwd=registry.ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert record.returncode == 0, record.stderr[-2000:]
    entry = registry.load("smoke", directory)
    assert entry["command"] == flags and entry["metrics"]["step"] == 40
    assert "eval_loss" in entry["metrics"] and "steps_per_sec" not in entry["metrics"]
    out = io.StringIO()
    assert reproduce.reproduce("smoke", directory, out=out), out.getvalue()
    assert "agreement: exact" in out.getvalue()


def test_compare_is_exact_on_the_same_machine_and_tolerant_elsewhere():
    recorded = {"eval_loss": 0.5, "step": 40, "gone": 1.0}
    measured = {"eval_loss": 0.505, "step": 40}
    assert registry.compare(recorded, measured, 0.0) == [
        ("eval_loss", 0.5, 0.505, False), ("gone", 1.0, None, False), ("step", 40, 40, True)]
    assert [r[3] for r in registry.compare(recorded, measured, 0.02)] == [True, False, True]
    entry = {"commit": "abc", "machine": "m", "software": {"jax": "0.1"}}
    here = {"commit": "abc", "machine": "n", "software": {"jax": "0.2"}}
    assert reproduce.differences(entry, here) == ["machine: recorded m, here n",
                                                  "jax: recorded 0.1, here 0.2"]


def test_a_study_entry_says_where_its_points_ran_and_what_they_cost(tmp_path):
    here = {"commit": "a" * 40, "machine": "CPU A", "software": {"jax": "1"}}
    there = {"commit": "b" * 40, "machine": "CPU B", "software": {"jax": "2"}}
    results = {"points": {"rnn/gap4": {"median_steps_to_solve": 100.0}},
               "provenance": {"rnn/gap4": [None, here], "rnn/gap8": [here],
                              "lstm/gap4": [there]},
               "timing": {"rnn/gap4": {"train_seconds": 7.0}}, "total_wall_seconds": 7200.0}
    results_path = tmp_path / "results.json"
    results_path.write_text(json.dumps(results))
    directory = str(tmp_path / "registry")
    registry.record("study", ["--config=x.py", "--workdir=w", "--record=study"],
                    str(results_path), wall_seconds=3.0, directory=directory)
    entry = registry.load("study", directory)
    assert entry["wall_seconds"] == 7200.0  # The points' time, not the re-reporting run's.
    assert entry["metrics"] == {"points/rnn/gap4/median_steps_to_solve": 100.0}
    assert entry["points_ran_at"] == [
        {"commit": "not recorded", "machine": "not recorded", "software": None,
         "points": ["rnn/gap4"]},
        {**here, "points": ["rnn/gap4", "rnn/gap8"]}, {**there, "points": ["lstm/gap4"]}]
    assert reproduce._duration(7200.0) == "120 min" and reproduce._duration(36000) == "10.0 h"
