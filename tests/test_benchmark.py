"""The benchmark harness runs end to end on a tiny shape (no timing is asserted)."""

import json

import jax
import jax.numpy as jnp
import pytest

import recurrent as rec
from experiments import benchmark, provenance, runner
from experiments.benchmark import floor, op_profile, report
from experiments.configs import benchmark as benchmark_config
from experiments.errors import ConfigError


def test_benchmark_writes_tables(tmp_path):
    config = benchmark_config.get_config("quick")
    config.cells, config.shapes, config.repeats = ("lstm", "indrnn"), ("2,5,3,4",), 2
    config.peers = ("flax", "cudnn")  # torch is an optional extra; no GPU here.
    config.state_grads_cells = config.profile_cells = ("lstm",)
    config.profile_shapes = ("2,4,3,4",)  # Traced where asked, not at the first shape.
    config.lyapunov_exponents, config.sensitivity_probes = 3, 2
    config.scan_cells, config.scan_lengths, config.scan_batch = ("mingru",), (16,), 2
    config.scan_width, config.scan_repeats = 4, 2
    config.study_step_gap = 0  # Timed in its own test below.
    results = runner.run(config, str(tmp_path), command="python launch.py (test)")
    names = [(r["cell"], r["implementation"]) for r in results["rows"]]
    assert names == [
        # The LSTM's fused loop has two layouts: the default ("fused") and each one.
        ("lstm", "floor (unavoidable products)"), ("lstm", "recurrent (fused)"),
        ("lstm", "recurrent (batch_major)"), ("lstm", "recurrent (feature_major)"),
        ("lstm", "recurrent (autodiff)"),
        ("lstm", "recurrent (bfloat16)"), ("lstm", "recurrent (remat)"),
        ("lstm", "flax.linen.RNN(OptimizedLSTMCell)"),
        # IndRNN is batch-major already, has no bfloat16 option and no peer.
        ("indrnn", "floor (unavoidable products)"), ("indrnn", "recurrent (fused)"),
        ("indrnn", "recurrent (autodiff)"), ("indrnn", "recurrent (remat)")]
    for row in results["rows"]:
        assert row["train_s"] > 0 and row["forward_s"] > 0
        assert row["train_tokens_per_s"] == pytest.approx(10 / row["train_s"])
        assert (row["train_page_faults"] is None) == row["implementation"].startswith("floor")
    fused = results["rows"][1]
    assert fused["compile_s"] > 0 and fused["temp_bytes"] > 0
    assert fused["train_over_floor"] == pytest.approx(
        fused["train_s"] / results["rows"][0]["train_s"])
    speedup = results["speedups"][0]["train_speedup"]["flax.linen.RNN(OptimizedLSTMCell)"]
    assert speedup == pytest.approx(results["rows"][7]["train_s"] / fused["train_s"])
    # The rows of the fused loop say which layout they ran; the default's is rec.tuning's.
    assert [r.get("layout") for r in results["rows"][1:4]] == [
        rec.fused_layout(rec.LSTM(4), batch=2, steps=5), "batch_major", "feature_major"]
    (instruments,) = results["state_grads"]
    assert instruments["ratio"] > 0 and instruments["lyapunov_exponents"] == 3
    for name in ("lyapunov", "sensitivity"):
        assert instruments[f"{name}_ratio"] == pytest.approx(instruments[f"{name}_ms"]
                                                             / instruments["train_ms"])
    with open(tmp_path / "benchmark.json") as f:
        assert json.load(f)["rows"] == results["rows"]
    table = open(tmp_path / "benchmark.md").read()
    assert "**lstm**, B=2, T=5, I=3, H=4" in table and "| mingru | 16 |" in table
    assert "feature-major" in table and "no cuDNN row" in table
    assert "| lstm | 2,5,3,4 |" in table and "parameter_sensitivity, p |" in table
    assert "host memory: " in results["machine"]
    # The traced LSTM: the training step's forward and backward loops and the forward pass's
    # loop run T = 4 iterations (profile_shapes), each with the step's product inside.
    (profile,) = results["profiles"]
    assert profile["shape"] == [2, 4, 3, 4]
    assert [len(profile["train"]["loops"]), len(profile["forward"]["loops"])] == [2, 1]
    for loop in profile["train"]["loops"] + profile["forward"]["loops"]:
        assert loop["calls"] == 4 and loop["op_name"].endswith("while")
        assert any(op["op_name"].endswith("dot_general") and op["calls"] == 4
                   for op in loop["ops"])
        assert sum(op["ms"] for op in loop["ops"]) <= loop["ms"]
    assert sum(loop["ms"] for loop in profile["train"]["loops"]) < profile["train"]["traced_ms"]
    assert "Where the time goes: **lstm** fused training step, B=2,T=4,I=3,H=4" in table


