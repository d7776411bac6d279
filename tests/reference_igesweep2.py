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
POPULATIONS = ("basophil", "mast_cell")
STATES = ("A", "D", "Dp", "E", "C", "B",
          *(f"{x}_{p}" for p in POPULATIONS for x in ("R", "RE", "RX", "RD", "M")))


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
        self.koffrd = v["fceri_drug_kon"] * v["fceri_drug_kd_nm"]
        self.koffx = v["bound_ige_kon"] * v["bound_ige_kd_nm"]
        # §M2.8: per population, baseline receptors from baseline IgE, synthesis from them
        self.cells = {}
        for pop in POPULATIONS:
            turnover = v[f"{pop}_turnover"]
            rtot0 = v[f"{pop}_fceri_per_cell"] * g ** v["fceri_ige_exp"]
            kb = v["fceri_kint_bound"] + turnover
            ratio = v["fceri_kon"] * self.E0 / (v["fceri_ige_koff"] + kb)
            r0 = rtot0 / (1.0 + ratio)
            re0 = rtot0 - r0
            ksyn = (v["fceri_kint_free"] + turnover) * r0 + kb * re0
            self.cells[pop] = {"rtot0": rtot0, "r0": r0, "re0": re0, "ksyn": ksyn,
                               "turnover": turnover}

    def initial(self) -> np.ndarray:
        """The untreated steady state."""
        cells = [x for pop in POPULATIONS for x in (self.cells[pop]["r0"], self.cells[pop][
            "re0"], 0.0, 0.0, 1.0)]
        return np.array([0.0, 0.0, 0.0, self.E0, 0.0, 1.0, *cells])

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

    def bridged(self, targets: float) -> float:
        """Share of drug held by one target that holds a second one too (§M2.9)."""
        x = (self.v["valency"] - 1.0) * self.v["surface_crosslink_k"] * targets
        return x / (1.0 + x)

    def rhs(self, _t: float, y: np.ndarray) -> np.ndarray:
        v = self.v
        a, dp, b = y[0], y[2], y[5]
        d, e, c = self.species(y)
        kill_b = v["bcell_kill_max"] * d / (v["bcell_kill_ec50_nm"] + d) if v[
            "bcell_kill_max"] > 0 else 0.0
        kill_m = v["effector_kill_max"] * d / (v["effector_kill_ec50_nm"] + d) if v[
            "effector_kill_max"] > 0 else 0.0
        prod = self.ksyne * (v["ige_llpc_fraction"] + (1 - v["ige_llpc_fraction"]) * b)
        absorbed = v["bioavailability"] * v["ka"] * a / self.V
        dd = absorbed - self.kel * d - self.k12 * (d - dp)
        de = prod - self.ke * e
        dy = np.zeros(len(STATES))
        if self.binding == "full":
            bind = v["kon"] * d * e - v["kon"] * self.constant(d + c, e + c) * c
            dy[1], dy[3], dy[4] = dd - bind, de - bind, bind - self.kelc * c
        else:  # totals: the binding flux cancels, the complex is eliminated from both
            dy[1], dy[3] = dd - self.kelc * c, de - self.kelc * c
        dy[0] = -v["ka"] * a
        dy[2] = self.k21 * (d - dp)
        dy[5] = v["bcell_turnover"] * (1 - b) - kill_b * b
        koff, kb = v["fceri_ige_koff"], v["fceri_kint_bound"]
        for k, pop in enumerate(POPULATIONS):
            i = 6 + 5 * k
            r, re, rx, rd, m = y[i:i + 5]
            cell = self.cells[pop]
            renew = cell["turnover"] / m
            fe = v["fceri_kon"] * e * r - koff * re
            fx = v["bound_ige_kon"] * d * re - self.koffx * rx
            fd = v["fceri_drug_kon"] * d * r - self.koffrd * rd
            extra_x = self.bridged(re) * v["crosslink_kint"]
            extra_d = self.bridged(r) * v["crosslink_kint"]
            dy[i] = (cell["ksyn"] - (v["fceri_kint_free"] + renew) * r - fe - fd
                     + koff * rx)
            dy[i + 1] = fe - fx - (kb + renew) * re
            dy[i + 2] = fx - koff * rx - (kb + extra_x + renew) * rx
            dy[i + 3] = fd - (kb + extra_d + renew) * rd
            dy[i + 4] = cell["turnover"] * (1 - m) - kill_m * m
        return dy

    def jacobian(self, t: float, y: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Central differences of :meth:`rhs` (Radau needs the Jacobian only for its
        Newton iterations, not for its accuracy; SciPy's own differences overflow here)."""
        n = len(STATES)
        jac = np.empty((n, n))
        for j in range(n):
            h = 1e-7 * max(abs(y[j]), scale[j])
            up, down = y.copy(), y.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (self.rhs(t, up) - self.rhs(t, down)) / (2 * h)
        return jac

    def outputs(self, y: np.ndarray) -> dict[str, float]:
        d, e, c = self.species(y)
        serum_c = c * self.V / self.VC
        out = {"free_ige": MW_IGE * e, "total_ige": (e + serum_c) * MW_IGE / NG_PER_IU,
               "free_drug": d * self.v["mw_kda"] / 1000, "complex": serum_c,
               "total_drug": (d + serum_c) * self.v["mw_kda"] / 1000, "bcell_pool": y[5]}
        hazards = []
        for k, pop in enumerate(POPULATIONS):
            r, re, rx, rd, m = y[6 + 5 * k:11 + 5 * k]
            total = r + re + rx + rd
            fold = (self.cells[pop]["re0"] / (re + rx)) ** self.v["crosslink_exponent"]
            pairs = self.bridged(re) * rx + self.bridged(r) * rd
            hazards.append(pairs / self.v["trigger_crosslinks_per_cell"])
            out.update({f"{pop}_fceri_total": total, f"{pop}_fceri_occupancy": (re + rx) / total,
                        f"{pop}_threshold_fold": fold, f"{pop}_pool": m,
                        f"{pop}_response": m / fold, f"{pop}_crosslink_hazard": hazards[-1]})
        out["threshold_fold"] = out["mast_cell_threshold_fold"]
        out["crosslink_hazard"] = max(hazards)
        return out


def solve(values: Mapping[str, float], binding: str, doses: Sequence[tuple[float, float]],
          days: np.ndarray) -> dict[str, np.ndarray]:
    """Outputs at ``days`` for SC ``doses`` (day, mg), Radau rtol 1e-10, restarted at doses."""
    lane = Lane(values, binding)
    y = lane.initial()
    dose_nmol = max(mg for _, mg in doses) * 1000 / values["mw_kda"] if doses else 1.0
    cells = [x for pop in POPULATIONS for x in [lane.cells[pop]["rtot0"]] * 4 + [1.0]]
    scale = np.array([dose_nmol, dose_nmol / lane.V, dose_nmol / lane.V, lane.E0, lane.E0, 1.0,
                      *cells])
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
