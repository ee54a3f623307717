"""Where a result was computed: commit, machine, software."""

import re

from experiments import provenance


def test_describe_names_this_checkouts_commit_the_cpu_and_the_versions():
    where = provenance.describe()
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", where["commit"]), where["commit"]
    assert re.search(r"\(\w+, \d+ cores(, [\w.-]+)?\)$", where["machine"]), where["machine"]
    assert where["software"]["jax"][0].isdigit() and where["software"]["python"][0] == "3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", where["date"])


def test_a_missing_distribution_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(provenance, "SOFTWARE", ("jax", "no-such-distribution"))
    assert provenance.software()["no-such-distribution"] == "not installed"


def test_outside_a_git_checkout_the_commit_is_unknown(monkeypatch, tmp_path):
    monkeypatch.setattr(provenance, "__file__", str(tmp_path / "pkg" / "provenance.py"))
    assert provenance.commit() == "unknown"
