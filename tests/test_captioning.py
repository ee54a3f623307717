"""Image captioning: the scene generator, a short run that learns, the captions figure."""

import os

import numpy as np
import pytest

from experiments import train
from experiments.captions import caption_figure
from experiments.configs import captioning as captioning_config
from experiments.errors import ConfigError
from experiments.tasks import captioning
from experiments.workdir import read_metrics


def _objects(image):
    """(colour name, centroid x, centroid y, pixel count) of each coloured region."""
    found = []
    for name, rgb in captioning.COLOURS.items():
        inside = np.all(np.isclose(image, rgb, atol=1e-6), axis=-1)
        if inside.any():
            y, x = np.nonzero(inside)
            found.append((name, x.mean(), y.mean(), inside.sum()))
    return found


def test_captions_describe_the_drawn_scene():
    task = captioning.CaptioningTask(image_size=32, eval_size=200)
    batch = task.eval_batch(0)
    np.testing.assert_array_equal(batch.inputs, task.eval_batch(0).inputs)
    assert batch.inputs.shape == (200, 32, 32, 3) and batch.targets.shape == (200, 11)
    counts = {1: 0, 2: 0}
    for image, ids, length in zip(batch.inputs, batch.targets, batch.lengths, strict=True):
        words = task.decode(ids).split()
        assert ids[length - 1] == captioning.EOS and len(words) == length - 1
        objects = _objects(image)
        if len(words) == 4:
            counts[1] += 1
            assert [o[0] for o in objects] == [words[2]]
            continue
        counts[2] += 1
        first, second = words[2], words[-2]
        relation = "left of" if words[4] == "left" else "above"
        if first == second:  # One colour: two regions in the same mask.
            continue
        positions = {o[0]: (o[1], o[2]) for o in objects}
        axis = 0 if relation == "left of" else 1
        assert positions[first][axis] < positions[second][axis]
    assert min(counts.values()) > 60  # About half the images hold two objects.


def test_bad_values_name_the_field():
    with pytest.raises(ValueError, match="task.max_objects must be 1 or 2, got 3"):
        captioning.CaptioningTask(max_objects=3)
    with pytest.raises(ValueError, match="task.image_size must be an integer >= 16, got 8"):
        captioning.CaptioningTask(image_size=8)


def test_captioning_learns_and_draws_its_figure(tmp_path):
    config = captioning_config.get_config()
    config.task.update(image_size=16, eval_size=16, beam_size=1)
    config.model.update(hidden_size=32, embed_size=16)
    config.train.update(steps=80, batch_size=32, log_every=20, eval_every=80,
                        checkpoint_every=80)
    workdir = str(tmp_path)
    results = train.train_and_evaluate(config, workdir)
    losses = [r["loss"] for r in read_metrics(os.path.join(workdir, "metrics.jsonl"))
              if "loss" in r]
    assert losses[-1] < 0.5 * losses[0]
    assert results["metric"] == "eval_bleu" and 0 <= results["eval_bleu"] <= 100
    lines = caption_figure(workdir, count=3, beam_size=2)
    assert len(lines) == 3 and all(line.startswith("true: a ") for line in lines)
    assert os.path.exists(os.path.join(workdir, "plots", "captions.png"))
    with pytest.raises(ConfigError, match="--count and --beam_size must be >= 1"):
        caption_figure(workdir, count=0)


@pytest.mark.parametrize("cell", ["lru"])
def test_any_cell_decodes_from_the_image(cell):
    """The CNN's features become every carry leaf, complex ones (LRU) included (the
    LSTM's two leaves are covered by the training test)."""
    import jax

    from experiments import models
    from experiments.models import decoding

    task = captioning.CaptioningTask(image_size=16, eval_size=4)
    model = models.CaptionModel(decoder_cell=models.make_cell(cell, 8),
                                output_size=task.output_size, embed_size=4)
    batch = task.eval_batch(0)
    params = model.init(jax.random.key(0), *model.model_inputs(batch))["params"]
    carry = model.apply({"params": params}, batch.inputs, method="encode")
    template = model.decoder_cell.initial_carry((4,))
    for leaf, expected in zip(jax.tree.leaves(carry), jax.tree.leaves(template), strict=True):
        assert leaf.shape == expected.shape and leaf.dtype == expected.dtype
        assert np.any(np.asarray(leaf) != 0)
    ids = decoding.greedy(model, params, batch.inputs, batch.lengths, steps=5)
    assert ids.shape == (4, 5)
