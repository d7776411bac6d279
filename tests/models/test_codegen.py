"""Code generated from model declarations: Jacobian, sparsity, stage solve, lane vs group functions.

Every test runs on every registered model under each binding option it
offers (each option is a kernel module of its own), on states spread over
five decades around the untreated steady state.
"""

import numpy as np
import pytest

from igesweep import load_catalogue, parse_scenario
from igesweep.models import get_model, model_names
from igesweep.resolve import resolve
from igesweep.solver.kernels import load_kernels
from tests.values import ALL_MECHANISMS, BASE_VALUES, vector


def catalogue_rows(model, therapy="omalizumab"):
    """``therapy`` in ``model`` for a light, low-IgE and a heavy, high-IgE patient."""
    rows = []
    for weight, ige in ((40.0, 50.0), (150.0, 700.0)):
        scenario = parse_scenario({
            "model": model, "therapy": therapy, "regimen": {"doses": []},
            "patient": {"weight_kg": weight, "ige_baseline_iu_ml": ige},
            "times": [0.0, 1.0]})
        rows.append(resolve(scenario, load_catalogue()).parameter_vector())
    return rows


#: Parameter rows to test each model on.
PARAMETER_ROWS = {"igesweep-1": [vector(BASE_VALUES), vector(ALL_MECHANISMS)],
                  "igesweep-2": catalogue_rows("igesweep-2") + catalogue_rows("igesweep-2",
                                                                              "xmab7195"),
                  "lowe2009": catalogue_rows("lowe2009"),
                  "hayashi2007": catalogue_rows("hayashi2007")}
CASES = [(name, binding, row) for name in model_names() for binding in get_model(name).bindings
         for row in range(len(PARAMETER_ROWS[name]))]
IDS = [f"{n}-{b}-{r}" for n, b, r in CASES]
PAIRS = sorted({(n, b) for n, b, _ in CASES})
PAIR_IDS = [f"{n}-{b}" for n, b in PAIRS]


def lane(name, binding, row):
    k = load_kernels(name, binding)
    return k, k.derive(PARAMETER_ROWS[name][row])


def random_states(k, r, rng, n, decades=(-3.0, 2.0)):
    """States spread over ``decades`` around the steady state and the absolute-tolerance scales."""
    y0 = np.empty(k.N_STATES)
    k.initial_state(r, y0)
    scale = np.empty(k.N_STATES)
    k.absolute_tolerance(r, 100.0, 1.0, scale)
    base = np.where(y0 > 0, y0, scale)
    unused = np.zeros(k.N_STATES, dtype=bool)
    if k.BINDING == "qe":
        unused[k.I_C] = True  # the complex slot is not a state under QE
    for _ in range(n):
        y = base * 10.0 ** rng.uniform(*decades, size=k.N_STATES)
        y[unused] = 0.0
        yield y


def dense(k, flat):
    jac = np.zeros((k.N_STATES, k.N_STATES))
    for n, (i, j) in enumerate(k.JAC_ENTRIES):
        jac[i, j] = flat[n]
    return jac


def finite_difference_jacobian(k, y, r):
    """Central differences and the step used in each column."""
    n = k.N_STATES
    jac = np.zeros((n, n))
    f1, f2 = np.empty(n), np.empty(n)
    h = 1e-6 * np.maximum(np.abs(y), 1e-3)
    for j in range(n):
        yp, ym = y.copy(), y.copy()
        yp[j] += h[j]
        ym[j] -= h[j]
        k.rhs(yp, r, f1)
        k.rhs(ym, r, f2)
        jac[:, j] = (f1 - f2) / (2 * h[j])
    return jac, h


