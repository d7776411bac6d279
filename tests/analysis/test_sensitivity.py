"""Sensitivity analysis: Sobol' indices against the Ishigami function's analytic values,
Morris effects of linear functions, catalogue ranges, and elasticities of power laws."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import yaml
from SALib.analyze import sobol as salib_sobol
from SALib.test_functions import Ishigami

from igesweep.analysis.sensitivity import (
    Factor,
    analyze_morris,
    analyze_sobol,
    design_columns,
    elasticities,
    elasticity_design,
    factors_from_catalogue,
    morris_design,
    salib_problem,
    sobol_convergence,
    sobol_design,
    to_parameter_values,
)
from igesweep.catalogue import default_catalogue_path, load_catalogue, parse_catalogue

# Three model parameter names stand in for Ishigami's x1, x2, x3 (each uniform on [-π, π]).
ISHIGAMI = [Factor(name, -math.pi, math.pi, "linear", "Ishigami test function")
            for name in ("ka", "kd_nm", "kon")]


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Analytic first-order and total indices (Saltelli et al. 2008, Primer, §4.8)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_analytic_ishigami_values_are_the_published_ones():
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)


@pytest.fixture(scope="module")
def ishigami_run():
    X = sobol_design(ISHIGAMI, 1024, seed=1)
    return X, Ishigami.evaluate(X)


def test_sobol_indices_of_ishigami_match_the_analytic_values(ishigami_run):
    _, Y = ishigami_run
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyze_sobol(ISHIGAMI, Y, seed=2)
    s1, st = ishigami_indices()
    assert result["names"] == ["ka", "kd_nm", "kon"]
    assert (result["n"], result["n_dropped"], result["constant"]) == (1024, 0, False)
    for key, exact in (("S1", s1), ("ST", st)):
        error = np.abs(result[key] - exact)
        assert (error < 0.05).all(), (key, result[key])
        assert (error < result[f"{key}_conf"]).all(), (key, result[key], result[f"{key}_conf"])
        assert (result[f"{key}_conf"] < 0.1).all()


def test_design_has_the_saltelli_block_layout(ishigami_run):
    X, _ = ishigami_run
    d = len(ISHIGAMI)
    assert X.shape == (1024 * (d + 2), d)
    assert X.min() >= -math.pi and X.max() <= math.pi
    blocks = X.reshape(1024, d + 2, d)
    a, b = blocks[:, 0], blocks[:, d + 1]
    for j in range(d):
        ab = blocks[:, 1 + j]
        np.testing.assert_array_equal(ab[:, j], b[:, j])
        others = [k for k in range(d) if k != j]
        np.testing.assert_array_equal(ab[:, others], a[:, others])


@pytest.mark.parametrize("n", [2, 128, 512])
def test_a_prefix_of_the_design_is_the_design_of_fewer_base_samples(ishigami_run, n):
    X, _ = ishigami_run
    np.testing.assert_array_equal(X[: n * (len(ISHIGAMI) + 2)],
                                  sobol_design(ISHIGAMI, n, seed=1))


def test_convergence_table_narrows_and_ends_at_the_full_analysis(ishigami_run):
    _, Y = ishigami_run
    table = sobol_convergence(ISHIGAMI, Y, seed=2)
    assert list(table.columns) == ["n", "factor", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["n"].tolist() == [n for n in (128, 256, 512, 1024) for _ in range(3)]
    full = analyze_sobol(ISHIGAMI, Y, seed=2)
    last = table[table["n"] == 1024]
    assert last["factor"].tolist() == full["names"]
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(last[key].to_numpy(), full[key])
    s1, st = ishigami_indices()
    errors = []
    for _, rows in table.groupby("n"):
        errors.append(max(np.abs(rows["S1"] - s1).max(), np.abs(rows["ST"] - st).max()))
    assert errors[-1] < errors[0]
    for factor, rows in table.groupby("factor"):
        for key in ("S1_conf", "ST_conf"):
            assert np.all(np.diff(rows[key].to_numpy()) < 0), (factor, key)


def test_convergence_prefix_matches_salib_on_the_same_rows(ishigami_run):
    _, Y = ishigami_run
    table = sobol_convergence(ISHIGAMI, Y, seed=2, fractions=(0.25,))
    direct = salib_sobol.analyze(salib_problem(ISHIGAMI), Y[: 256 * 5],
                                 calc_second_order=False, num_resamples=200, seed=2)
    np.testing.assert_array_equal(table["S1"].to_numpy(), direct["S1"])
    np.testing.assert_array_equal(table["ST_conf"].to_numpy(), direct["ST_conf"])


def test_convergence_refuses_fractions_that_are_not_whole_base_samples(ishigami_run):
    _, Y = ishigami_run
    with pytest.raises(ValueError, match="whole number"):
        sobol_convergence(ISHIGAMI, Y, seed=2, fractions=(0.3,))
    with pytest.raises(ValueError, match="whole number"):
        sobol_convergence(ISHIGAMI, Y, seed=2, fractions=(1.5,))


def test_a_non_finite_output_drops_its_whole_base_sample_block(ishigami_run):
    _, Y = ishigami_run
    d = len(ISHIGAMI)
    bad = Y.copy()
    bad[3 * (d + 2) + 2] = np.nan        # an AB row of base sample 3
    bad[10 * (d + 2)] = np.inf           # the A row of base sample 10
    bad[500 * (d + 2) + d + 1] = np.nan  # the B row of base sample 500
    result = analyze_sobol(ISHIGAMI, bad, seed=2)
    assert (result["n"], result["n_dropped"]) == (1021, 3)
    kept = np.delete(Y.reshape(1024, d + 2), [3, 10, 500], axis=0).ravel()
    direct = salib_sobol.analyze(salib_problem(ISHIGAMI), kept, calc_second_order=False,
                                 num_resamples=200, seed=2)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(result[key], direct[key])
        assert np.isfinite(result[key]).all()


@pytest.mark.parametrize("value", [4.2, 0.0])
def test_constant_output_gives_zero_indices_and_a_flag_without_warnings(value):
    Y = np.full(64 * 5, value)
    Y[7] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyze_sobol(ISHIGAMI, Y, seed=1)
    assert result["constant"] is True
    assert (result["n"], result["n_dropped"]) == (63, 1)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(result[key], np.zeros(3))


def test_mostly_constant_output_is_analysed_without_warnings():
    """A metric such as fraction_below_target is often 1 but not always."""
    X = sobol_design(ISHIGAMI, 64, seed=3)
    Y = np.where(X[:, 0] > 2.5, 0.9, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyze_sobol(ISHIGAMI, Y, seed=1)
    assert result["constant"] is False
    assert np.isfinite(result["S1"]).all() and np.isfinite(result["ST_conf"]).all()
    assert result["ST"][0] > 0.5 and result["ST"][1] == result["ST"][2] == 0.0


def test_sobol_input_errors():
    with pytest.raises(ValueError, match="power of two"):
        sobol_design(ISHIGAMI, 1000, seed=1)
    with pytest.raises(ValueError, match="multiple of 5"):
        analyze_sobol(ISHIGAMI, np.zeros(12), seed=1)
    with pytest.raises(ValueError, match="at least 2"):
        analyze_sobol(ISHIGAMI, np.r_[np.zeros(5), np.full(5, np.nan)], seed=1)
    with pytest.raises(ValueError, match="repeat"):
        salib_problem([ISHIGAMI[0], ISHIGAMI[0]])


# ---------------------------------------------------------------------------- Morris

LINEAR = [Factor("weight_kg", 40.0, 150.0, "linear", "test"),
          Factor("ka", 0.1, 1.0, "linear", "test"),
          Factor("kd_nm", 2.0, 7.0, "linear", "test")]


def test_morris_mu_star_of_a_linear_function_is_coefficient_times_range():
    X = morris_design(LINEAR, r=20, levels=4, seed=5)
    assert X.shape == (20 * 4, 3)
    Y = 3.0 * X[:, 0] + 0.0 * X[:, 1] + X[:, 2]
    result = analyze_morris(LINEAR, X, Y, levels=4, seed=1)
    np.testing.assert_allclose(result["mu_star"], [3.0 * 110.0, 0.0, 5.0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result["mu"], [330.0, 0.0, 5.0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result["sigma"], 0.0, atol=1e-9)
    np.testing.assert_allclose(result["mu_star_conf"], 0.0, atol=1e-9)
    assert (result["n"], result["n_dropped"]) == (20, 0)


def test_morris_steps_a_log_factor_in_log_space():
    factors = [Factor("ige_baseline_iu_ml", 30.0, 700.0, "log", "test"), LINEAR[1]]
    X = morris_design(factors, r=10, levels=6, seed=2)
    assert X[:, 0].min() >= 30.0 and X[:, 0].max() <= 700.0
    Y = -2.0 * np.log(X[:, 0]) + 4.0 * X[:, 1]
    result = analyze_morris(factors, X, Y, levels=6, seed=1)
    np.testing.assert_allclose(result["mu_star"], [2.0 * math.log(700 / 30), 4.0 * 0.9],
                               rtol=1e-9)
    np.testing.assert_allclose(result["mu"], [-2.0 * math.log(700 / 30), 3.6], rtol=1e-9)


def test_morris_drops_a_trajectory_with_a_failed_row():
    X = morris_design(LINEAR, r=6, levels=4, seed=5)
    Y = 3.0 * X[:, 0] + X[:, 2]
    Y[9] = np.nan                        # trajectory 2 (rows 8-11)
    result = analyze_morris(LINEAR, X, Y, levels=4, seed=1)
    assert (result["n"], result["n_dropped"]) == (5, 1)
    np.testing.assert_allclose(result["mu_star"], [330.0, 0.0, 5.0], atol=1e-9)


def test_morris_input_errors():
    with pytest.raises(ValueError, match="even"):
        morris_design(LINEAR, r=4, levels=5, seed=1)
    X = morris_design(LINEAR, r=4, levels=4, seed=1)
    with pytest.raises(ValueError, match="rows"):
        analyze_morris(LINEAR, X, np.zeros(12), levels=4, seed=1)


# ---------------------------------------------------------------------------- factors


def test_catalogue_range_of_omalizumab_clearance_reproduces_lowe_omega():
    raw = yaml.safe_load(default_catalogue_path().read_text())["therapies"]["omalizumab"]
    w2 = raw["variability"]["cl_l_day"]["omega2"]
    typical = raw["parameters"]["cl_l_day"]["value"]
    assert (w2, typical) == (0.162, 0.12896)
    factors = {f.name: f for f in factors_from_catalogue(load_catalogue(), "omalizumab")}
    cl = factors["cl_l_day"]
    # by hand: sqrt(0.162) = 0.4024922, exp(2 x 0.4024922) = e^0.8 x e^0.0049845
    # = 2.225541 x 1.004997 = 2.236662; 0.12896 / 2.236662 and 0.12896 x 2.236662
    assert cl.low == pytest.approx(0.0576574, rel=1e-5)    # L/day
    assert cl.high == pytest.approx(0.288440, rel=1e-5)    # L/day
    assert math.log(cl.high / cl.low) / 4 == pytest.approx(math.sqrt(w2), rel=1e-12)
    assert math.sqrt(cl.low * cl.high) == pytest.approx(typical, rel=1e-12)
    assert cl.scale == "log" and "Lowe 2009" in cl.source and cl.unit == "L/day"


def test_catalogue_factors_are_the_parameters_with_published_variability():
    raw = yaml.safe_load(default_catalogue_path().read_text())
    published = set(raw["patient"]["variability"]) | set(
        raw["therapies"]["omalizumab"]["variability"])
    assert published == {"ka", "cl_l_day", "v_l", "complex_cl_l_day", "kd_nm",
                         "ige_half_life_d"}
    factors = factors_from_catalogue(load_catalogue(), "omalizumab", width_sd=1.0,
                                     model="igesweep-1")
    assert {f.name for f in factors} == published
    ka = next(f for f in factors if f.name == "ka")
    assert ka.high / ka.low == pytest.approx(math.exp(2 * math.sqrt(2.01)))
    hl = next(f for f in factors if f.name == "ige_half_life_d")   # patient typical value
    assert math.sqrt(hl.low * hl.high) == pytest.approx(1.68)


def test_igesweep_2_factors_are_its_own_published_variability():
    """The default model's factors: Lowe 2009's omega (Hayashi's ka CV), IgE production, and
    the scatter of basophil receptors (§M2.8)."""
    raw = yaml.safe_load(default_catalogue_path().read_text())
    own = set(raw["models"]["igesweep-2"]["therapies"]["omalizumab"]["variability"])
    own |= set(raw["models"]["igesweep-2"]["patient_variability"])
    assert "ige_production_ug_day" in own and "ige_half_life_d" not in own
    assert "basophil_fceri_per_cell" in own
    factors = {f.name: f for f in factors_from_catalogue(load_catalogue(), "omalizumab",
                                                          width_sd=1.0)}
    assert set(factors) == own     # the patient block's half-life is not a parameter here
    assert all(f.model == "igesweep-2" for f in factors.values())
    ka = factors["ka"]
    assert ka.high / ka.low == pytest.approx(math.exp(2 * math.sqrt(math.log(1 + 0.399**2))))
    production = factors["ige_production_ug_day"]
    assert math.sqrt(production.low * production.high) == pytest.approx(1220.0)
    assert production.high / production.low == pytest.approx(math.exp(2 * math.sqrt(0.0701)))


def test_extra_ranges_pick_their_scale_and_replace_catalogue_ranges():
    factors = factors_from_catalogue(load_catalogue(), "omalizumab", extra={
        "weight_kg": (40, 150), "ige_baseline_iu_ml": (30, 700),
        "fceri_kint_bound": (0.0, 0.2), "cl_l_day": (0.05, 0.5)})
    by_name = {f.name: f for f in factors}
    assert by_name["weight_kg"].scale == "linear"          # 150/40 < 10
    assert by_name["ige_baseline_iu_ml"].scale == "log"    # 700/30 >= 10
    assert by_name["fceri_kint_bound"].scale == "linear"   # low = 0
    assert by_name["cl_l_day"].scale == "log"              # ratio exactly 10
    assert (by_name["cl_l_day"].low, by_name["cl_l_day"].high) == (0.05, 0.5)
    assert [f.name for f in factors][-3:] == ["weight_kg", "ige_baseline_iu_ml",
                                              "fceri_kint_bound"]


def test_an_extra_range_must_hold_the_models_own_value():
    # igesweep-1's receptor-loss range around 0.42/day says nothing of igesweep-2's 21.7/day.
    with pytest.raises(ValueError, match=r"fceri_kint_free: the range \[0.2, 0.8\] does not hold"):
        factors_from_catalogue(load_catalogue(), "omalizumab", model="igesweep-2",
                               extra={"fceri_kint_free": (0.2, 0.8)})


@pytest.mark.parametrize("study", ["sobol", "morris"])
def test_the_shipped_sensitivity_ranges_hold_their_models_values(study):
    cfg = yaml.safe_load((default_catalogue_path().parent / "config.yaml").read_text())
    section = cfg["studies"][study]
    factors = factors_from_catalogue(
        load_catalogue(), section["therapy"], width_sd=section["width_sd"],
        extra={k: tuple(v) for k, v in section["extra_factors"].items()},
        model=section.get("model", "igesweep-2"))
    assert set(section["extra_factors"]) <= {f.name for f in factors}


def test_cv_entries_and_fraction_caps():
    path = default_catalogue_path()
    raw = yaml.safe_load(path.read_text())
    block = raw["therapies"]["omalizumab"]
    block["variability"] = {
        "kd_nm": {"cv": 0.3, "source": "test", "evidence": "illustrative"},
        "bioavailability": {"cv": 0.5, "source": "test", "evidence": "illustrative"}}
    block["correlations"] = []
    catalogue = parse_catalogue(raw, path)
    by_name = {f.name: f for f in factors_from_catalogue(catalogue, "omalizumab",
                                                         model="igesweep-1")}
    kd = by_name["kd_nm"]
    assert math.log(kd.high / kd.low) / 4 == pytest.approx(math.sqrt(math.log(1.09)))
    f = by_name["bioavailability"]
    assert f.high == 1.0 and "capped" in f.source
    assert f.low == pytest.approx(0.62 * math.exp(-2 * math.sqrt(math.log(1.25))))


def test_a_therapy_without_variability_has_only_user_factors():
    catalogue = load_catalogue()
    quiet = next(k for k, t in catalogue.therapies.items()
                 if not t.variability and not catalogue.patient.variability)
    assert factors_from_catalogue(catalogue, quiet, model="igesweep-1") == []
    assert [f.name for f in factors_from_catalogue(catalogue, quiet, model="igesweep-1",
                                                   extra={"weight_kg": (40, 150)})] == [
        "weight_kg"]
    # in igesweep-2 every therapy's population carries the patient's own variability
    assert [f.name for f in factors_from_catalogue(catalogue, quiet, model="igesweep-2")] == [
        "basophil_fceri_per_cell"]


@pytest.mark.parametrize(("args", "match"), [
    (("not_a_parameter", 1.0, 2.0, "log"), "unknown parameter"),
    (("ka", 0.0, 2.0, "log"), "low > 0"),
    (("ka", 2.0, 1.0, "linear"), "low < high"),
    (("ka", 1.0, 2.0, "logit"), "scale"),
])
def test_factor_refuses_bad_ranges(args, match):
    with pytest.raises(ValueError, match=match):
        Factor(*args, source="test")


def test_log_samples_map_back_inside_the_bounds():
    factors = [Factor("ige_baseline_iu_ml", 30.0, 700.0, "log", "test"), LINEAR[0]]
    problem = salib_problem(factors)
    assert problem["names"] == ["ige_baseline_iu_ml", "weight_kg"]
    np.testing.assert_allclose(problem["bounds"], [[math.log(30), math.log(700)], [40, 150]])
    X = np.array([[math.log(30), 40.0], [math.log(700), 150.0],
                  [0.5 * (math.log(30) + math.log(700)), 95.0]])
    values = to_parameter_values(factors, X)
    assert 30.0 <= values[0, 0] == pytest.approx(30.0, rel=1e-15)
    assert values[1, 0] == pytest.approx(700.0, rel=1e-15) and values[1, 0] <= 700.0
    assert values[2, 0] == pytest.approx(math.sqrt(30 * 700))           # geometric midpoint
    np.testing.assert_array_equal(values[:, 1], [40.0, 150.0, 95.0])
    design = sobol_design(factors, 256, seed=4)
    assert design[:, 0].min() >= 30.0 and design[:, 0].max() <= 700.0
    # log-uniform: ln p is uniform, its mean the middle of the log range
    assert np.log(design[:, 0]).mean() == pytest.approx(0.5 * math.log(30 * 700), abs=0.05)


def test_design_columns_are_a_valid_sweep_design():
    from igesweep.sweep.spec import parse_sweep

    factors = [LINEAR[0], Factor("kd_nm", 1.0, 7.0, "log", "test")]
    columns = design_columns([f.name for f in factors], sobol_design(factors, 4, seed=1))
    assert list(columns) == ["patient.weight_kg", "therapy_params.kd_nm"]
    sweep = parse_sweep({"therapy": "omalizumab", "regimen": "usual",
                         "times": {"start": 0, "stop": 28, "step": 7}, "design": columns})
    assert sweep.design is not None and sweep.design.values.shape == (16, 2)


# ---------------------------------------------------------------------------- elasticities


def test_elasticities_of_a_power_law():
    names = ["p1", "p2"]
    h = 0.01
    rows = elasticity_design({"p1": 2.0, "p2": 5.0, "unused": 1.0}, names, rel_step=h)
    np.testing.assert_allclose(rows, [[2.0, 5.0], [2.02, 5.0], [1.98, 5.0],
                                      [2.0, 5.05], [2.0, 4.95]], rtol=1e-15)
    Y = 3.0 * rows[:, 0] ** 2 * rows[:, 1] ** -0.5
    e = elasticities(names, Y, rel_step=h)
    assert e["p1"] == pytest.approx(2.0, abs=1e-4)
    assert e["p2"] == pytest.approx(-0.5, abs=1e-4)
    # central difference of p^k: k + k(k-1)(k-2)h^2/6 + k(k-1)(k-2)(k-3)(k-4)h^4/120 + ...,
    # exactly 2 for k = 2; for k = -0.5 the terms are -0.3125 h^2 and -0.24609375 h^4
    assert e["p1"] == pytest.approx(2.0, abs=1e-12)
    assert e["p2"] == pytest.approx(-0.5 - 0.3125 * h**2 - 0.24609375 * h**4, abs=1e-11)


def test_elasticity_of_an_affine_function_is_exact():
    rows = elasticity_design({"weight_kg": 70.0}, ["weight_kg"], rel_step=0.05)
    Y = 10.0 + 0.5 * rows[:, 0]                        # E = 0.5 x 70 / (10 + 35) = 7/9
    assert elasticities(["weight_kg"], Y, rel_step=0.05)["weight_kg"] == pytest.approx(7 / 9,
                                                                                       rel=1e-12)


def test_elasticity_edge_cases():
    assert math.isnan(elasticities(["a"], np.array([0.0, 1.0, -1.0]))["a"])
    assert math.isnan(elasticities(["a"], np.array([1.0, np.nan, 1.0]))["a"])
    with pytest.raises(ValueError, match="leaves"):
        elasticity_design({"bioavailability": 1.0}, ["bioavailability"])
    with pytest.raises(ValueError, match="non-zero"):
        elasticity_design({"q_l_day": 0.0}, ["q_l_day"])
    with pytest.raises(ValueError, match="values"):
        elasticities(["a", "b"], np.ones(3))
