"""Cell specs (`"lstm:chrono_t_max=64"`): parsing, file-name slugs, the cell and the stack built."""

import re

import ml_collections
import pytest

import recurrent as rec
from experiments import models
from experiments.configs import vanishing as vanishing_config


@pytest.mark.parametrize("spec, expected", [
    ("lstm", ("lstm", {})),
    ("gru:", ("gru", {})),  # An empty option list.
    ("lstm:forget_bias=2.0", ("lstm", {"forget_bias": 2.0})),
    # Python literals: ints stay ints, floats, exponents, signs, None and booleans.
    ("lstm:chrono_t_max=64,forget_bias=-1e-3", ("lstm", {"chrono_t_max": 64,
                                                         "forget_bias": -0.001})),
    ("lstm:chrono_t_max=None", ("lstm", {"chrono_t_max": None})),
    ("mingru:log_space=True", ("mingru", {"log_space": True})),
    # Bare words are strings; so is anything else that is not a literal.
    ("rnn:activation=relu,recurrent_init=identity",
     ("rnn", {"activation": "relu", "recurrent_init": "identity"})),
    ("rnn:activation='relu'", ("rnn", {"activation": "relu"})),
    ("lstm:forget_bias=1=2", ("lstm", {"forget_bias": "1=2"})),
    # Spaces around keys and values go; empty items between commas are skipped.
    ("rnn: activation = relu , recurrent_scale=0.5,", ("rnn", {"activation": "relu",
                                                               "recurrent_scale": 0.5})),
    ("lstm:forget_bias=3.0,,", ("lstm", {"forget_bias": 3.0})),
])
def test_a_spec_is_a_name_and_literal_options(spec, expected):
    name, options = models.parse_cell_spec(spec)
    assert (name, options) == expected
    assert [type(v) for v in options.values()] == [type(v) for v in expected[1].values()]


@pytest.mark.parametrize("spec, message", [
    ("lstm:forget_bias", "cell option 'forget_bias' in 'lstm:forget_bias' must look like "
                         "key=value"),
    ("lstm:=3", "cell option '=3' in 'lstm:=3' must look like key=value"),
    ("lstm: =3", "cell option ' =3' in 'lstm: =3' must look like key=value"),
    ("rnn:activation=relu,3", "cell option '3' in 'rnn:activation=relu,3' must look like"),
    ("", "a cell must be a registered name such as 'lstm', got ''"),
    (None, "a cell must be a registered name such as 'lstm', got None"),
    (3, "a cell must be a registered name such as 'lstm', got 3"),
])
def test_malformed_specs_name_the_item(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        models.parse_cell_spec(spec)


@pytest.mark.parametrize("spec", ["tcn", "tcn:kernel=3", "LSTM", " lstm", ":forget_bias=1"])
def test_an_unknown_cell_lists_the_registered_ones(spec):
    with pytest.raises(ValueError, match="unknown cell .*; registered cells: ") as error:
        models.parse_cell_spec(spec)
    listed = str(error.value).split("registered cells: ")[1].split(", ")
    assert listed == sorted(rec.cell_names())
    assert {"rnn", "lstm", "gru"} <= set(listed)


@pytest.mark.parametrize("spec, slug", [
    ("lstm", "lstm"),
    ("lstm:chrono_t_max=64", "lstm-chrono_t_max-64"),
    ("lstm:forget_bias=3.0", "lstm-forget_bias-3.0"),
    ("rnn:activation=relu,recurrent_init=identity", "rnn-activation-relu-recurrent_init-identity"),
    ("rnn: activation='relu'", "rnn--activation--relu-"),
])
def test_cell_slug_is_file_name_safe(spec, slug):
    assert models.cell_slug(spec) == slug


def test_the_study_cells_have_distinct_slugs():
    """Each cell of the study writes `points/<slug>_gap<gap>.npz`: no two may share one."""
    cells = vanishing_config.get_config("full").study.cells
    slugs = [models.cell_slug(cell) for cell in cells]
    assert len(set(slugs)) == len(cells)
    assert all(c.isalnum() or c in "._-" for slug in slugs for c in slug)


def test_make_cell_passes_the_options_and_the_hidden_size():
    cell = models.make_cell("lstm:forget_bias=2.5,chrono_t_max=None", 6)
    assert cell == rec.LSTM(6, forget_bias=2.5)
    assert models.make_cell("rnn:activation=relu,recurrent_init=identity", 3) == rec.RNN(
        3, activation="relu", recurrent_init="identity")


@pytest.mark.parametrize("spec, fields", [
    ("lstm:peepholes=True", "lstm takes: forget_bias, chrono_t_max, param_dtype, matmul_dtype"),
    ("rnn:units=3", "rnn takes: activation, recurrent_init, recurrent_scale, param_dtype, "
                    "matmul_dtype"),
    # The size comes from model.hidden_size, never from the spec.
    ("gru:hidden_size=3", "gru takes: param_dtype, matmul_dtype"),
])
def test_an_unknown_option_names_the_fields_the_cell_takes(spec, fields):
    with pytest.raises(ValueError, match=f"unknown option in cell spec '{spec}'; {fields}$"):
        models.make_cell(spec, 4)


@pytest.mark.parametrize("spec, message", [
    ("lstm:forget_bias=abc", "forget_bias must be a finite number, got 'abc'"),
    ("lstm:chrono_t_max=1", "chrono_t_max must be None or a number >= 2, got 1"),
    ("rnn:activation=swish", r"activation must be one of \['linear', 'relu', 'tanh'\], "
                             "got 'swish'"),
])
def test_a_bad_value_names_the_spec_and_the_cells_own_check(spec, message):
    with pytest.raises(ValueError, match=f"^cell spec '{spec}': {message}$"):
        models.make_cell(spec, 4)


def model_config(**fields):
    config = ml_collections.ConfigDict(dict(cell="gru", hidden_size=5, num_layers=1,
                                            dropout=0.0, residual=False))
    config.update(fields)
    return config


def test_one_layer_without_dropout_is_the_cell_itself():
    assert models.build_cell(model_config(cell="lstm:forget_bias=2.0")) == rec.LSTM(
        5, forget_bias=2.0)
    # Configs written before model.dropout and model.residual existed.
    assert models.build_cell(ml_collections.ConfigDict(
        dict(cell="gru", hidden_size=5, num_layers=1))) == rec.GRU(5)


@pytest.mark.parametrize("fields", [
    dict(num_layers=3, residual=True, dropout=0.25),
    dict(num_layers=2),
    dict(num_layers=1, dropout=0.5),  # Dropout needs a Stack even for one layer.
])
def test_layers_dropout_and_residual_make_a_stack(fields):
    stack = models.build_cell(model_config(cell="rnn:activation=relu", **fields))
    assert isinstance(stack, rec.Stack)
    assert stack.layers == (rec.RNN(5, activation="relu"),) * fields["num_layers"]
    assert stack.residual == fields.get("residual", False)
    assert stack.dropout == fields.get("dropout", 0.0)


def test_a_stack_with_a_bad_option_is_refused_like_one_cell():
    with pytest.raises(ValueError, match="unknown option in cell spec 'gru:depth=2'"):
        models.build_cell(model_config(cell="gru:depth=2", num_layers=3))
