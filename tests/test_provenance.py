"""Where a result was computed: commit, machine, software."""

import re
import subprocess

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


def test_a_changed_doc_or_registry_entry_is_not_a_dirty_checkout(monkeypatch, tmp_path):
    """Recording one entry rewrites docs/results/: the next recording from the same
    checkout must still name a clean commit; a changed source file makes it dirty."""
    repo = tmp_path / "repo"
    for path in ("experiments/provenance.py", "docs/results/entry.json"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("{}\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t",
                        *args], check=True, capture_output=True)
    monkeypatch.setattr(provenance, "__file__", str(repo / "experiments" / "provenance.py"))
    (repo / "docs" / "results" / "entry.json").write_text('{"recorded": 1}\n')
    assert re.fullmatch(r"[0-9a-f]{40}", provenance.commit())
    (repo / "experiments" / "provenance.py").write_text("# changed\n")
    assert provenance.commit().endswith("+dirty")