def test_floor_counts_the_faster_layout_of_each_chain():
    parts = {"recurrent_forward": 3.0, "recurrent_backward": 2.0,
             "recurrent_forward_feature_major": 1.0, "recurrent_backward_feature_major": 4.0,
             "input_projection": 0.5, "input_weight_gradient": 0.25,
             "recurrent_weight_gradient": 0.125}
    row = floor.floor_row(parts)
    assert row["train_s"] == 1.0 + 2.0 + 0.5 + 0.25 + 0.125
    assert row["forward_s"] == 1.0 + 0.5
    assert row["parts_s"] == parts  # The report keeps both layouts.


@pytest.mark.parametrize("key, value, message", [
    ("shapes", ("2,5,3",), "shapes entries must be 'B,T,I,H'"),
    ("profile_shapes", ("8,512,32",), "profile_shapes entries must be 'B,T,I,H'"),
    ("variants", ("fused", "fast"),
     "variants\\[...\\] must be one of fused, batch_major, feature_major, batch_major_split, "
     "feature_major_split, autodiff"),
    ("peers", ("keras",), "peers\\[...\\] must be one of flax, nnx, torch, cudnn"),
    ("cells", ("lstm", "tcn"), "cells: unknown cell 'tcn'"),
    ("profile_cells", ("tcn",), "profile_cells: unknown cell 'tcn'"),
    ("newton_cells", ("tcn",), "newton_cells: unknown cell 'tcn'"),
    ("newton_max_iterations", 0, "newton_max_iterations must be an integer >= 1"),
    ("shapes", (), "profile_cells traces at the first entry of shapes, but shapes is empty"),
    ("scan_cells", ("gru",), "scan_cells: 'gru' is not a registered cell with a parallel form"),
    ("lyapunov_exponents", 1000, "lyapunov_exponents=1000 must not exceed the smallest H"),
    ("sensitivity_probes", -1, "sensitivity_probes must be an integer >= 0"),
])
def test_bad_benchmark_config(assert_refused, key, value, message):
    assert_refused(benchmark_config.get_config(), key, value, message)


