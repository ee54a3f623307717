"""The Italy task generator: exact gap, the right answer, a real distractor, determinism."""

import numpy as np
import pytest

from experiments.tasks import italy
from experiments.tasks.italy import ItalyTask

LANGUAGE_OF = dict(italy.COUNTRIES_AND_LANGUAGES)


def _examples(task, batch):
    """(tokens as words, answer word) per example, read back from the batch."""
    for b in range(len(batch.lengths)):
        n = batch.lengths[b]
        words = [task.words[i] for i in batch.inputs[b, :n]]
        yield words, task.words[batch.targets[b, n - 1]], b, n


@pytest.mark.parametrize("gap", [1, 2, 3, 4, 5, 11, 12, 13, 40, 160])
def test_gap_answer_and_distractor(gap):
    task = ItalyTask(gap)
    batch = task.batch(seed=3, step=7, batch_size=32)
    assert batch.inputs.shape == (32, italy.KEY_POSITION + gap + 1)
    for words, answer, b, n in _examples(task, batch):
        assert words[:4] == ["i", "grew", "up", "in"]
        key = words[italy.KEY_POSITION]
        # Exactly `gap` tokens between the key and the answer (the last target).
        assert n - 1 - italy.KEY_POSITION == gap
        assert answer == LANGUAGE_OF[key]
        countries_after_key = [w for w in words[italy.KEY_POSITION + 1:] if w in LANGUAGE_OF]
        assert key not in countries_after_key
        if gap >= 12:
            text = " ".join(words)
            assert "i moved to" in text
            moved = words[words.index("moved") + 2]
            assert moved in LANGUAGE_OF and moved != key
        elif gap < 4 + min(len(s.split()) for s in italy.OTHER_DISTRACTORS):
            assert not countries_after_key  # Too short for any distractor sentence.
        assert words[-1] == ("fluent" if gap >= 2 else "speaking")
        # Every input step but the last predicts the next word (language modelling).
        np.testing.assert_array_equal(batch.targets[b, :n - 1], batch.inputs[b, 1:n])
        assert batch.metric_mask[b].sum() == 1 and batch.metric_mask[b, n - 1] == 1


def test_at_least_twenty_languages_and_chance():
    assert len(set(LANGUAGE_OF.values())) == len(LANGUAGE_OF) >= 20
    assert ItalyTask(5).chance == pytest.approx(1 / len(LANGUAGE_OF))


def test_deterministic_per_seed_and_step():
    task = ItalyTask(20, gap_max=30)
    a, b = task.batch(1, 5, 16), task.batch(1, 5, 16)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(task.batch(1, 6, 16).inputs, a.inputs)
    assert not np.array_equal(task.batch(2, 5, 16).inputs, a.inputs)
    np.testing.assert_array_equal(task.eval_batch(1).inputs, ItalyTask(20, 30).eval_batch(1).inputs)
    assert not np.array_equal(task.eval_batch(1).inputs[:16], a.inputs)


def test_gap_range_pads_on_the_right():
    task = ItalyTask(5, gap_max=25)
    batch = task.batch(0, 0, 64)
    gaps = batch.lengths - 1 - italy.KEY_POSITION
    assert gaps.min() >= 5 and gaps.max() <= 25 and len(set(gaps)) > 5
    for b, n in enumerate(batch.lengths):
        assert (batch.inputs[b, n:] == 0).all() and (batch.mask[b, n:] == 0).all()


def test_without_distractors_only_the_key_names_a_country():
    task = ItalyTask(40, distractors=False)
    batch = task.batch(seed=3, step=7, batch_size=32)
    assert batch.inputs.shape == ItalyTask(40).batch(3, 7, 32).inputs.shape
    for words, answer, _, n in _examples(task, batch):
        assert n - 1 - italy.KEY_POSITION == 40 and answer == LANGUAGE_OF[words[4]]
        assert [w for w in words if w in LANGUAGE_OF] == [words[italy.KEY_POSITION]]


def test_modes_set_the_loss_mask():
    classify = ItalyTask(6, mode="classify").batch(0, 0, 8)
    lm = ItalyTask(6, mode="lm").batch(0, 0, 8)
    np.testing.assert_array_equal(classify.inputs, lm.inputs)
    np.testing.assert_array_equal(classify.mask, classify.metric_mask)
    np.testing.assert_array_equal(lm.mask, (np.arange(11)[None] < lm.lengths[:, None]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(gap=0), "task.gap must be an integer >= 1, got 0"),
    (dict(gap=2.5), "task.gap must be an integer >= 1, got 2.5"),
    (dict(gap=5, gap_max=4), "task.gap_max must be None or an integer >= task.gap = 5"),
    (dict(gap=5, mode="seq2seq"), "task.mode must be 'classify' or 'lm'"),
    (dict(gap=5, distractors="no"), "task.distractors must be True or False, got 'no'"),
])
def test_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ItalyTask(**kwargs)
