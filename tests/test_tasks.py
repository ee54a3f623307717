"""The standard long-memory tasks: shapes, baselines computed from data, determinism."""

import math

import ml_collections
import numpy as np
import pytest

from experiments import tasks
from experiments.tasks import adding, copying, digits, temporal_order

GENERATORS = {
    "adding": lambda: adding.AddingTask(length=50, eval_size=64),
    "copying": lambda: copying.CopyingTask(length=30, eval_size=64),
    "temporal_order": lambda: temporal_order.TemporalOrderTask(length=100, eval_size=64),
    "digits": lambda: digits.DigitsTask(),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_batches_are_deterministic_and_streams_disjoint(name):
    task = GENERATORS[name]()
    a, b = task.batch(3, 5, 16), task.batch(3, 5, 16)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    other = task.batch(3, 6, 16)
    assert not np.array_equal(a.inputs, other.inputs)
    assert not np.array_equal(a.inputs, task.batch(4, 5, 16).inputs)
    evaluation = task.eval_batch(3)
    np.testing.assert_array_equal(evaluation.inputs, task.eval_batch(3).inputs)
    steps = a.inputs.shape[1]
    assert a.targets.shape == a.mask.shape == a.metric_mask.shape == (16, steps)
    assert a.lengths.shape == (16,) and a.lengths.max() <= steps
    if task.input_size is None:
        assert a.inputs.dtype == np.int32 and a.inputs.max() < task.vocab_size
    else:
        assert a.inputs.shape == (16, steps, task.input_size) and a.inputs.dtype == np.float32
    if task.objective == "cross_entropy":
        assert a.targets.max() < task.output_size


def test_adding_problem_markers_target_and_baseline_from_data():
    task = adding.AddingTask(length=50, eval_size=4000)
    batch = task.eval_batch(0)
    values, markers = batch.inputs[..., 0], batch.inputs[..., 1]
    assert batch.inputs.shape == (4000, 50, 2)
    assert np.all((values >= 0) & (values <= 1))
    np.testing.assert_array_equal(markers[:, :25].sum(1), 1)  # One marker per half.
    np.testing.assert_array_equal(markers[:, 25:].sum(1), 1)
    np.testing.assert_allclose(batch.targets[:, -1], (values * markers).sum(1), rtol=1e-6)
    assert batch.mask[:, -1].all() and batch.mask[:, :-1].sum() == 0
    # The trivial baseline (predict 1) measured on the data, against the stated level.
    measured = np.mean((batch.targets[:, -1] - 1.0) ** 2)
    assert measured == pytest.approx(task.chance, rel=0.05)
    assert task.chance == pytest.approx(1 / 6) and task.metric == "eval_mse"
    assert not task.higher_is_better


def test_copy_task_layout_and_memoryless_baseline_from_data():
    T = 30
    task = copying.CopyingTask(length=T, eval_size=2000)
    batch = task.eval_batch(0)
    assert batch.inputs.shape == (2000, T + 20)
    symbols = batch.inputs[:, :10]
    assert symbols.min() >= 1 and symbols.max() <= 8
    assert np.all(batch.inputs[:, 10:T + 9] == copying.BLANK)
    assert np.all(batch.inputs[:, T + 9] == copying.DELIMITER)
    assert np.all(batch.inputs[:, T + 10:] == copying.BLANK)
    np.testing.assert_array_equal(batch.targets[:, -10:], symbols)
    assert np.all(batch.targets[:, :-10] == copying.BLANK)
    # The best memoryless predictor outputs each step's marginal target distribution;
    # its cross-entropy over all steps, measured on the data, is the stated baseline.
    entropy = 0.0
    for t in range(T + 20):
        _, counts = np.unique(batch.targets[:, t], return_counts=True)
        p = counts / counts.sum()
        entropy -= np.sum(p * np.log(p))
    assert entropy / (T + 20) == pytest.approx(task.chance, rel=0.01)
    assert task.chance == pytest.approx(10 * math.log(8) / (T + 20))


def test_temporal_order_matches_hochreiter_schmidhuber_6a_at_length_100():
    task = temporal_order.TemporalOrderTask(length=100, eval_size=2000)
    batch = task.eval_batch(0)
    lengths = batch.lengths
    assert lengths.min() >= 100 and lengths.max() <= 110 and batch.inputs.shape[1] == 110
    rows = np.arange(len(lengths))
    assert np.all(batch.inputs[:, 0] == temporal_order.START)
    assert np.all(batch.inputs[rows, lengths - 1] == temporal_order.TRIGGER)
    relevant = (batch.inputs == temporal_order.X) | (batch.inputs == temporal_order.Y)
    assert np.all(relevant.sum(1) == 2)
    positions = np.argwhere(relevant)[:, 1].reshape(-1, 2)
    assert positions[:, 0].min() >= 10 and positions[:, 0].max() <= 20
    assert positions[:, 1].min() >= 50 and positions[:, 1].max() <= 60
    first = batch.inputs[rows, positions[:, 0]] - temporal_order.X
    second = batch.inputs[rows, positions[:, 1]] - temporal_order.X
    np.testing.assert_array_equal(batch.targets[rows, lengths - 1], 2 * first + second)
    # Padding past each length, distractors a-d elsewhere.
    padded = np.arange(110)[None] >= lengths[:, None]
    assert np.all(batch.inputs[padded] == 0)
    body = ~padded & ~relevant
    body[:, 0] = False
    body[rows, lengths - 1] = False
    assert set(np.unique(batch.inputs[body])) == {1, 2, 3, 4}
    # Chance from data: the most frequent class is right about a quarter of the time.
    counts = np.bincount(batch.targets[rows, lengths - 1], minlength=4)
    assert counts.max() / counts.sum() == pytest.approx(task.chance, abs=0.05)


def test_digits_split_permutation_and_chance():
    plain, permuted = digits.DigitsTask(), digits.DigitsTask(permute=True)
    assert plain.length == 64
    assert len(plain.x_train) == 1797 - digits.EVAL_IMAGES == 1437
    assert len(plain.x_test) == digits.EVAL_IMAGES
    evaluation = plain.eval_batch(0)
    assert evaluation.inputs.shape == (360, 64, 1)
    np.testing.assert_array_equal(evaluation.inputs, plain.eval_batch(7).inputs)
    # The permuted variant holds the same pixels in one fixed order for every image.
    order = np.random.default_rng(digits.PERMUTATION_SEED).permutation(64)
    np.testing.assert_array_equal(permuted.x_test, plain.x_test[:, order])
    assert not np.array_equal(permuted.x_test, plain.x_test)
    counts = np.bincount(plain.y_test, minlength=10)
    assert counts.max() / counts.sum() < 0.15 and plain.chance == 0.1


def test_digits_reads_an_mnist_style_npz(tmp_path):
    rng = np.random.default_rng(0)
    path = str(tmp_path / "mnist.npz")
    np.savez(path, x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 20), x_test=rng.integers(0, 256, (6, 28, 28),
                                                                   dtype=np.uint8),
             y_test=rng.integers(0, 10, 6))
    task = digits.DigitsTask(path=path)
    batch = task.batch(0, 0, 4)
    assert batch.inputs.shape == (4, 784, 1) and batch.inputs.max() <= 1.0
    assert task.eval_batch(0).inputs.shape == (6, 784, 1)
    np.savez(str(tmp_path / "bad.npz"), x_train=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="lacks x_test, y_test, y_train"):
        digits.DigitsTask(path=str(tmp_path / "bad.npz"))
    with pytest.raises(ValueError, match="is not a file"):
        digits.DigitsTask(path=str(tmp_path / "missing.npz"))