def test_profile_puts_each_op_in_the_innermost_loop_that_runs_it():
    hlo = "\n".join([
        '%called (p: f32[4]) -> f32[4] {',
        '  ROOT %mul_fusion = f32[4]{0} fusion(%p), kind=kLoop, calls=%m, '
        'metadata={op_name="jit(f)/while/body/while/body/mul" stack_frame_id=3}',
        '}',
        '%inner_body (p: (s32[], f32[4])) -> (s32[], f32[4]) {',
        '  ROOT %call = f32[4]{0} call(%p), to_apply=%called',
        '}',
        '%outer_body (q: (s32[], f32[4])) -> (s32[], f32[4]) {',
        '  %inner.1 = (s32[]) while(%u), condition=%c2, body=%inner_body, '
        'metadata={op_name="jit(f)/while/body/while"}',
        '  ROOT %add_fusion = f32[4]{0} fusion(%inner.1), kind=kLoop, calls=%a',
        '}',
        'ENTRY %main (x: f32[4]) -> f32[4] {',
        '  %outer = (s32[]) while(%t), condition=%c, body=%outer_body, '
        'metadata={op_name="jit(f)/while"}, backend_config={"known_trip_count":{"n":"2"}}',
        '  ROOT %copy.2 = f32[4]{0} copy(%outer)',
        '}'])
    ops = op_profile.hlo_ops(hlo)
    assert ops["outer"] == {"op_name": "while", "is_loop": True, "trip_count": 2, "loop": None}
    assert ops["inner.1"]["trip_count"] is None and ops["copy.2"]["op_name"] == ""
    assert [ops[name]["loop"] for name in ("inner.1", "mul_fusion", "add_fusion", "copy.2")] == [
        "outer", "inner.1", "outer", None]
    # Two traced calls (times in ns). The inner loop's event ends before its ops do (XLA:CPU
    # ran them asynchronously), so its run is counted to the end of its last op.
    events = []
    for start in (0, 10_000):
        events += [(start, start + 5_000, "outer"), (start + 1_000, start + 1_100, "inner.1"),
                   (start + 1_500, start + 2_000, "mul_fusion"),
                   (start + 2_000, start + 2_500, "mul_fusion"),
                   (start + 4_000, start + 4_250, "add_fusion"),
                   (start + 6_000, start + 7_000, "copy.2")]
    summary = op_profile.summarize(events, ops, calls=2)
    assert [(loop["op"], loop["in"], loop["ms"]) for loop in summary["loops"]] == [
        ("outer", None, 0.005), ("inner.1", "outer", 0.0015)]
    inner_ops = summary["loops"][1]["ops"]
    assert [(o["op"], o["calls"], o["ms"]) for o in inner_ops] == [("mul_fusion", 2, 0.001)]
    assert [(o["op"], o["calls"]) for o in summary["loops"][0]["ops"]] == [("add_fusion", 1)]
    assert [(o["op"], o["calls"], o["ms"]) for o in summary["outside"]] == [("copy.2", 1, 0.001)]
    table = "\n".join(op_profile.markdown("t", {"traced_ms": 0.106, **summary}, top=1))
    assert "| **loop `outer`** (while, 2 iterations) | | | | **0.0** | |" in table
    assert "| outside loops | `copy.2` | - | 1 | 0.00 | 1.0 |" in table
    # 106 µs a call traced, 5 in the outer loop and 1 in the copy: 100 in no op's event.
    assert table.splitlines()[-1].startswith("| not in an op's event")
    assert table.splitlines()[-1].endswith("| | | | 0.1 | |")


def test_study_step_row_times_the_study_program_and_pytorch_if_installed():
    from experiments.vanishing import step_benchmark
    row = step_benchmark.measure(gap=2, calls=1)
    assert row["T"] == 2 + 5 and row["seeds"] == 3
    assert row["ours_ms_per_step"] > 0 and row["compile_s"] > 0 and row["floor_ms_per_step"] > 0
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "torch_ms_per_step" not in row
    else:
        assert row["speedup_over_torch"] == pytest.approx(
            row["torch_ms_per_step"] / row["ours_ms_per_step"])
    text = report.study_step([row])
    assert "| 2 | 7 |" in text


