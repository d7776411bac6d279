"""The therapy catalogue: schema, provenance of every number, admissible values."""

import copy

import pytest
import yaml

from igesweep import InputError, load_catalogue
from igesweep.catalogue import EVIDENCE_LEVELS, default_catalogue_path, parse_catalogue
from igesweep.parameters import PATIENT_PARAMETERS, THERAPY_PARAMETERS

THERAPIES = {
    "omalizumab", "cmab007", "ligelizumab", "medi4212", "anti_ige_scfv", "xmab7195",
    "quilizumab", "bispecific_ige_cd3", "anti_fceri_fab_micelles", "ctla4_fce",
    "ige_immunoadsorption", "dupilumab", "strategy_b_bivalent_anti_ige",
}


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(default_catalogue_path().read_text())


def test_shipped_catalogue_has_every_therapy_with_every_parameter_sourced():
    cat = load_catalogue()
    assert set(cat.therapies) == THERAPIES
    assert set(cat.patient.parameters) == set(PATIENT_PARAMETERS)
    for therapy in cat.therapies.values():
        assert set(therapy.parameters) == set(THERAPY_PARAMETERS)
        for entry in therapy.parameters.values():
            assert entry.source.strip() and entry.evidence in EVIDENCE_LEVELS
        if any(e.evidence == "illustrative" for e in therapy.parameters.values()):
            assert all(e.note for e in therapy.parameters.values() if e.evidence == "illustrative")


def test_omalizumab_pk_comes_from_the_published_population_model():
    om = load_catalogue().therapies["omalizumab"]
    for name in ("ka", "cl_l_day", "v_l", "kd_nm", "complex_cl_l_day", "cl_wt_exp", "v_wt_exp"):
        assert om.parameters[name].evidence == "population-pk"
    # Lowe 2009: V/F 9.33 L and F 0.62 -> V = 5.78 L; Kd0*V/Vc = 1.81*9.33/6.31
    assert om.parameters["v_l"].value == pytest.approx(9.33 * 0.62, rel=1e-3)
    assert om.parameters["kd_nm"].value == pytest.approx(1.81 * 9.33 / 6.31, rel=1e-3)
    assert "cl_l_day" in om.variability and om.conversions


def _fails(raw, mutate, path_fragment):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(InputError) as info:
        parse_catalogue(data, default_catalogue_path())
    paths = [p for p, _ in info.value.problems]
    assert any(path_fragment in p for p in paths), paths


def test_missing_parameter_is_rejected(raw):
    _fails(raw, lambda d: d["therapies"]["omalizumab"]["parameters"].pop("ka"),
           "therapies.omalizumab.parameters.ka")


def test_wrong_unit_is_rejected(raw):
    def mutate(d):
        d["therapies"]["ligelizumab"]["parameters"]["v_l"]["unit"] = "mL"
    _fails(raw, mutate, "therapies.ligelizumab.parameters.v_l.unit")


def test_unknown_evidence_level_is_rejected(raw):
    def mutate(d):
        d["patient"]["parameters"]["weight_kg"]["evidence"] = "hearsay"
    _fails(raw, mutate, "patient.parameters.weight_kg.evidence")


def test_inadmissible_value_is_rejected(raw):
    def mutate(d):
        d["therapies"]["medi4212"]["parameters"]["kd_nm"]["value"] = 0
    _fails(raw, mutate, "therapies.medi4212.parameters.kd_nm")


def test_missing_source_is_rejected(raw):
    def mutate(d):
        del d["therapies"]["dupilumab"]["parameters"]["ka"]["source"]
    _fails(raw, mutate, "therapies.dupilumab.parameters.ka.source")
