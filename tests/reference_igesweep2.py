"""Independent reference of igesweep-2 (docs/model.md §M2), written from the specification.

Plain NumPy right-hand sides in named variables, the three binding options
written out by hand (no SymPy, no generated code), integrated by SciPy's
Radau at rtol 1e-10 and restarted at every event. Used only by the tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.integrate import solve_ivp

NG_PER_IU = 2.42
MW_IGE = 190.0
STATES = ("A", "D", "Dp", "E", "C", "R", "RE", "RD", "B", "M")


class Lane:
    """Lane constants of §M2 from a full parameter mapping."""

    def __init__(self, v: Mapping[str, float], binding: str) -> None:
        self.v = v
        self.binding = binding
        w = v["weight_kg"] / 70.0
        g = NG_PER_IU * v["ige_baseline_iu_ml"] / 365.0
        self.V = v["v_l"] * w ** v["v_wt_exp"]
        vp = v["vp_l"] * w ** v["v_wt_exp"]
        cl_scale = w ** v["cl_wt_exp"]
        self.kel = v["cl_l_day"] * cl_scale / self.V
        self.k12 = v["q_l_day"] * cl_scale / self.V
        self.k21 = v["q_l_day"] * cl_scale / vp if vp > 0 else 0.0
        self.VC = v["complex_v_l"] * w ** v["complex_v_wt_exp"]
        self.kelc = v["complex_cl_l_day"] * w ** v["complex_cl_wt_exp"] / self.VC
        self.K0 = v["kd_nm"] * g ** v["kd_ige_exp"] * self.V / self.VC
        self.alpha = v["kd_ratio_exp"]
        self.E0 = NG_PER_IU * v["ige_baseline_iu_ml"] / MW_IGE
        production_nmol_day = (v["ige_production_ug_day"] * w ** v["ige_production_wt_exp"]
                               * g ** v["ige_production_ige_exp"] / MW_IGE)
        ige_volume_l = v["ige_volume_l"] * w ** v["ige_volume_wt_exp"]
        self.ksyne = production_nmol_day / ige_volume_l
        self.ke = self.ksyne / self.E0
        self.koffr = v["fceri_kon"] * v["fceri_kd_nm"]
        self.koffrd = v["fceri_drug_kon"] * v["fceri_drug_kd_nm"]
        ratio = v["fceri_kon"] * self.E0 / (self.koffr + v["fceri_kint_bound"])
        self.R0 = v["fceri_baseline_per_cell"] / (1.0 + ratio)
        self.RE0 = v["fceri_baseline_per_cell"] - self.R0
        self.ksynr = v["fceri_kint_free"] * self.R0 + v["fceri_kint_bound"] * self.RE0

    def constant(self, drug_total: float, ige_total: float) -> float:
        """K(t) of §M2.2 (plus kelC/kon under qss)."""
        ratio = (drug_total / ige_total) ** self.alpha if drug_total > 0 else float(
            self.alpha == 0)
        k = self.K0 * ratio
        if self.binding == "qss":
            k += self.kelc / self.v["kon"]
        return k

    def species(self, y: np.ndarray) -> tuple[float, float, float]:
        """Free drug, free IgE and complex (per litre of V) from the state."""
        if self.binding == "full":
            return y[1], y[3], y[4]
        dt, et = max(y[1], 0.0), y[3]
        if self.v["kon"] == 0 or dt == 0:
            return dt, et, 0.0
        k = self.constant(dt, et)
        s = dt + et + k
        c = (s - math.sqrt(s * s - 4.0 * dt * et)) / 2.0  # tight tolerance: direct root is fine
        return dt - c, et - c, c

    def rhs(self, _t: float, y: np.ndarray) -> np.ndarray:
        v = self.v
        a, dp, r, re, rd, b, m = y[0], y[2], y[5], y[6], y[7], y[8], y[9]
        d, e, c = self.species(y)
        kill_b = v["bcell_kill_max"] * d / (v["bcell_kill_ec50_nm"] + d) if v[
            "bcell_kill_max"] > 0 else 0.0
        kill_m = v["effector_kill_max"] * d / (v["effector_kill_ec50_nm"] + d) if v[
            "effector_kill_max"] > 0 else 0.0
        prod = self.ksyne * (v["ige_llpc_fraction"] + (1 - v["ige_llpc_fraction"]) * b)
        absorbed = v["bioavailability"] * v["ka"] * a / self.V
        dd = absorbed - self.kel * d - self.k12 * (d - dp)
        de = prod - self.ke * e
        dy = np.zeros(10)
        if self.binding == "full":
            bind = v["kon"] * d * e - v["kon"] * self.constant(d + c, e + c) * c
            dy[1], dy[3], dy[4] = dd - bind, de - bind, bind - self.kelc * c
        else:  # totals: the binding flux cancels, the complex is eliminated from both
            dy[1], dy[3] = dd - self.kelc * c, de - self.kelc * c
        dy[0] = -v["ka"] * a
        dy[2] = self.k21 * (d - dp)
        fe, fd = v["fceri_kon"] * e * r, v["fceri_drug_kon"] * d * r
        dy[5] = (self.ksynr - v["fceri_kint_free"] * r - fe + self.koffr * re - fd
                 + self.koffrd * rd)
        dy[6] = fe - (self.koffr + v["fceri_kint_bound"]) * re
        dy[7] = fd - (self.koffrd + v["fceri_kint_bound"]) * rd
        dy[8] = v["bcell_turnover"] * (1 - b) - kill_b * b
        dy[9] = v["effector_turnover"] * (1 - m) - kill_m * m
        return dy

    def jacobian(self, t: float, y: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Central differences of :meth:`rhs` (Radau needs the Jacobian only for its
        Newton iterations, not for its accuracy; SciPy's own differences overflow here)."""
        jac = np.empty((10, 10))
        for j in range(10):
            h = 1e-7 * max(abs(y[j]), scale[j])
            up, down = y.copy(), y.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (self.rhs(t, up) - self.rhs(t, down)) / (2 * h)
        return jac

    def outputs(self, y: np.ndarray) -> dict[str, float]:
        d, e, c = self.species(y)
        serum_c = c * self.V / self.VC
        total_r = y[5] + y[6] + y[7]
        return {"free_ige": MW_IGE * e, "total_ige": (e + serum_c) * MW_IGE / NG_PER_IU,
                "free_drug": d * self.v["mw_kda"] / 1000, "complex": serum_c,
                "total_drug": (d + serum_c) * self.v["mw_kda"] / 1000,
                "fceri_total": total_r, "fceri_occupancy": y[6] / total_r}