def test_frameworks_in_their_own_processes_resume_and_draw_heatmaps(tmp_path, monkeypatch):
    from experiments.benchmark import separate

    config = benchmark_config.get_config("shapes")
    # Two lengths, the longer first: the grid runs the shorter T whole (in turns, then in
    # processes of their own) before the longer, and reports in the config's order.
    config.cells, config.shapes, config.repeats = ("gru",), ("2,5,3,4", "2,3,3,4"), 2
    config.variants = ("fused", "batch_major", "feature_major")  # No unrolled loops.
    config.peers, config.separate_implementations = ("nnx",), ("fused", "flax")
    config.separate_rounds, config.separate_repeats = 1, 2
    config.separate_policies = ("reuse",)  # launch.py's policy, applied in each worker.
    results = runner.run(config, str(tmp_path), command="python launch.py (test)")
    assert [(r["implementation"], r["T"]) for r in results["rows"]] == [
        (name, steps) for steps in (5, 3) for name in (
            "floor (unavoidable products)", "recurrent (fused)", "recurrent (batch_major)",
            "recurrent (feature_major)", "flax.nnx.RNN(GRUCell)")]
    own = results["separate_rows"]
    assert [(r["implementation"], r["T"], r["policy"]) for r in own] == [
        ("recurrent (fused)", 5, "reuse"), ("flax.linen.RNN(GRUCell)", 5, "reuse"),
        ("recurrent (fused)", 3, "reuse"), ("flax.linen.RNN(GRUCell)", 3, "reuse")]
    points = tmp_path / "points"
    kept = sorted(points.iterdir(), key=lambda path: path.stat().st_mtime_ns)
    assert [p.name for p in kept if p.name.startswith("own-")] == [
        "own-reuse-gru-2x3x3x4.json", "own-reuse-gru-2x5x3x4.json"]
    assert (points / "turns-gru-2x5x3x4.json").stat().st_mtime_ns > (
        points / "own-reuse-gru-2x3x3x4.json").stat().st_mtime_ns
    assert {p.name for p in points.glob("process-*")} == {
        f"process-reuse-gru-T{steps}-r0-{name}.json" for steps in (3, 5)
        for name in ("fused", "flax")}
    ratio = results["separate_ratios"][0]
    assert ratio["train_over_best_peer"] == pytest.approx(own[1]["train_s"] / own[0]["train_s"])
    assert results["plots"] == ["speed_gru_reuse"]
    assert (tmp_path / "plots" / "speed_gru_reuse.png").exists()
    assert any((tmp_path / "jax-cache").iterdir())  # The workers' compiled programs, shared.
    assert "Each framework in its own process (host memory: reuse" in (
        tmp_path / "benchmark.md").read_text()
    # A rerun of the same config measures nothing again: every point is read back.
    monkeypatch.setattr(separate, "time_in_process", lambda *a: pytest.fail("re-measured"))
    monkeypatch.setattr(benchmark.throughput, "group", lambda *a: pytest.fail("re-measured"))
    again = runner.run(config, str(tmp_path), command="python launch.py (test)")
    assert again["rows"] == results["rows"] and again["separate_rows"] == own
    # A run cut after its processes but before the shape's row was kept: read back too.
    (tmp_path / "points" / "own-reuse-gru-2x5x3x4.json").unlink()
    again = runner.run(config, str(tmp_path), command="python launch.py (test)")
    assert again["separate_rows"] == own
    # A point kept on another kind of machine is measured again, not mixed into this table.
    path = tmp_path / "points" / "turns-gru-2x3x3x4.json"
    kept = json.loads(path.read_text())
    assert kept["settings"]["machine"] == provenance.machine()
    path.write_text(json.dumps({**kept, "settings": {**kept["settings"], "machine": "other"}}))
    with pytest.raises(pytest.fail.Exception, match="re-measured"):
        runner.run(config, str(tmp_path), command="python launch.py (test)")
    path.write_text(json.dumps(kept))
    _check_the_tables_tool(tmp_path, results)
    _check_the_tuning_tool(tmp_path, results, monkeypatch)


def _check_the_tables_tool(workdir, results):
    """`python -m experiments.benchmark.tables`: the run's tables and heatmaps from its
    points alone, of a finished run and of a cut one."""
    from experiments.benchmark import tables

    out = workdir / "tables"
    tables.main(["tables", str(workdir), str(out)])
    text = (out / "benchmark.md").read_text()
    assert (out / "plots" / "speed_gru_reuse.png").exists()
    assert "| in turns, one process | own process (reuse) | floor / fastest peer" in text
    for ratio in results["separate_ratios"]:  # Flax linen ran only in its own process.
        shape = f"{ratio['B']},{ratio['T']},{ratio['I']},{ratio['H']}"
        linen = ratio["train_speedup"]["flax.linen.RNN(GRUCell)"]
        nnx = next(s["train_speedup"]["flax.nnx.RNN(GRUCell)"] for s in results["speedups"]
                   if s["T"] == ratio["T"])
        floor_s, nnx_s = ([r["train_s"] for r in results["rows"]
                           if r["T"] == ratio["T"] and r["kind"] == kind] for kind in
                          ("floor", "peer"))
        assert (f"| gru | {shape} | - / {nnx:.2f} / **{nnx:.2f}** | {linen:.2f} / - / "
                f"**{linen:.2f}** | {floor_s[0] / nnx_s[0]:.2f} |") in text
    won = [sum(min(v for n, v in r["train_speedup"].items() if n.startswith("flax")) >= 1
               for r in table) for table in (results["speedups"], results["separate_ratios"])]
    assert f"| gru | {won[0]} of 2 | {won[1]} of 2 | " in text  # The summary per cell.
    (workdir / "points" / "own-reuse-gru-2x3x3x4.json").unlink()  # A cut run: what it has.
    tables.main(["tables", str(workdir), str(out)])
    assert "| gru | 2,3,3,4 | " in (out / "benchmark.md").read_text()
    with pytest.raises(ConfigError, match="holds no points"):  # One line, exit 2 (cli.main).
        tables.main(["tables", str(workdir / "missing")])


