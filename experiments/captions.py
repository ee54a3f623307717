"""A figure of held-out images with the captions a trained captioning run gives them.

    python -m experiments.captions --workdir=runs/captioning [--count=8] [--beam_size=4]

Writes `WORKDIR/plots/captions.png` and `.pdf`: each image with its true
caption, the greedy caption and the beam-search caption (red when wrong), and
prints the same as text.
"""

from __future__ import annotations

import os

from absl import flags

from experiments import cli


def _define_flags() -> None:
    """Defined only when run as a program, so that importing this module (as the
    tests do, beside other modules with flags) defines none."""
    flags.DEFINE_string("workdir", None, "A captioning run.")
    flags.DEFINE_integer("count", 8, "Held-out images to caption.")
    flags.DEFINE_integer("beam_size", 4, "Beam width.")

def caption_figure(workdir: str, count: int = 8, beam_size: int = 4) -> list[str]:
    """Draws the figure (see the module docstring); returns the printed lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from experiments import plotting, train
    from experiments.errors import ConfigError
    from experiments.models import decoding

    if count < 1 or beam_size < 1:
        raise ConfigError(f"--count and --beam_size must be >= 1, got {count} and {beam_size}")
    config, task, model, state = train.load_run(workdir)
    if task.inputs != "images" or not task.encoder_decoder:
        raise ConfigError(f"{workdir!r} trained task {config.task.name!r}, which does not "
                          "caption images")
    batch = task.eval_batch(config.seed)
    images, lengths = batch.inputs[:count], batch.lengths[:count]
    steps = task.max_length
    greedy = np.asarray(decoding.greedy(model, state.params, images, lengths, steps=steps))
    beam = np.asarray(decoding.beam_search(model, state.params, images, lengths, steps=steps,
                                           beam_size=beam_size, eos_id=task.eos_id)[0])
    columns = min(count, 4)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.4 * rows), squeeze=False)
    lines = []
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= count:
            continue
        truth, by_greedy, by_beam = (task.decode(ids) for ids in
                                     (batch.targets[i], greedy[i], beam[i]))
        ax.imshow(images[i], interpolation="nearest")
        ax.set_title(f"true: {truth}", fontsize=6.5, loc="left")
        for row, (name, text) in enumerate((("greedy", by_greedy),
                                            (f"beam {beam_size}", by_beam))):
            ax.text(0.0, -0.06 - 0.09 * row, f"{name}: {text}", transform=ax.transAxes,
                    fontsize=6.5, va="top", color="black" if text == truth else "tab:red")
        lines.append(f"true: {truth} | greedy: {by_greedy} | beam {beam_size}: {by_beam}")
    fig.tight_layout()
    plot_dir = os.path.join(workdir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    plotting.save(fig, plot_dir, "captions")
    return lines


def main(argv) -> None:
    FLAGS = flags.FLAGS
    if len(argv) > 1 or not FLAGS.workdir:
        cli.fail("usage: python -m experiments.captions --workdir=RUN [--count=N]")
    lines = caption_figure(FLAGS.workdir, FLAGS.count, FLAGS.beam_size)
    print("\n".join(lines))
    print(f"wrote {os.path.join(FLAGS.workdir, 'plots', 'captions.png')} (and .pdf)")


if __name__ == "__main__":
    cli.main(main, define_flags=_define_flags)
