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

from experiments.configs import common


def get_config():
    task = common.task("translation")
    task.gap = 4  # Source sentences have key-to-answer gaps in [gap, gap_max].
    task.gap_max = 20
    # Feed the source backwards (Sutskever et al. 2014); for this target order that makes the
    # dependencies longest (see experiments/tasks/translation.py).
    task.reverse_source = False
    return common.encoder_decoder(task)