def _check_the_tuning_tool(workdir, results, monkeypatch):
    """`python -m experiments.benchmark.tuning` on a finished run: the faster layout of each
    point, and (`--write`) a table that `rec.tuning` then reads."""
    import importlib

    from experiments.benchmark import tuning
    from recurrent import tuning_table

    times = {}  # Per layout, its faster row at T = 5 ("fused" ran one of the two).
    for r in results["rows"]:
        if r.get("layout") and r["T"] == 5:
            times[r["layout"]] = min(times.get(r["layout"], 1e9), 1e3 * r["train_s"])
    assert tuning.backend_of(results) == results["backend"] == "cpu"
    assert tuning.backend_of({"machine": "AMD EPYC, JAX 0.10.2 on cpu"}) == "cpu"  # Older runs.
    assert tuning.platform_of(results) == rec.tuning.platform()  # Keyed by the CPU's kind.
    assert tuning.platform_of({"machine": "Intel(R) Xeon(R) Processor (x86_64, 2 cores, AVX2), "
                                          "JAX 0.10.2 on cpu; host memory: ..."}) == "cpu/AVX2"
    assert tuning.platform_of({"machine": "Some CPU (riscv64, 4 cores), JAX 0.10.2 on cpu"}) \
        == "cpu"
    chosen, _ = tuning.choices(results["rows"], "cpu")  # T = 5, then T = 3.
    before = rec.tuning.fallback(rec.GRU, "cpu")  # Kept unless the other beats noise.
    faster = min(times, key=times.get)
    expected = before if times[before] <= (1 + tuning.NOISE) * times[faster] else faster
    assert chosen["layout"] == expected and chosen["train_ms"] == times
    assert (chosen["cell_class"], chosen["B"], chosen["T"], chosen["H"]) == ("GRU", 2, 5, 4)
    table = workdir / "tuning_table.py"
    table.write_text(open(tuning.TABLE_PATH).read())
    monkeypatch.setattr(tuning, "TABLE_PATH", str(table))
    tuning.main(["tuning", str(workdir), "--write"])
    assert max(map(len, table.read_text().splitlines())) <= 100  # `make lint`'s limit.
    spec = importlib.util.spec_from_file_location("written_table", table)
    written = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(written)
    assert written.MEASURED[(rec.tuning.platform(), "GRU", 2, 5, 4)]["layout"] == chosen["layout"]
    assert written.MEASURED.keys() >= rec.tuning.table()[1].keys() - {  # Others' entries stay.
        k for k in rec.tuning.table()[1] if k[0] == rec.tuning.platform()}
    recorded = json.loads((workdir / "benchmark.json").read_text())["provenance"]
    assert written.SOURCE[rec.tuning.platform()]["runs"] == [{
        "command": "python launch.py (test)", "commit": recorded["commit"],
        "date": recorded["date"]}]
    monkeypatch.setattr(tuning_table, "MEASURED", written.MEASURED)
    assert rec.fused_layout(rec.GRU(4), batch=2, steps=5) == chosen["layout"]
    # Two runs pooled: each layout counts with its fastest row over both.
    second = workdir.parent / (workdir.name + "-again")
    second.mkdir()
    slower = {**results, "rows": [
        {**r, "train_s": r["train_s"] * (0.1 if r.get("layout") == "feature_major" else 2)}
        for r in results["rows"]]}
    (second / "benchmark.json").write_text(json.dumps(slower))
    tuning.main(["tuning", str(workdir), str(second), "--write"])
    pooled = {**times, "feature_major": times["feature_major"] / 10}
    spec.loader.exec_module(written)
    entry = written.MEASURED[(rec.tuning.platform(), "GRU", 2, 5, 4)]
    assert entry["train_ms"] == pytest.approx(pooled, abs=1e-3)
    assert entry["layout"] == "feature_major"  # Now ten times faster.
    assert len(written.SOURCE[rec.tuning.platform()]["runs"]) == 2
    spread = tuning.agreement([results["rows"], slower["rows"]], rec.tuning.platform())
    assert "timed in all 2 runs" in spread and "10.00x at most" in spread  # feature_major.
    assert "4 layout times at 2 points" in spread and "6.00x at the median" in spread  # 2, 10
    monkeypatch.setattr(tuning_table, "SOURCE", written.SOURCE)
    assert "2 runs pooled" in rec.tuning.describe()
    # Bad input: one line, exit 2 (cli.main turns a ConfigError into one).
    (second / "benchmark.json").write_text(json.dumps(
        {**results, "machine": "AMD EPYC (x86_64, 2 cores, AVX2), JAX 0.10.2 on cpu"}))
    with pytest.raises(ConfigError, match="measured on different platforms"):
        tuning.main(["tuning", str(workdir), str(second)])
    with pytest.raises(ConfigError, match="does not exist"):
        tuning.main(["tuning", str(workdir / "missing")])
    # A cut run (points, no benchmark.json) is read from points/, but not written.
    (workdir / "benchmark.json").unlink()
    again = next(c for c in tuning.choices(tuning.points_rows(str(workdir)), "cpu")
                 if c["T"] == 5)
    assert (again["layout"], again["train_ms"]) == (chosen["layout"], chosen["train_ms"])
    tuning.main(["tuning", str(workdir)])
    with pytest.raises(SystemExit) as stop:
        tuning.main(["tuning", str(workdir), "--write"])
    assert stop.value.code == 2