@pytest.mark.parametrize(("name", "binding", "row"), CASES, ids=IDS)
def test_generated_jacobian_matches_finite_differences_of_generated_rhs(name, binding, row):
    k, r = lane(name, binding, row)
    flat = np.empty(k.N_JAC)
    # central differences lose digits to cancellation in rows whose terms are far apart in
    # size, so states are spread over two decades here (five in the solve tests below)
    for y in random_states(k, r, np.random.default_rng(1), 20, decades=(-1.0, 1.0)):
        k.jacobian(y, r, flat)
        jac = dense(k, flat)
        fd, h = finite_difference_jacobian(k, y, r)
        if binding == "qe":
            fd[:, k.I_C] = 0.0  # the unused slot: its column says nothing
        # rounding in a central difference: ~eps * (size of the row's terms) / h_j
        f = np.empty(k.N_STATES)
        k.rhs(y, r, f)
        terms = np.abs(jac) @ np.abs(y) + np.abs(f)
        rounding = 100 * np.finfo(float).eps * terms[:, None] / h[None, :]
        np.testing.assert_array_less(np.abs(jac - fd), 1e-6 * np.abs(fd) + rounding + 1e-300)


def random_pattern_matrix(k, rng):
    """A random matrix with the Jacobian's sparsity and non-positive diagonal."""
    flat = rng.normal(size=k.N_JAC)
    jac = dense(k, flat)
    np.fill_diagonal(jac, -np.abs(np.diag(jac)))
    return jac


def flat_of(k, jac):
    return np.array([jac[i, j] for i, j in k.JAC_ENTRIES])


@pytest.mark.parametrize(("name", "binding"), PAIRS, ids=PAIR_IDS)
def test_stage_solve_matches_a_dense_solve_on_random_matrices(name, binding):
    k = load_kernels(name, binding)
    rng = np.random.default_rng(11)
    lu = np.empty(k.N_LU)
    for _ in range(300):
        jac = random_pattern_matrix(k, rng)
        fac = 10.0 ** rng.uniform(-1.0, 2.0)
        assert k.stage_factor(flat_of(k, jac), fac, lu)
        for _ in range(3):
            b = rng.normal(size=k.N_STATES)
            x = b.copy()
            k.stage_solve(lu, x)
            expected = np.linalg.solve(fac * np.eye(k.N_STATES) - jac, b)
            np.testing.assert_allclose(x, expected, rtol=0, atol=1e-11 * np.abs(expected).max())


@pytest.mark.parametrize(("name", "binding", "row"), CASES, ids=IDS)
def test_stage_solve_is_backward_stable_on_model_jacobians(name, binding, row):
    """Componentwise backward error of order the unit round-off, over step sizes 1e-6..30 d.

    The stage matrices mix receptor numbers (1e5) with concentrations (1e-2) and
    are ill-conditioned in the 2-norm; the componentwise criterion is the one
    that says the solve is as good as the data.
    """
    k, r = lane(name, binding, row)
    rng = np.random.default_rng(3)
    flat = np.empty(k.N_JAC)
    lu = np.empty(k.N_LU)
    for y in random_states(k, r, rng, 300):
        k.jacobian(y, r, flat)
        fac = 4.0 / 10.0 ** rng.uniform(-6.0, 1.5)
        assert k.stage_factor(flat, fac, lu)
        b = rng.normal(size=k.N_STATES) * np.maximum(y, 1e-3)
        x = b.copy()
        k.stage_solve(lu, x)
        a = fac * np.eye(k.N_STATES) - dense(k, flat)
        residual = np.abs(a @ x - b)
        scale = np.abs(a) @ np.abs(x) + np.abs(b)
        assert np.all(residual <= 1e-14 * scale)


@pytest.mark.parametrize(("name", "binding"), PAIRS, ids=PAIR_IDS)
def test_singular_or_non_finite_stage_matrix_is_reported(name, binding):
    k = load_kernels(name, binding)
    rng = np.random.default_rng(5)
    lu = np.empty(k.N_LU)
    first = k.JAC_ENTRIES.index((0, 0)) if (0, 0) in k.JAC_ENTRIES else None
    jac = random_pattern_matrix(k, rng)
    flat = flat_of(k, jac)
    if first is not None:
        flat[first] = 2.0  # pivot fac - J_00 = 0
        assert not k.stage_factor(flat, 2.0, lu)
    for entry in range(k.N_JAC):
        flat = flat_of(k, random_pattern_matrix(k, rng))
        flat[entry] = np.nan
        assert not k.stage_factor(flat, 2.0, lu), k.JAC_ENTRIES[entry]


