"""`make demo`: every registered cell unrolls and reports its timings."""

import recurrent as rec
from experiments import demo


def test_demo_unrolls_every_registered_cell(capsys):
    rows = demo.main(batch=2, steps=3, input_size=2, hidden_size=4)
    assert [row["cell"] for row in rows] == list(rec.cell_names())
    assert all(row["forward_s"] > 0 and row["grad_s"] > 0 for row in rows)
    assert "ys (2, 3, 4)" in capsys.readouterr().out
