"""Image captioning (one-to-many): a CNN reads a generated scene, a recurrent decoder describes it.

    python launch.py --config=experiments/configs/captioning.py --workdir=runs/captioning
    python -m experiments.captions --workdir=runs/captioning   # a figure of captioned images

Headline metric `eval_bleu` (sacrebleu corpus BLEU of greedy captions on the
held-out images); also `eval_exact_match` and the beam-search variants.
"""

from experiments.configs import common


def get_config():
    task = common.task("captioning")
    task.image_size = 32  # S: images are S x S RGB.
    task.max_objects = 2  # 1, or 2 (half the images then hold two related objects).
    # The decoder (model.cell: any cell) starts from a linear map of the CNN's features.
    return common.encoder_decoder(task)