@pytest.mark.parametrize("name, field, value, message", [
    ("adding", "length", 1, "task.length must be an integer >= 2, got 1"),
    ("copying", "length", 0, "task.length must be an integer >= 1, got 0"),
    ("copying", "eval_size", 2.5, "task.eval_size must be an integer >= 1, got 2.5"),
    ("temporal_order", "length", 5, "task.length must be an integer >= 10, got 5"),
    ("digits", "permute", "yes", "task.permute must be True or False, got 'yes'"),
])
def test_bad_task_values_name_the_field(name, field, value, message):
    fields = {"name": name, "length": 50, "eval_size": 8, "permute": False, field: value}
    config = ml_collections.ConfigDict(fields)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tasks.make_task(config)


# One small instance of every registered task, to check what each declares against its data.
DECLARED = {
    "adding": dict(length=20, eval_size=4),
    "captioning": dict(image_size=16, eval_size=4),
    "copying": dict(length=10, eval_size=4),
    "digits": {},
    "italy": dict(gap=4, eval_size=4),
    "sketch": dict(eval_size=4),
    "stdlib_text": dict(length=16, eval_size=4),
    "temporal_order": dict(length=20, eval_size=4),
    "translation": dict(gap=4, eval_size=4),
}


def test_every_registered_task_has_a_declaration_case():
    assert sorted(DECLARED) == sorted(tasks.TASKS)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_task_declarations_describe_its_batches(name):
    task = tasks.make_task(ml_collections.ConfigDict(dict(name=name, **DECLARED[name])))
    batch = task.batch(0, 0, 3)
    assert batch.targets.shape[:2] == (3, task.max_length)
    assert batch.mask.shape == batch.metric_mask.shape == (3, task.max_length)
    assert task.eval_batch(0).targets.shape[1] == task.max_length
    if task.inputs == "tokens":
        assert batch.inputs.dtype == np.int32 and batch.inputs.max() < task.vocab_size
    elif task.inputs == "features":
        assert batch.inputs.dtype == np.float32 and batch.inputs.shape[2] == task.input_size
    else:
        assert task.inputs == "images" and batch.inputs.ndim == 4
    if task.encoder_decoder:
        assert batch.targets.max() < task.output_size and task.beam_size >= 1
        # Every target ends with EOS within max_length, and decodes to words alone.
        assert (batch.targets == task.eos_id).any(1).all()
        assert task.bos_id not in batch.targets and "<" not in task.decode(batch.targets[0])
    if task.language_model or task.encoder_decoder:
        assert isinstance(task.decode(batch.targets[0]), str)
    if task.language_model:
        assert task.decode(task.encode("the cat")) == "the cat"


def test_tasks_without_text_say_so():
    task = tasks.make_task(ml_collections.ConfigDict(dict(name="adding", length=20)))
    with pytest.raises(ValueError, match="AddingTask has no text encoding"):
        task.encode("a b")
    with pytest.raises(ValueError, match="AddingTask has no text decoding"):
        task.decode([1, 2])
