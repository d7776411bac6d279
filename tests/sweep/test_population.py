"""Virtual populations: reproducible whatever the chunking, with the published covariance."""

import math

import numpy as np
import pytest

from igesweep import load_catalogue
from igesweep.parameters import N_PARAMETERS, parameter_table
from igesweep.sweep.population import (
    BLOCK,
    apply_population,
    covariate_values,
    subject_numbers,
    therapy_variability,
    therapy_variability_entries,
)
from igesweep.sweep.spec import Covariate, Population


def test_subject_numbers_do_not_depend_on_how_subjects_are_split():
    whole = subject_numbers(7, 0, 3 * BLOCK + 5, 2)
    parts = [subject_numbers(7, a, b, 2) for a, b in
             [(0, 10), (10, BLOCK + 3), (BLOCK + 3, 3 * BLOCK + 5)]]
    for i in range(3):
        np.testing.assert_array_equal(whole[i], np.concatenate([p[i] for p in parts]))
    assert whole[0].shape == (3 * BLOCK + 5, N_PARAMETERS)
    other = subject_numbers(8, 0, 10, 2)
    assert not np.array_equal(other[0], whole[0][:10])


@pytest.mark.parametrize("model", ["igesweep-1", "igesweep-2"])
def test_omalizumab_random_effects_have_the_catalogue_covariance(model):
    cat = load_catalogue()
    var = therapy_variability(cat, "omalizumab", model)
    table = parameter_table(model)
    entries = therapy_variability_entries(cat, "omalizumab", model)
    n = 200_000
    params = np.ones((n, len(table.names)))
    pop = Population(n=n, seed=3)
    apply_population(params, np.zeros(n, dtype=np.int64), np.arange(n), pop, [var],
                     index=table.index)
    eta = np.log(params[:, var.columns])
    cov = np.cov(eta, rowvar=False)
    for k, col in enumerate(var.columns):
        name = table.names[col]
        e = entries[name]
        expected = e.omega2 if e.omega2 is not None else math.log1p(e.cv**2)
        assert abs(cov[k, k] / expected - 1) < 0.03, name
    np.testing.assert_allclose(cov, var.cholesky @ var.cholesky.T, atol=0.01)


def test_covariate_distributions_and_bounds():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(100_000)
    u = rng.random(100_000)
    w = covariate_values(Covariate(lognormal={"median": 70, "cv": 0.2}), z, u)
    assert abs(np.median(w) / 70 - 1) < 0.01
    assert abs(np.std(np.log(w)) / math.sqrt(math.log1p(0.04)) - 1) < 0.02
    ige = covariate_values(Covariate(loguniform=[30, 700], bounds=[50, 600]), z, u)
    assert ige.min() == 50 and ige.max() == 600
    flat = covariate_values(Covariate(uniform=[20, 150]), z, u)
    assert 20 <= flat.min() and flat.max() <= 150 and abs(flat.mean() - 85) < 0.5