def test_the_tuning_tool_moves_a_layout_only_past_noise():
    # rec.tuning's choice per point: the first layout in preference order (the fallback, the
    # other whole-product layout, then the split ones) within NOISE of the fastest.
    from experiments.benchmark import tuning

    def rows(**train_ms):
        return [{"implementation": f"recurrent ({layout})", "layout": layout, "cell": "gru",
                 "B": 8, "T": 64, "I": 64, "H": 64, "train_s": ms / 1e3, "forward_s": ms / 2e3}
                for layout, ms in train_ms.items()]
    before, other = rec.tuning.fallback(rec.GRU, "cpu"), "feature_major"
    assert before == "batch_major"
    assert tuning.preference(before) == [before, other, before + "_split", other + "_split"]
    cases = [({before: 10.0, other: 9.8, before + "_split": 9.0, other + "_split": 9.9},
              before + "_split"),  # The split one by 10%.
             ({before: 10.0, other: 9.0, before + "_split": 8.9, other + "_split": 9.9},
              other),  # Within noise of the fastest, the whole-product one stays.
             ({before: 9.95, other: 9.8, before + "_split": 9.9, other + "_split": 9.7}, before),
             ({before: 10.0, other: 12.0}, before)]  # A run without the split layouts.
    for times, expected in cases:
        (chosen,) = tuning.choices(rows(**times), "cpu")
        assert chosen["layout"] == expected, (times, chosen)
    assert tuning.choices(rows(**{before: 1.0}), "cpu") == []  # Both whole layouts, or none.
    text = tuning.describe(tuning.choices(rows(**cases[0][0]), "cpu"))
    assert "| gru | 8 | 64 | 64 | 10.00 | 9.80 | 9.00 | 9.90 | batch_major_split | " in text
    text = tuning.describe(tuning.choices(rows(**cases[-1][0]), "cpu"))  # Only columns timed.
    assert "train ms: batch_major | feature_major | chosen" in text


def test_a_worker_times_several_shapes_in_one_process():
    from experiments.benchmark import separate

    lines = separate.time_in_process("fused", "rnn", [(2, 3, 3, 4), (1, 2, 3, 4)], 1, 0,
                                     "system")
    assert [line["shape"] for line in lines] == [[2, 3, 3, 4], [1, 2, 3, 4]]
    assert all(line["train_s"] > 0 and line["implementation"] == "recurrent (fused)"
               for line in lines)


