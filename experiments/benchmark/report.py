"""`benchmark.md`: the tables of one benchmark run, from its results."""

from __future__ import annotations

from experiments.benchmark import floor, op_profile
from experiments.benchmark.throughput import shape_key


def _fmt(value, spec):
    return "-" if value is None else format(value, spec)


def throughput(rows, speedups, repeats) -> list[str]:
    """One table per cell and shape, the floor's parts under it, then the speed-ups."""
    lines = ["Training step = forward + backward of the mean square of all outputs with "
             f"respect to every parameter; median of {repeats} runs after a warm-up; "
             "tokens = B*T.", ""]
    for key in dict.fromkeys(shape_key(r) for r in rows):
        cell, batch, steps, inputs, hidden = key
        lines += [f"**{cell}**, B={batch}, T={steps}, I={inputs}, H={hidden}:", "",
                  "| implementation | train step (ms) | train tokens/s | × floor "
                  "| forward (ms) | forward tokens/s | compile (s) | step temp memory (MB) "
                  "| page faults / train step |",
                  "|---|---|---|---|---|---|---|---|---|"]
        group = [r for r in rows if shape_key(r) == key]
        for r in group:
            temp = None if r["temp_bytes"] is None else r["temp_bytes"] / 2 ** 20
            name = r["implementation"]
            if r.get("layout") and r["layout"] not in name:  # The layout "fused" ran in.
                name += f", {r['layout'].replace('_', '-')}"
            lines.append(
                f"| {name} | {1e3 * r['train_s']:.1f} "
                f"| {r['train_tokens_per_s']:,.0f} | {r['train_over_floor']:.2f} "
                f"| {1e3 * r['forward_s']:.1f} | {r['forward_tokens_per_s']:,.0f} "
                f"| {_fmt(r['compile_s'], '.2f')} | {_fmt(temp, '.1f')} "
                f"| {_fmt(r['train_page_faults'], ',.0f')} |")
        parts = next(r for r in group if r["kind"] == "floor")["parts_s"]
        lines += ["", "Floor (each recurrent chain counted in its faster layout): "
                  f"{floor.describe(parts)}.", ""]
    lines += ["Speed of the fused training step against each other implementation "
              "(their time / ours; above 1 = ours is faster):", "",
              "| cell | B,T,I,H | against | training step | forward |", "|---|---|---|---|---|"]
    for s in speedups:
        for peer, value in s["train_speedup"].items():
            lines.append(f"| {s['cell']} | {s['B']},{s['T']},{s['I']},{s['H']} | {peer} "
                         f"| {value:.2f}× | {s['forward_speedup'][peer]:.2f}× |")
    return lines + [""]


def separate(rows, ratios) -> list[str]:
    """The per-process timings: one table per host-memory policy, a row per cell and shape."""
    lines = []
    for policy in dict.fromkeys(r["policy"] for r in rows):
        mine = [r for r in rows if r["policy"] == policy]
        names = list(dict.fromkeys(r["implementation"] for r in mine))
        lines += [f"Each framework in its own process (host memory: {policy}; median over "
                  f"{mine[0]['rounds']} alternating processes of each one's median), training "
                  "step in ms; the last column is the fastest peer's time over ours (above 1: "
                  "ours is faster):", "",
                  "| cell | B,T,I,H | " + " | ".join(names) + " | fastest peer / ours |",
                  "|---|---|" + "---|" * (len(names) + 1)]
        for key in dict.fromkeys(shape_key(r) for r in mine):
            group = {r["implementation"]: r for r in mine if shape_key(r) == key}
            ratio = next((x["train_over_best_peer"] for x in ratios
                          if x["policy"] == policy and shape_key(x) == key), None)
            cells = [_fmt(1e3 * group[n]["train_s"] if n in group else None, ".2f")
                     for n in names]
            lines.append(f"| {key[0]} | {','.join(map(str, key[1:]))} | " + " | ".join(cells)
                         + f" | {_fmt(ratio, '.2f')} |")
        lines.append("")
    return lines


