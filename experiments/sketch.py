"""Drawings from a trained stroke model: samples from scratch, and completions.

    python -m experiments.sketch --workdir=runs/sketch [--samples=6] [--temperature=0.4]

Writes `WORKDIR/plots/sketches.png` and `.pdf`. Top row: drawings sampled
from scratch. Bottom row: the blog post's "draw together" demo: the first
half of a held-out drawing (black) and the model's completion (red). The
sampling loop is one `jax.lax.scan` (`experiments.models.decoding.sample_strokes`).
"""

from __future__ import annotations

import os

from absl import flags

from experiments import cli


def _define_flags() -> None:
    """Defined only when run as a program, so that importing this module (as the
    tests do, beside other modules with flags) defines none."""
    flags.DEFINE_string("workdir", None, "A sketch run.")
    flags.DEFINE_integer("samples", 6, "Drawings per row.")
    flags.DEFINE_float("temperature", 0.4, "Sampling temperature (0: greedy).")
    flags.DEFINE_integer("seed", 0, "Seeds the sampling.")

def sketch_figure(workdir: str, samples: int = 6, temperature: float = 0.4,
                  seed: int = 0) -> str:
    """Draws the figure (see the module docstring); returns its PNG path."""
    import jax
    import jax.numpy as jnp
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from experiments import plotting, train
    from experiments.errors import ConfigError
    from experiments.models import decoding
    from experiments.tasks import sketch

    if samples < 1 or temperature < 0:
        raise ConfigError(f"--samples must be >= 1 and --temperature >= 0, got {samples} "
                          f"and {temperature}")
    config, task, model, state = train.load_run(workdir)
    if task.objective != "mdn":
        raise ConfigError(f"{workdir!r} trained task {config.task.name!r}, which does not "
                          "draw strokes (objective 'mdn')")
    steps = task.max_length
    start = jnp.tile(jnp.asarray(sketch.START), (samples, 1, 1))
    key_scratch, key_complete = jax.random.split(jax.random.key(seed))
    scratch = np.asarray(decoding.sample_strokes(model, state.params, start, key_scratch,
                                                 temperature, steps=steps))
    held_out = task.eval_batch(config.seed)
    halves = [max(int(n) // 2, 1) for n in held_out.mask[:samples].sum(1)]
    prefix_length = min(halves)
    prefix = jnp.asarray(held_out.inputs[:samples, :prefix_length + 1])
    completions = np.asarray(decoding.sample_strokes(model, state.params, prefix, key_complete,
                                                     temperature, steps=steps))
    fig, axes = plt.subplots(2, samples, figsize=(1.8 * samples, 3.9), squeeze=False)
    for i in range(samples):
        for stroke in sketch.to_absolute(scratch[i], task.scale):
            axes[0, i].plot(stroke[:, 0], -stroke[:, 1], color="tab:blue", linewidth=1.2)
        given = held_out.targets[i, :prefix_length]
        for stroke in sketch.to_absolute(given, task.scale):
            axes[1, i].plot(stroke[:, 0], -stroke[:, 1], color="black", linewidth=1.4)
        end = np.sum(given[:, :2], 0) * task.scale  # Continue from where the pen is.
        lifted = given[-1, 3] > 0.5
        for j, stroke in enumerate(sketch.to_absolute(completions[i], task.scale)):
            stroke = stroke + end
            if j == 0 and lifted:
                stroke = stroke[1:]
            axes[1, i].plot(stroke[:, 0], -stroke[:, 1], color="tab:red", linewidth=1.2)
        for ax in axes[:, i]:
            ax.set_aspect("equal")
            ax.axis("off")
    axes[0, 0].set_title("from scratch", fontsize=8, loc="left")
    axes[1, 0].set_title("completions (given: black)", fontsize=8, loc="left")
    fig.suptitle(f"{os.path.basename(os.path.normpath(workdir))}: temperature {temperature}",
                 fontsize=9)
    plot_dir = os.path.join(workdir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    plotting.save(fig, plot_dir, "sketches")
    return os.path.join(plot_dir, "sketches.png")


def main(argv) -> None:
    FLAGS = flags.FLAGS
    if len(argv) > 1 or not FLAGS.workdir:
        cli.fail("usage: python -m experiments.sketch --workdir=RUN")
    path = sketch_figure(FLAGS.workdir, FLAGS.samples, FLAGS.temperature, FLAGS.seed)
    print(f"wrote {path} (and .pdf)")


if __name__ == "__main__":
    cli.main(main, define_flags=_define_flags)
