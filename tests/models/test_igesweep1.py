"""igesweep-1 compiled from its declaration: derived quantities (§4) and exact steady state."""

import math

import numpy as np
import pytest

from igesweep.solver.kernels import load_kernels
from igesweep.units import IU_ML_TO_NM
from tests.values import ALL_MECHANISMS, BASE_VALUES, vector

K = load_kernels("igesweep-1")


def test_derived_quantities_follow_section_4():
    v = dict(ALL_MECHANISMS)
    r = K.derive(vector(v))
    w = v["weight_kg"] / 70
    vol = v["v_l"] * w ** v["v_wt_exp"]
    assert r[K.K_v] == pytest.approx(vol, rel=1e-14)
    assert r[K.K_kel] == pytest.approx(v["cl_l_day"] * w ** v["cl_wt_exp"] / vol, rel=1e-14)
    assert r[K.K_k21] == pytest.approx(
        v["q_l_day"] * w ** v["cl_wt_exp"] / (v["vp_l"] * w ** v["v_wt_exp"]), rel=1e-14)
    assert r[K.K_koff] == pytest.approx(v["kon"] * v["kd_nm"], rel=1e-15)
    e0 = v["ige_baseline_iu_ml"] * IU_ML_TO_NM
    assert r[K.K_ksyne] == pytest.approx(math.log(2) / v["ige_half_life_d"] * e0, rel=1e-14)
    # RE0/R0 = kon_R E0/(koffR + kint_bound) and R0 + RE0 = baseline
    ratio = v["fceri_kon"] * e0 / (v["fceri_kon"] * v["fceri_kd_nm"] + v["fceri_kint_bound"])
    assert r[K.K_re0] / r[K.K_r0] == pytest.approx(ratio, rel=1e-13)
    assert r[K.K_r0] + r[K.K_re0] == pytest.approx(v["fceri_baseline_per_cell"], rel=1e-15)


def test_no_peripheral_volume_means_no_exchange():
    r = K.derive(vector(BASE_VALUES))
    assert r[K.K_k21] == 0.0 and r[K.K_k12] == 0.0


@pytest.mark.parametrize("binding", ["full", "qe"])
@pytest.mark.parametrize("values", [BASE_VALUES, ALL_MECHANISMS])
def test_untreated_steady_state_is_exact(binding, values):
    k = load_kernels("igesweep-1", binding)
    r = k.derive(vector(values))
    y = np.empty(k.N_STATES)
    k.initial_state(r, y)
    dy = np.empty(k.N_STATES)
    k.rhs(y, r, dy)
    scale = np.where(y != 0, np.abs(y), 1.0)
    assert np.max(np.abs(dy) / scale) < 1e-12


def test_states_and_outputs_are_those_of_the_specification():
    assert K.N_STATES == 10 and K.N_OUTPUTS == 10
    order = [K.I_A, K.I_D, K.I_Dp, K.I_E, K.I_C, K.I_R, K.I_RE, K.I_RD, K.I_B, K.I_M]
    assert order == list(range(10))


@pytest.mark.parametrize("binding", ["full", "qe"])
def test_elimination_of_the_stage_matrix_creates_no_fill_in(binding):
    from igesweep.models import get_model
    from igesweep.models.codegen import Generator

    assert Generator(get_model("igesweep-1"), binding).plan.fill == ()