def test_a_worker_refuses_bad_arguments_in_one_line():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "experiments.benchmark.worker", "fused", "gru",
                          "2,5,3,4", "2", "0", "sometimes"], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.strip() == (
        "error: POLICY='sometimes': expected one of reuse, system")


def test_the_newton_variant_times_sequential_against_newton_and_counts_iterations(tmp_path):
    from experiments.benchmark import implementations

    config = benchmark_config.get_config("newton")
    assert config.variants == ("fused", "newton_full", "newton_diagonal")
    assert config.shapes == ("1,256,64,64", "1,1024,64,64", "1,4096,64,64", "1,16384,64,64")
    # Shrunk: one cell; I = 2 as in the adding problem, so that the timed problem and the
    # adding ones share each Jacobian's compiled count; Newton-full's row is left out here.
    config.cells = config.newton_cells = ("gru",)
    config.shapes, config.repeats, config.variants = ("1,8,2,4",), 1, ("fused", "newton_diagonal")
    config.newton_train_steps = 2
    results = runner.run(config, str(tmp_path), command="python launch.py (test)")
    assert [r["implementation"] for r in results["rows"]] == [
        "floor (unavoidable products)", "recurrent (fused)", "recurrent (newton_diagonal)"]
    rows = results["newton_rows"]
    assert [(r["cell"], r["T"], r["jacobian"]) for r in rows] == [
        ("gru", 8, "full"), ("gru", 8, "diagonal")]
    for row in rows:
        for problem in ("timed", "adding_init", "adding_trained"):
            # The undamped method is exact after T iterations; one more sees the change vanish.
            assert row[f"{problem}_converged"] and 1 <= row[f"{problem}_iterations"] <= 8 + 1
    (trained,) = results["newton_trained"]
    assert trained["steps"] == 2 and (tmp_path / "newton_trained" / "gru_h4").is_dir()
    table = (tmp_path / "benchmark.md").read_text()
    assert "| gru | 1,8,2,4 | full | " in table and "Trained gru (H = 4): 2 steps" in table
    assert "| gru | 1,8,2,4 | " in table.split("Sequential (the fused loop")[1]
    # Newton applies to the nonlinear cells; the linear ones have mode="parallel".
    for name in ("newton_full", "newton_diagonal"):
        entry = implementations.VARIANTS[name]
        assert entry.applies("lstm", "cpu") and not entry.applies("mingru", "cpu")


def test_an_ablation_times_the_swapped_step_against_the_library_and_restores_it(capsys):
    from experiments.benchmark import ablation
    from recurrent import fused

    shared, rnn_vjp = fused._shared, rec.RNN.pointwise_vjp
    row = ablation.measure("shared_residuals", "rnn", (2, 3, 3, 4), rounds=2, calls=1)
    assert (row["cell"], row["shape"], row["layout"]) == ("rnn", [2, 3, 3, 4], "batch_major")
    assert row["ablated_ms"] > 0 and row["library_ms"] > 0
    assert row["ablated_over_library"] == row["ablated_ms"] / row["library_ms"]
    assert fused._shared is shared and rec.RNN.pointwise_vjp is rnn_vjp  # Put back.
    with ablation._rnn_through_jax_vjp():  # The swap is the default derivative's residuals.
        _, pullback = rec.RNN(4).pointwise_vjp(rec.RNN(4).initial_carry((2,)),
                                               jnp.ones((2, 4)), jnp.ones((2, 4)))
        assert len(jax.tree_util.tree_leaves(pullback)) == 2  # h_t and 1 - h_t^2.
    assert "| shared_residuals | rnn | 2, 3, 3, 4 | batch_major |" in "\n".join(
        ablation.markdown([row]))
    for argv, message in [(["nope"], "unknown ablation 'nope'"),
                          (["rnn_vjp", "--cells=lstm"], "changes nothing for 'lstm'"),
                          (["rnn_vjp", "--rounds=0"], "expected an integer >= 1")]:
        with pytest.raises(ConfigError, match=message):
            ablation.main(["ablation", *argv])
