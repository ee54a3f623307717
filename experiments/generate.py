"""Text from a trained run: sampling from a language model, or translating a sentence.

    python -m experiments.generate --workdir=runs/lm-italy --prompt="i grew up in"
    python -m experiments.generate --workdir=runs/lm-stdlib --prompt="def " \
        --steps=200 --temperature=0.8 --top_k=20 --samples=2
    python -m experiments.generate --workdir=runs/translation \
        --prompt="i grew up in norway . i speak fluent norwegian"

For a language-model run (the `language_model.py` configs, or any Italy run
with `task.mode=lm`) it prints `--samples` continuations of the prompt, each
`--steps` tokens sampled with `--temperature` (0: greedy) among the `--top_k`
most likely tokens (0: all), deterministic for a given `--seed`. For a
translation run it prints the greedy and the beam-search translation. The
sampling loop is one `jax.lax.scan` (see `experiments.models.decoding`).
"""

from __future__ import annotations

from absl import flags

from experiments import cli


def _define_flags() -> None:
    """Defined only when run as a program, so that importing this module (as the
    tests do, beside other modules with flags) defines none."""
    flags.DEFINE_string("workdir", None, "A finished or checkpointed run.")
    flags.DEFINE_string("prompt", None, "Text to continue (or, for a translation run, the "
                        "English sentence to translate).")
    flags.DEFINE_integer("steps", 30, "Tokens to generate.")
    flags.DEFINE_float("temperature", 1.0, "Softmax temperature; 0 is greedy.")
    flags.DEFINE_integer("top_k", 0, "Sample among the k most likely tokens (0: all).")
    flags.DEFINE_integer("samples", 3, "Continuations to sample.")
    flags.DEFINE_integer("seed", 0, "Seeds the sampling.")
    flags.DEFINE_integer("beam_size", 4, "Beam width for translation runs.")


def generate(workdir: str, prompt: str, *, steps: int = 30, temperature: float = 1.0,
             top_k: int = 0, samples: int = 3, seed: int = 0, beam_size: int = 4
             ) -> list[str]:
    """The lines `python -m experiments.generate` prints (see the module docstring)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from experiments import workdir as workdir_lib
    from experiments.errors import ConfigError
    from experiments.models import decoding
    from experiments.training import loop

    for name, value, minimum in (("steps", steps, 1), ("samples", samples, 1),
                                 ("top_k", top_k, 0), ("beam_size", beam_size, 1)):
        if value < minimum:
            raise ConfigError(f"--{name} must be >= {minimum}, got {value}")
    if temperature < 0:
        raise ConfigError(f"--temperature must be >= 0, got {temperature}")
    # The checks that need only the config come before the (slower) checkpoint restore.
    config = workdir_lib.load_config(workdir)
    task, _ = loop.build(config)
    if not (task.language_model or task.encoder_decoder):
        raise ConfigError(f"{workdir!r} trained task {config.task.name!r} without a language "
                          "model (for the Italy task: task.mode=lm); nothing to generate")
    if top_k > task.output_size:
        raise ConfigError(f"--top_k={top_k} exceeds the vocabulary of {task.output_size}")
    model, state = loop.load_run(workdir)[2:]
    try:
        ids = task.encode(prompt)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if not ids:
        raise ConfigError("--prompt is empty; give at least one token")
    if task.encoder_decoder:
        source = jnp.asarray([ids], jnp.int32)
        lengths = jnp.asarray([len(ids)], jnp.int32)
        limit = max(steps, 2 * len(ids) + 2)
        greedy = decoding.greedy(model, state.params, source, lengths, steps=limit)
        beam, _ = decoding.beam_search(model, state.params, source, lengths, steps=limit,
                                       beam_size=beam_size, eos_id=task.eos_id)
        return [f"greedy: {task.decode(np.asarray(greedy)[0])}",
                f"beam {beam_size}: {task.decode(np.asarray(beam)[0])}"]
    prompts = jnp.asarray([ids] * samples, jnp.int32)
    tokens = decoding.sample(model, state.params, prompts, jax.random.key(seed),
                             temperature, steps=steps, top_k=top_k)
    return [prompt + task.token_separator + task.decode(np.asarray(row)) for row in tokens]


def main(argv) -> None:
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    FLAGS = flags.FLAGS
    if not FLAGS.workdir or FLAGS.prompt is None:
        cli.fail("--workdir and --prompt are required")
    lines = generate(FLAGS.workdir, FLAGS.prompt, steps=FLAGS.steps,
                     temperature=FLAGS.temperature, top_k=FLAGS.top_k,
                     samples=FLAGS.samples, seed=FLAGS.seed, beam_size=FLAGS.beam_size)
    print("\n".join(lines))


if __name__ == "__main__":  # Quiet: no checkpoint-restore chatter around the text.
    cli.main(main, define_flags=_define_flags)
