"""Throughput: every implementation of a cell and shape, and the floor, timed in turns."""

from __future__ import annotations

from experiments.benchmark import floor, implementations
from experiments.benchmark.timing import interleaved_medians, minor_faults_per_call

_CALLS = ("train", "forward", "executables")


def requested(config, backend: str, notes: list) -> list[implementations.Implementation]:
    """The config's implementations that can run here; a note for each that cannot."""
    entries = [implementations.VARIANTS[v] for v in config.variants]
    entries += [entry for name, entry in implementations.PEERS.items() if name in config.peers]
    available = []
    for entry in entries:
        note = entry.unavailable(backend)
        if note:
            notes.append(note)
        else:
            available.append(entry)
    return available


def group(cell_name, shape, entries, backend, seed, repeats) -> list[dict]:
    """The rows of one cell and shape: the floor's first, then each entry that applies."""
    prepared = [dict(entry.prepare(cell_name, shape, seed), kind=entry.kind)
                for entry in entries if entry.applies(cell_name, backend)]
    floor_calls = floor.prepare_floor(cell_name, shape, seed)
    rows = None
    for kind in ("train", "forward"):
        calls = {("row", i): p[kind] for i, p in enumerate(prepared)}
        if kind == "train":
            calls.update({("floor", part): call for part, call in floor_calls.items()})
        medians = interleaved_medians(calls, repeats)
        for i, p in enumerate(prepared):
            p[f"{kind}_s"] = medians["row", i]
        if kind == "train":
            rows = [floor.floor_row({part: medians["floor", part] for part in floor_calls})]
    for p in prepared:
        p["train_page_faults"] = minor_faults_per_call(p["train"])
    rows += [{k: v for k, v in p.items() if k not in _CALLS} for p in prepared]
    tokens = shape[0] * shape[1]
    for row in rows:
        row.update(cell=cell_name, B=shape[0], T=shape[1], I=shape[2], H=shape[3],
                   train_tokens_per_s=tokens / row["train_s"],
                   forward_tokens_per_s=tokens / row["forward_s"],
                   train_over_floor=row["train_s"] / rows[0]["train_s"],
                   forward_over_floor=row["forward_s"] / rows[0]["forward_s"])
        print(f"{cell_name:5s} {shape}: {row['implementation']:40s} train "
              f"{1e3 * row['train_s']:8.2f} ms, forward {1e3 * row['forward_s']:8.2f} ms")
    return rows


def shape_key(row) -> tuple:
    """The cell and shape a row belongs to."""
    return row["cell"], row["B"], row["T"], row["I"], row["H"]


def speedups(rows) -> list[dict]:
    """Per cell and shape: the fused training step's speed against every other row."""
    out = []
    for row in rows:
        if row["implementation"] != "recurrent (fused)":
            continue
        others = [r for r in rows if shape_key(r) == shape_key(row) and r is not row
                  and r["kind"] != "floor"]
        out.append({"cell": row["cell"], "B": row["B"], "T": row["T"], "I": row["I"],
                    "H": row["H"], "train_over_floor": row["train_over_floor"],
                    **{f"{kind}_speedup": {r["implementation"]: r[f"{kind}_s"] / row[f"{kind}_s"]
                                           for r in others} for kind in ("train", "forward")}})
    return out
