"""Image captioning (one-to-many): a CNN reads a generated scene, a recurrent decoder describes it.

    python launch.py --config=experiments/configs/captioning.py --workdir=runs/captioning
    python -m experiments.captions --workdir=runs/captioning   # a figure of captioned images

Headline metric `eval_bleu` (sacrebleu corpus BLEU of greedy captions on the
held-out images); also `eval_exact_match` and the beam-search variants.
"""

import ml_collections

from experiments.configs import common


def get_config():
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "captioning"  # A task from experiments.tasks.TASKS.
    config.task.image_size = 32  # S: images are S x S RGB.
    config.task.max_objects = 2  # 1, or 2 (half the images then hold two related objects).
    config.task.eval_size = 256  # Held-out images.
    config.task.beam_size = 4  # Beam search width at evaluation (1: greedy only).

    # The decoder: any cell; its initial carry is a linear map of the CNN's features.
    config.model = common.model(cell="lstm", hidden_size=128, embed_size=32)
    config.train = common.train(steps=1500, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=500, checkpoint_every=500)
    config.mesh = common.mesh()
    config.sweep = common.sweep()
    return config
