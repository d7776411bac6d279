"""Model cards: the declaration's run-time facts, kept as JSON and read without SymPy."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from igesweep.models import get_model, model_names
from igesweep.models.card import (
    CARD_LAYOUT,
    card_from_json,
    card_of,
    card_to_json,
    get_card,
)
from igesweep.models.functions import emax
from igesweep.models.igesweep1 import MODEL as IGESWEEP1
from tests import processes
from tests.models.toy import MODEL as TOY

TOY_NAME = "tests.models.toy:MODEL"


@pytest.mark.parametrize("name", model_names())
def test_card_holds_what_the_declaration_says(name):
    model = get_model(name)
    card = card_of(model)
    assert card.name == model.name and card.title == model.title
    assert card.digest() == model.digest()
    assert card.parameters == model.parameters
    assert card.parameter_names == model.parameter_names
    assert card.constraints == tuple(model.constraints)
    assert card.state_names == model.state_names
    assert [(o.name, o.unit, o.long_name) for o in card.outputs] == [
        (o.name, o.unit, o.long_name) for o in model.outputs]
    assert card.output_names == model.output_names
    assert card.pre_event_output == model.pre_event_output
    assert card.bindings == model.bindings
    assert set(card.event_kinds) == {ev.kind for ev in model.events}
    assert card.stiffness_keys == tuple(model.stiffness_keys)
    assert card.receptor_readout == model.receptor_readout


def _symbol(name: str) -> sp.Symbol:
    return IGESWEEP1.parameter(name).symbol


#: igesweep-1 with a receptor baseline SymPy prints with ``functools.reduce`` (Max, Min).
MAX_BASELINE = dataclasses.replace(
    IGESWEEP1, name="max-baseline", receptor_baseline=sp.Min(
        sp.Max(_symbol("fceri_baseline_per_cell"), 3 * _symbol("weight_kg")),
        sp.sqrt(_symbol("ige_baseline_iu_ml")) * 1e4))


@pytest.mark.parametrize("model", [*map(get_model, model_names()), MAX_BASELINE],
                         ids=[*model_names(), "max-baseline"])
def test_receptor_baseline_matches_the_declaration_evaluated_by_sympy(model):
    """The card's NumPy code against SymPy's own evaluation of the declared expression."""
    card = card_of(model)
    rng = np.random.default_rng(7)
    params = rng.uniform(0.5, 2.0, size=(4, len(model.parameters))) * 10.0 ** rng.integers(
        0, 4, size=(4, len(model.parameters)))
    got = card.receptor_baselines(params)
    assert got.shape == (4,)
    if model.receptor_baseline is None:
        assert card.receptor_baseline_code is None and np.isnan(got).all()
        return
    expr = sp.sympify(model.receptor_baseline)
    for d in reversed(model.derived):
        expr = expr.xreplace({d.symbol: d.expr})
    expr = expr.xreplace({sp.Symbol(k, real=True): v for k, v in model.constants.items()})
    for lane, row in enumerate(params):
        value = expr.xreplace({p.symbol: sp.Float(v, 30) for p, v in
                               zip(model.parameters, row, strict=True)})
        assert got[lane] == pytest.approx(float(sp.N(value, 30)), rel=1e-13)


@pytest.mark.parametrize("name", model_names())
def test_card_survives_its_json(name):
    card = card_of(get_model(name))
    again = card_from_json(card_to_json(card))
    assert again == card
    assert isinstance(again.parameters, tuple) and isinstance(again.outputs, tuple)


@pytest.mark.parametrize("text", [
    "not json", "{}", json.dumps({"layout": CARD_LAYOUT + 1}),
    json.dumps({"layout": CARD_LAYOUT, "name": "x"}),
])
def test_text_that_is_not_a_card_is_refused(text):
    with pytest.raises(ValueError, match="card"):
        card_from_json(text)


def test_a_card_written_with_another_sympy_is_refused():
    """The declaration's digest is SymPy's printing of it: another SymPy, another digest."""
    data = json.loads(card_to_json(card_of(IGESWEEP1)))
    data["sympy"] = "0.1"
    with pytest.raises(ValueError, match="written with"):
        card_from_json(json.dumps(data))


def test_a_baseline_sympy_cannot_print_for_numpy_is_refused_naming_the_model():
    model = dataclasses.replace(IGESWEEP1, name="emax-baseline", receptor_baseline=emax(
        1.0, 2.0, _symbol("fceri_baseline_per_cell")))
    with pytest.raises(ValueError, match="'emax-baseline': its receptor_baseline"):
        card_of(model)


def test_unknown_model_names_the_allowed_ones():
    with pytest.raises(KeyError, match="igesweep-2"):
        get_card("no-such-model")


def test_model_declared_outside_the_package_gets_its_card_from_the_declaration():
    card = get_card(TOY_NAME)
    assert card == card_of(TOY)
    assert "free_ige_auc" in card.output_names


_READ_CARD = """
import sys
from igesweep.models.card import _card_path, get_card
card = get_card("igesweep-2")
print(card.digest(), 'sympy' in sys.modules, _card_path("igesweep-2"))
"""


def _read_card_in_new_process(cache: Path) -> tuple[str, bool, Path]:
    done = processes.run([sys.executable, "-c", _READ_CARD], timeout=120,
                         env={**os.environ, "NUMBA_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stderr[-3000:]
    digest, sympy_imported, path = done.stdout.split()
    return digest, sympy_imported == "True", Path(path)


def test_a_cached_card_is_read_without_sympy_and_a_damaged_one_rebuilt(tmp_path):
    digest = get_model("igesweep-2").digest()
    first = _read_card_in_new_process(tmp_path)
    assert first[0] == digest and first[1], "the first process builds the card from SymPy"
    path = first[2]
    assert path.is_relative_to(tmp_path) and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644, "readable by every user of the cache"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left"
    second = _read_card_in_new_process(tmp_path)
    assert second == (digest, False, path), "a cached card needs no SymPy"
    path.write_text(path.read_text()[:40])
    third = _read_card_in_new_process(tmp_path)
    assert third[:2] == (digest, True), "a damaged card is rebuilt from the declaration"
    assert card_from_json(path.read_text()) == card_of(get_model("igesweep-2"))
