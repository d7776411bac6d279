"""Unit conversions of model.md §2, against values computed by hand."""

import pytest

from igesweep import units


def test_iu_ml_to_nm_is_exactly_2_4_over_190():
    assert units.IU_ML_TO_NM == 2.4 / 190
    # 300 IU/mL = 720 ng/mL = 720/190 nM = 3.789473684... nM
    assert units.ige_iu_ml_to_nm(300.0) == pytest.approx(3.7894736842105265, rel=1e-15)
    assert units.ige_nm_to_iu_ml(3.7894736842105265) == pytest.approx(300.0, rel=1e-15)


def test_ige_ng_ml_round_trip():
    # 1 nM IgE = 190 ng/mL; 50 ng/mL = 0.26315789... nM = 20.8333 IU/mL
    assert units.ige_nm_to_ng_ml(1.0) == 190.0
    assert units.ige_ng_ml_to_nm(50.0) == pytest.approx(0.2631578947368421, rel=1e-15)
    iu_ml = units.ige_nm_to_iu_ml(units.ige_ng_ml_to_nm(50.0))
    assert iu_ml == pytest.approx(20.833333333333, rel=1e-12)


def test_drug_mg_to_nmol_and_concentration():
    # 150 mg of a 149 kDa antibody = 150e3/149 nmol = 1006.711409... nmol
    assert units.drug_mg_to_nmol(150.0, 149.0) == pytest.approx(1006.7114093959732, rel=1e-15)
    # 100 nM of a 150 kDa antibody = 15 µg/mL
    assert units.drug_nm_to_ug_ml(100.0, 150.0) == pytest.approx(15.0, rel=1e-15)
