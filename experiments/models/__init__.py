"""Models: any recurrent stack from `recurrent` between an input layer and a readout.

    cells.py            cell specs ("lstm:forget_bias=2") -> `recurrent` cells and stacks
    sequence.py         `SequenceModel`: tokens or features -> outputs at every step
    encoder_decoder.py  `Seq2SeqModel` (translation), `CaptionModel` (images -> captions)
    mdn.py              the stroke model's mixture-density output head
    decoding.py         sampling, greedy and beam search with `lax.scan`

`for_task` is the one place that picks a model for a task, from the task's declarations
(`inputs`, `encoder_decoder`; see `experiments.tasks`). Every model says itself what it
reads from a batch (`model.model_inputs(batch)`) and what its outputs are scored against
(`model.scored(batch)`).
"""

from __future__ import annotations

from experiments.models.cells import build_cell, cell_slug, make_cell, parse_cell_spec
from experiments.models.encoder_decoder import CaptionModel, Decoder, ImageEncoder, Seq2SeqModel
from experiments.models.sequence import SequenceModel, last_step

Model = SequenceModel | Seq2SeqModel | CaptionModel


def for_task(model_config, task, cell) -> Model:
    """The model of `task` around the recurrent core `cell`: a CNN encoder and a decoder
    for images to text, an encoder-decoder for text to text, else a `SequenceModel` that
    embeds tokens (or reads features) and reads out every step, or only the last one when
    the task scores nothing else."""
    if task.encoder_decoder and task.inputs == "images":
        return CaptionModel(decoder_cell=cell, output_size=task.output_size,
                            embed_size=model_config.embed_size, bos_id=task.bos_id)
    if task.encoder_decoder:
        return Seq2SeqModel(encoder_cell=cell, decoder_cell=cell, vocab_size=task.vocab_size,
                            output_size=task.output_size, embed_size=model_config.embed_size,
                            bos_id=task.bos_id)
    return SequenceModel(cell=cell,
                         vocab_size=task.vocab_size if task.inputs == "tokens" else None,
                         embed_size=model_config.embed_size, output_size=task.output_size,
                         objective=task.objective, answer_only=task.scores_last_step)


__all__ = ["CaptionModel", "Decoder", "ImageEncoder", "Model", "Seq2SeqModel", "SequenceModel",
           "build_cell", "cell_slug", "for_task", "last_step", "make_cell", "parse_cell_spec"]
