"""One implementation timed in a process of its own, as a user's script would run it.

    python -m experiments.benchmark.worker NAME CELL SHAPES REPEATS SEED POLICY

NAME is an entry of `implementations.ALL` ("fused", "flax", "nnx", "torch", ...);
SHAPES is one "B,T,I,H" or several joined by ";", timed one after another in this process
(as a script sweeping shapes would); POLICY is a host-memory policy: "system" leaves the C
library's allocator as a plain script has it, "reuse" applies launch.py's
(`experiments/host_memory.py`) before anything runs. Prints one JSON line per shape, as
each finishes: the medians of the training step and the forward pass over REPEATS calls
each (in turns, after a warm-up) and the compile time. `separate.py` starts it.
"""

from __future__ import annotations

import json

from experiments import cli, host_memory


def main(argv) -> None:
    if len(argv) != 7:
        cli.fail("usage: python -m experiments.benchmark.worker NAME CELL B,T,I,H[;B,T,I,H...] "
                 "REPEATS SEED POLICY")
    name, cell_name, shapes, repeats, seed, policy = argv[1:]
    if policy not in host_memory.POLICIES:
        cli.fail(f"POLICY={policy!r}: expected one of {', '.join(host_memory.POLICIES)}")
    if policy == "reuse":  # Before JAX or PyTorch allocate anything.
        host_memory.keep_freed_memory()
    from experiments import benchmark
    from experiments.benchmark import implementations, timing

    if name not in implementations.ALL:
        cli.fail(f"NAME={name!r}: expected one of {', '.join(implementations.ALL)}")
    if not (repeats.isdigit() and int(repeats) > 0 and seed.isdigit()):
        cli.fail(f"REPEATS={repeats!r}, SEED={seed!r}: expected a positive and a non-negative "
                 "integer")
    shapes = [benchmark.parse_shape(shape) for shape in shapes.split(";")]
    for shape in shapes:
        prepared = implementations.ALL[name].prepare(cell_name, shape, int(seed))
        medians = timing.interleaved_medians(
            {kind: prepared[kind] for kind in ("train", "forward")}, int(repeats))
        print(json.dumps({"implementation": prepared["implementation"], "policy": policy,
                          "shape": list(shape), "train_s": medians["train"],
                          "forward_s": medians["forward"], "compile_s": prepared["compile_s"]}),
              flush=True)
        del prepared  # Its buffers go before the next shape's.


if __name__ == "__main__":
    cli.main(main)
