"""The blog post's sequence modes: language models, generation, encoder-decoder translation."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import train
from experiments.configs import language_model as lm_config
from experiments.configs import translation as translation_config
from experiments.errors import ConfigError
from experiments.generate import generate
from experiments.models import decoding
from experiments.tasks import text, translation
from experiments.workdir import read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _shrink(config, steps):
    config.model.update(hidden_size=32, embed_size=16)
    config.train.update(steps=steps, log_every=20, eval_every=steps, checkpoint_every=steps)
    return config


def _losses(workdir):
    return [r["loss"] for r in read_metrics(os.path.join(workdir, "metrics.jsonl"))
            if "loss" in r]


@pytest.fixture(scope="module")
def italy_lm(tmp_path_factory):
    config = _shrink(lm_config.get_config("italy"), 200)
    config.task.update(gap=3, gap_max=6, eval_size=64)
    config.train.batch_size = 32
    workdir = str(tmp_path_factory.mktemp("italy_lm"))
    return workdir, train.train_and_evaluate(config, workdir)


@pytest.fixture(scope="module")
def translation_run(tmp_path_factory):
    config = _shrink(translation_config.get_config(), 200)
    config.task.update(gap=2, gap_max=5, eval_size=32, beam_size=3)
    config.train.batch_size = 32
    workdir = str(tmp_path_factory.mktemp("translation"))
    return workdir, train.train_and_evaluate(config, workdir)


def test_stdlib_text_windows_split_and_baseline():
    task = text.TextTask(length=16, eval_size=8)
    assert task.corpus["bytes"] > 500_000 and "textwrap.py" in task.corpus["files"]
    batch = task.batch(0, 3, 4)
    np.testing.assert_array_equal(batch.inputs[:, 1:], batch.targets[:, :-1])
    assert batch.inputs.shape == (4, 16) and batch.mask.all()
    np.testing.assert_array_equal(task.eval_batch(0).inputs, task.eval_batch(5).inputs)
    # The held-out text is the end of the corpus, never trained on.
    held_out = task.eval_data.astype(np.uint8).tobytes()
    assert bytes(task.eval_batch(0).inputs[3].astype(np.uint8)) in held_out
    assert 3.0 < task.chance < 6.0  # Unigram bits per character, well below log2(256) = 8.
    assert task.decode(task.encode("def f(x):")) == "def f(x):"


def test_character_language_model_learns(tmp_path):
    config = _shrink(lm_config.get_config("stdlib"), 60)
    config.task.update(length=32, eval_size=16)
    config.train.batch_size = 16
    results = train.train_and_evaluate(config, str(tmp_path))
    losses = _losses(str(tmp_path))
    assert losses[-1] < 0.7 * losses[0]
    assert results["metric"] == "eval_bits_per_token"
    assert results["eval_bits_per_token"] == pytest.approx(results["eval_loss"] / np.log(2))
    assert results["eval_perplexity"] == pytest.approx(np.exp(results["eval_loss"]), rel=1e-5)


def test_italy_language_model_learns(italy_lm):
    workdir, results = italy_lm
    losses = _losses(workdir)
    assert losses[-1] < 0.5 * losses[0]
    assert results["eval_perplexity"] < 0.5 * italy_lm_vocab()


def italy_lm_vocab():
    from experiments.tasks.italy import ItalyTask
    return ItalyTask(3).vocab_size


def test_generation_continues_the_carry_exactly(italy_lm):
    """Greedy generation from the carry equals re-reading the whole sequence each step."""
    _, task, model, state = train.load_run(italy_lm[0])
    prompt = jnp.asarray([task.encode("i grew up in")], jnp.int32)
    tokens = decoding.sample(model, state.params, prompt, jax.random.key(0), 0.0, steps=6)
    sequence = prompt
    for _ in range(6):
        logits = model.apply({"params": state.params}, sequence)
        sequence = jnp.concatenate([sequence, jnp.argmax(logits[:, -1:], -1)], axis=1)
    np.testing.assert_array_equal(tokens, sequence[:, 4:])
    top1 = decoding.sample(model, state.params, prompt, jax.random.key(3), 1.5, steps=6,
                           top_k=1)
    np.testing.assert_array_equal(top1, tokens)


def test_sampling_is_deterministic_per_seed(italy_lm):
    first = generate(italy_lm[0], "i grew up in", steps=8, samples=4, seed=1)
    assert first == generate(italy_lm[0], "i grew up in", steps=8, samples=4, seed=1)
    assert first != generate(italy_lm[0], "i grew up in", steps=8, samples=4, seed=2)
    assert len(first) == 4 and all(line.startswith("i grew up in ") for line in first)
    assert all(len(line.split()) == 4 + 8 for line in first)
    with pytest.raises(ConfigError, match="'atlantis' is not in the Italy task's vocabulary"):
        generate(italy_lm[0], "i grew up in atlantis")
    with pytest.raises(ConfigError, match="--top_k=500 exceeds the vocabulary"):
        generate(italy_lm[0], "i grew up in", top_k=500)


def test_mirrorese_targets_and_reversed_sources():
    task = translation.TranslationTask(gap=5, gap_max=12, eval_size=8)
    backwards = translation.TranslationTask(gap=5, gap_max=12, eval_size=8, reverse_source=True)
    batch, reversed_batch = task.eval_batch(0), backwards.eval_batch(0)
    for b in range(8):
        n = batch.lengths[b]
        words = [task.source_words[i] for i in batch.inputs[b, :n]]
        target = task.decode(batch.targets[b]).split()
        assert target == [w.translate(translation.VOWEL_SHIFT) for w in reversed(words)]
        assert target[-1] == "o" and target[0] == words[-1].translate(translation.VOWEL_SHIFT)
        assert batch.targets[b, n] == translation.EOS and batch.mask[b].sum() == n + 1
        np.testing.assert_array_equal(reversed_batch.inputs[b, :n], batch.inputs[b, :n][::-1])
    assert len(set(task.target_words)) == len(task.target_words)  # An invertible lexicon.


def test_translation_learns_and_reports_bleu(translation_run):
    workdir, results = translation_run
    losses = _losses(workdir)
    assert losses[-1] < 0.5 * losses[0]
    for key in ("eval_bleu", "eval_exact_match", "eval_beam_bleu", "eval_beam_exact_match"):
        assert key in results
    assert 0 <= results["eval_exact_match"] <= 1 and 0 <= results["eval_bleu"] <= 100
    lines = generate(workdir, "i grew up in spain . i speak fluent spanish")
    assert lines[0].startswith("greedy: ") and lines[1].startswith("beam 4: ")


def test_beam_search_scores_are_the_model_log_probabilities(translation_run):
    _, task, model, state = train.load_run(translation_run[0])
    batch = task.eval_batch(1)
    steps = batch.targets.shape[1]
    ids, scores = decoding.beam_search(model, state.params, batch.inputs, batch.lengths,
                                       steps=steps, beam_size=3, eos_id=task.eos_id)
    logits = model.apply({"params": state.params}, batch.inputs, batch.lengths, ids)
    log_probs = jnp.take_along_axis(jax.nn.log_softmax(logits), ids[..., None], -1)[..., 0]
    ended = jnp.cumsum(ids == task.eos_id, axis=1) - (ids == task.eos_id)  # After the EOS.
    expected = jnp.sum(jnp.where(ended > 0, 0.0, log_probs), axis=1)
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)
    greedy = decoding.greedy(model, state.params, batch.inputs, batch.lengths, steps=steps)
    one, _ = decoding.beam_search(model, state.params, batch.inputs, batch.lengths, steps=steps,
                                  beam_size=1, eos_id=task.eos_id)
    assert [task.decode(r) for r in np.asarray(one)] == [task.decode(r)
                                                         for r in np.asarray(greedy)]


def test_generate_cli_refuses_a_classification_run(tmp_path):
    from experiments.configs import italy
    config = italy.get_config()
    config.task.update(gap=2, eval_size=8)
    config.model.update(hidden_size=4, embed_size=4)
    config.train.update(steps=2, batch_size=4, log_every=1, eval_every=2, checkpoint_every=2)
    train.train_and_evaluate(config, str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "experiments.generate", f"--workdir={tmp_path}",
                          "--prompt=i grew up in"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "without a language model" in out.stderr