def solve(values: Mapping[str, float], binding: str, doses: Sequence[tuple[float, float]],
          days: np.ndarray) -> dict[str, np.ndarray]:
    """Outputs at ``days`` for SC ``doses`` (day, mg), Radau rtol 1e-10, restarted at doses."""
    lane = Lane(values, binding)
    y = np.array([0.0, 0.0, 0.0, lane.E0, 0.0, lane.R0, lane.RE0, 0.0, 1.0, 1.0])
    scale = np.array([1.0, 1.0 / lane.V, 1.0 / lane.V, lane.E0, lane.E0, 1e5, 1e5, 1e5, 1.0,
                      1.0]) * np.array([max(mg for _, mg in doses) * 1000 / values["mw_kda"]
                                        if doses else 1.0] * 3 + [1.0] * 7)
    by_day: dict[float, float] = {}
    for day, mg in doses:
        by_day[day] = by_day.get(day, 0.0) + mg
    stops = sorted({*by_day, days[-1]} - {0.0})
    out: dict[str, list[float]] = {}
    t = 0.0
    for stop in stops:
        y[0] += by_day.get(t, 0.0) * 1000.0 / values["mw_kda"]
        inside = days[(days >= t) & (days < stop)] if stop != days[-1] else days[days >= t]
        if stop > t:
            t_eval = np.append(inside, stop) if inside.size == 0 or inside[-1] < stop else inside
            sol = solve_ivp(lane.rhs, (t, stop), y, method="Radau", rtol=1e-10,
                            atol=1e-14 * scale, t_eval=t_eval,
                            jac=lambda tt, yy: lane.jacobian(tt, yy, scale))
            assert sol.success, sol.message
            for k in range(inside.size):
                for name, value in lane.outputs(sol.y[:, k]).items():
                    out.setdefault(name, []).append(value)
            y = sol.y[:, -1].copy()  # the state at ``stop`` (the last t_eval point)
        t = stop
    return {k: np.array(v) for k, v in out.items()}