@pytest.mark.parametrize(("name", "binding", "row"), CASES, ids=IDS)
def test_group_functions_equal_the_lane_functions(name, binding, row):
    """rhs, Jacobian+factor and solve of the lockstep group, lane by lane, equal the lane ones."""
    k, r = lane(name, binding, row)
    rng = np.random.default_rng(9)
    w = 5
    ws = np.zeros(k.WORK_SIZE)
    ys = list(random_states(k, r, rng, w))
    for lane_k, y in enumerate(ys):
        for i in range(k.N_STATES):
            ws[k.O_Y + i * k.ROW + lane_k] = y[i]
        for j in range(k.N_RATES):
            ws[k.O_RATES + j * k.ROW + lane_k] = r[j]
    k.rhs_group(ws, k.O_Y, k.O_F0, w)
    fac = 3.7
    ok = np.zeros(w, dtype=np.bool_)
    k.factor_group(ws, fac, w, ok)
    bs = [rng.normal(size=k.N_STATES) for _ in range(w)]
    for lane_k, b in enumerate(bs):
        for i in range(k.N_STATES):
            ws[k.O_K1 + i * k.ROW + lane_k] = b[i]
    k.stage_solve_group(ws, ws[k.O_K1:k.O_K2], w)
    flat, lu, dy = np.empty(k.N_JAC), np.empty(k.N_LU), np.empty(k.N_STATES)
    for lane_k, y in enumerate(ys):
        k.rhs(y, r, dy)
        got = [ws[k.O_F0 + i * k.ROW + lane_k] for i in range(k.N_STATES)]
        np.testing.assert_allclose(got, dy, rtol=1e-14, atol=0)
        k.jacobian(y, r, flat)
        assert ok[lane_k] and k.stage_factor(flat, fac, lu)
        got_lu = [ws[k.O_LU + s * k.ROW + lane_k] for s in range(k.N_LU)]
        np.testing.assert_allclose(got_lu, lu, rtol=1e-13, atol=0)
        x = bs[lane_k].copy()
        k.stage_solve(lu, x)
        got_x = [ws[k.O_K1 + i * k.ROW + lane_k] for i in range(k.N_STATES)]
        np.testing.assert_allclose(got_x, x, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("name", "binding"), PAIRS, ids=PAIR_IDS)
def test_generated_source_is_cached_under_the_package_hash_and_printable(name, binding):
    from igesweep.models.codegen import generate

    k = load_kernels(name, binding)
    src = generate(get_model(name), binding)
    assert src in open(k.__file__).read()
    assert f"MODEL_DIGEST = {get_model(name).digest()!r}" in src



def _call_arguments(rest: str) -> str:
    """The argument text of a call, from the text just after its opening parenthesis."""
    depth = 1
    for end, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return rest[:end]
    raise ValueError(f"unclosed call: {rest}")


@pytest.mark.parametrize(("name", "binding"), PAIRS, ids=PAIR_IDS)
def test_powers_vectorise_in_group_code_and_use_the_c_library_per_lane(name, binding):
    """Calls that raise to a power pass ``vector=True`` in the lockstep group functions
    (whose lane loops vectorise only so) and ``False`` in every other function."""
    import re

    from igesweep.models.codegen import generate
    from igesweep.models.functions import POWER_FUNCTIONS

    calls = re.compile(rf"\b(?:{'|'.join(POWER_FUNCTIONS)})\((?=(.*))")
    function = ""
    seen = {True: 0, False: 0}
    for line in generate(get_model(name), binding).splitlines():
        if line.startswith("def "):
            function = line[4:line.index("(")]
        for match in calls.finditer(line):
            vector = function.endswith("_group")
            assert _call_arguments(match.group(1)).endswith(f", {vector}"), (function, line)
            seen[vector] += 1
    assert bool(seen[True]) == bool(seen[False])   # a power is in the rhs, both or neither
