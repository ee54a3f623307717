"""Machine translation (sequence to sequence): English -> Mirrorese, encoder-decoder.

    python launch.py --config=experiments/configs/translation.py --workdir=runs/translation
    python launch.py --config=experiments/configs/translation.py \
        --config.task.reverse_source=True --workdir=runs/translation-reversed
    python -m experiments.generate --workdir=runs/translation \
        --prompt="i grew up in norway . i speak fluent norwegian"

An encoder reads the English sentence, its final carry starts the decoder,
which is trained with teacher forcing. Evaluation decodes the held-out set
greedily and with beam search: `eval_bleu` / `eval_beam_bleu` (sacrebleu
corpus BLEU) and `eval_exact_match` / `eval_beam_exact_match`.
"""

import ml_collections

from experiments.configs import common


def get_config():
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "translation"  # A task from experiments.tasks.TASKS.
    config.task.gap = 4  # Source sentences have key-to-answer gaps in [gap, gap_max].
    config.task.gap_max = 20
    # Feed the source backwards (Sutskever et al. 2014); for this target order that makes the
    # dependencies longest (see experiments/tasks/translation.py).
    config.task.reverse_source = False
    config.task.eval_size = 256  # Held-out sentences.
    config.task.beam_size = 4  # Beam search width at evaluation (1: greedy only).

    config.model = common.model(cell="lstm", hidden_size=128, embed_size=32)
    config.train = common.train(steps=1500, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=500, checkpoint_every=500)
    config.mesh = common.mesh()
    config.sweep = common.sweep()
    return config