#: The peers' short names in the ratio tables, by the start of their implementation's name.
_PEER_LABELS = {"flax.linen": "linen", "flax.nnx": "nnx", "torch": "torch",
                "jax.experimental.rnn": "cudnn"}


def peer_label(implementation: str) -> str:
    """A peer's short name in the ratio tables: "linen", "nnx", "torch" or "cudnn"."""
    return next((label for prefix, label in _PEER_LABELS.items()
                 if implementation.startswith(prefix)), implementation)


def floor_over_best_peer(rows) -> dict:
    """Per cell and shape timed in turns: the products' floor over the fastest peer's
    training step. At 1 or above, XLA's unavoidable products alone, run as this machine
    runs them, take as long as that peer's whole step: no loop around them can win there."""
    out = {}
    for key in dict.fromkeys(shape_key(r) for r in rows):
        group = [r for r in rows if shape_key(r) == key]
        floors = [r["train_s"] for r in group if r["kind"] == "floor"]
        peers = [r["train_s"] for r in group if r["kind"] == "peer"]
        if floors and peers:
            out[key] = floors[0] / min(peers)
    return out


def grid_ratios(speedups, own_ratios, rows=()) -> list[str]:
    """Per cell and shape, each peer's training step over ours (above 1: ours is faster),
    timed in turns in one process and each framework in its own process under each
    host-memory policy; "best" is the fastest peer's. The last column is
    `floor_over_best_peer` of the in-turn `rows`."""
    in_turns = {shape_key(s): {peer_label(n): v for n, v in s["train_speedup"].items()
                               if not n.startswith(("recurrent", "floor"))} for s in speedups}
    policies = list(dict.fromkeys(r["policy"] for r in own_ratios))
    own = {(shape_key(r), r["policy"]): {peer_label(n): v for n, v in r["train_speedup"].items()}
           for r in own_ratios}
    found = {p for table in (*in_turns.values(), *own.values()) for p in table}
    peers = [p for p in _PEER_LABELS.values() if p in found] + sorted(
        found - set(_PEER_LABELS.values()))
    if not peers:
        return []
    floors = floor_over_best_peer(rows)
    columns = ["in turns, one process"] + [f"own process ({p})" for p in policies] + [
        "floor / fastest peer (in turns)"]
    order = " / ".join(peers + ["best"])
    lines = ["Training step, each peer's time over ours (above 1: ours is faster), "
             f"{order} in each column; the last column is the floor of unavoidable products "
             "over the fastest peer's step (at 1 or above, XLA's products alone take as long "
             "as that peer's whole step):", "",
             "| cell | B,T,I,H | " + " | ".join(columns) + " |",
             "|---|---|" + "---|" * len(columns)]

    def cell(table):
        if not table:
            return "-"
        return " / ".join(_fmt(table.get(p), ".2f") for p in peers) + (
            f" / **{min(table.values()):.2f}**")

    keys = list(dict.fromkeys([*in_turns, *(k for k, _ in own)]))
    for key in keys:
        cells = [cell(in_turns.get(key))] + [cell(own.get((key, p))) for p in policies] + [
            _fmt(floors.get(key), ".2f")]
        lines.append(f"| {key[0]} | {','.join(map(str, key[1:]))} | " + " | ".join(cells) + " |")
    lines += ["", "Points where ours is at least as fast as the fastest peer (best ≥ 1.00), and "
              "where the floor alone takes as long as the fastest peer's step:", "",
              "| cell | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]

    def count(tables, at_least):
        values = [min(t.values()) for t in tables if t]
        return f"{sum(v >= at_least for v in values)} of {len(values)}" if values else "-"

    for name in dict.fromkeys(key[0] for key in keys):
        mine = [key for key in keys if key[0] == name]
        cells = [count([in_turns.get(k) for k in mine], 1.0)] + [
            count([own.get((k, p)) for k in mine], 1.0) for p in policies] + [
            count([{"floor": floors[k]} for k in mine if k in floors], 1.0)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""]


def state_grads(rows) -> list[str]:
    """The analysis instruments against the fused training step (times in ms, and in
    training steps)."""
    lines = ["The analysis instruments against the fused training step of the same cell and "
             "shape (ms; in parentheses, in training steps): `rec.analysis.state_grads` "
             "(dL/ds_t for every t, same loss), `lyapunov_spectrum` (k leading exponents) and "
             "`parameter_sensitivity` (p random probes):", "",
             "| cell | B,T,I,H | train step | state_grads | lyapunov_spectrum, k "
             "| parameter_sensitivity, p |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        extra = [f"{r[f'{n}_ms']:.1f} ({r[f'{n}_ratio']:.2f}), {r[count]}"
                 if f"{n}_ms" in r else "-"
                 for n, count in (("lyapunov", "lyapunov_exponents"),
                                  ("sensitivity", "sensitivity_probes"))]
        lines.append(f"| {r['cell']} | {','.join(map(str, r['shape']))} | {r['train_ms']:.1f} "
                     f"| {r['state_grads_ms']:.1f} ({r['ratio']:.2f}) | " + " | ".join(extra)
                     + " |")
    return lines + [""]


def scan_modes(rows, batch, width) -> list[str]:
    lines = [f"Forward + backward of one unroll, B={batch}, I=H={width}:", "",
             "| cell | T | sequential (ms) | parallel (ms) | auto picks | auto (ms) "
             "| auto / best |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['cell']} | {r['T']} | {r['sequential_ms']:.1f} | {r['parallel_ms']:.1f} "
              f"| {r['auto_picks']} | {r['auto_ms']:.1f} | {r['auto_over_best']:.2f} |"
              for r in rows]
    return lines + [""]


_NEWTON_ROWS = {"sequential": "recurrent (fused)", "Newton full": "recurrent (newton_full)",
                "Newton diagonal": "recurrent (newton_diagonal)"}


def newton_times(rows) -> list[str]:
    """Sequential against Newton, side by side per cell and T (from the throughput rows)."""
    found = {(r["cell"], r["B"], r["T"], r["I"], r["H"], r["implementation"]): r for r in rows}
    newton_names = (_NEWTON_ROWS["Newton full"], _NEWTON_ROWS["Newton diagonal"])
    keys = list(dict.fromkeys(k[:5] for k in found if k[5] in newton_names))
    if not keys:
        return []
    names = list(_NEWTON_ROWS)
    lines = ["Sequential (the fused loop, `mode=\"auto\"`) against Newton unrolls "
             "(`rec.Newton()` defaults, at initialisation), ms; train = forward + backward:", "",
             "| cell | B,T,I,H | " + " | ".join(f"train: {n}" for n in names) + " | "
             + " | ".join(f"forward: {n}" for n in names) + " | best Newton / sequential "
             "(train) |", "|---|---|" + "---|" * (2 * len(names) + 1)]
    for key in keys:
        got = {n: found.get((*key, impl)) for n, impl in _NEWTON_ROWS.items()}
        cells = [_fmt(None if got[n] is None else 1e3 * got[n][f"{kind}_s"], ".1f")
                 for kind in ("train", "forward") for n in names]
        newtons = [got[n]["train_s"] for n in names[1:] if got[n] is not None]
        ratio = (min(newtons) / got["sequential"]["train_s"]
                 if newtons and got["sequential"] is not None else None)
        lines.append(f"| {key[0]} | {','.join(map(str, key[1:]))} | " + " | ".join(cells)
                     + f" | {_fmt(ratio, '.2f')} |")
    return lines + [""]


def newton_iterations(rows, trained) -> list[str]:
    """Newton's iterations to convergence on each problem (`experiments/benchmark/newton.py`)."""
    lines = ["Newton iterations to convergence (`rec.analysis.newton_info`, tolerance 1e-6, "
             f"capped at {rows[0]['max_iterations']}; \"no\": not converged, the sequential "
             "fallback ran): \"timed\" is the problem timed above; the adding columns run "
             "adding-problem sequences of length T through the cell at initialisation and "
             "trained:", "",
             "| cell | B,T,I,H | Jacobian | timed (init) | adding, init | adding, trained |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        counts = [f"{r[f'{p}_iterations']}" + ("" if r[f"{p}_converged"] else " (no)")
                  for p in ("timed", "adding_init", "adding_trained")]
        lines.append(f"| {r['cell']} | {r['B']},{r['T']},{r['I']},{r['H']} | {r['jacobian']} | "
                     + " | ".join(counts) + " |")
    lines.append("")
    for t in trained:
        lines.append(f"Trained {t['cell']} (H = {t['H']}): {t['steps']} steps of "
                     f"`experiments/configs/adding.py` at T = {t['train_length']}, eval_mse "
                     f"{t['eval_mse']:.4f} (baseline {t['chance']:.4f}).")
    return lines + [""]


def profiles(rows) -> list[str]:
    lines = []
    for p in rows:
        shape = "B={},T={},I={},H={}".format(*p["shape"])
        for kind, what in (("train", "training step"), ("forward", "forward pass")):
            lines += op_profile.markdown(f"Where the time goes: **{p['cell']}** fused {what}, "
                                         f"{shape}", p[kind])
    return lines


def study_step(rows) -> str:
    """The vanishing study's vmapped training step against PyTorch's (a table, or "")."""
    if not rows:
        return ""
    lines = ["", "The vanishing study's training step: three seeds of the LSTM (H = 64, batch 32 "
             "each) at one gap, vmapped in one program, against PyTorch's `nn.LSTM` training "
             "the same three seeds one after another on the same batches (in its own "
             "process; `experiments/vanishing/step_benchmark.py`):", "",
             "| gap | T | ours (ms per 3-seed step) | PyTorch (ms) | speed-up | products' "
             "floor (ms) | compile per point (s) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['gap']} | {r['T']} | {r['ours_ms_per_step']:.2f} "
                     f"| {_fmt(r.get('torch_ms_per_step'), '.2f')} "
                     f"| {_fmt(r.get('speedup_over_torch'), '.2f')}x "
                     f"| {_fmt(r.get('floor_ms_per_step'), '.2f')} | {r['compile_s']:.1f} |")
    return "\n".join(lines) + "\n"


def markdown(results: dict, config) -> str:
    """The whole of `benchmark.md`."""
    lines = [f"Command: `{results['command']}`", "", f"Machine: {results['machine']}", ""]
    lines += [f"Note: {n}" for n in results["notes"]] + ([""] if results["notes"] else [])
    software = results.get("software") or results.get("provenance", {}).get("software")
    if software:
        lines += ["Software: " + ", ".join(f"{k} {v}" for k, v in software.items()), ""]
    lines += grid_ratios(results["speedups"], results["separate_ratios"], results["rows"])
    if results["rows"]:
        lines += throughput(results["rows"], results["speedups"], config.repeats)
    if results["separate_rows"]:
        lines += separate(results["separate_rows"], results["separate_ratios"])
    if results["state_grads"]:
        lines += state_grads(results["state_grads"])
    if results["scan_rows"]:
        lines += scan_modes(results["scan_rows"], config.scan_batch, config.scan_width)
    lines += newton_times(results["rows"])
    if results["newton_rows"]:
        lines += newton_iterations(results["newton_rows"], results["newton_trained"])
    lines += profiles(results["profiles"])
    return "\n".join(lines) + "\n" + study_step(results["study_step"])
