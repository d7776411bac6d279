"""Every validation row that agrees can fail: perturb the model, the row disagrees.

For each agreeing test row of igesweep-2 one catalogue value is moved by a
stated factor in the direction that the row's claim speaks to; the row must
then fall outside its band. A row that stayed inside would be a check that
cannot fail. Rows that already disagree (``KNOWN_DISAGREEMENTS``) show that
they can fail by failing.
"""

import copy
from collections.abc import Callable

import pytest
import yaml

from igesweep.catalogue import default_catalogue_path, parse_catalogue
from igesweep.literature import BY_KEY, TEST_OBSERVATIONS
from igesweep.validation.table import KNOWN_DISAGREEMENTS, _Rows

MODEL = "igesweep-2"

#: Row key -> (block: "patient" or a therapy, parameter, factor).
PERTURBATIONS = {
    "tmax_sc": ("omalizumab", "ka", 5.0),
    "half_life_asthma": ("omalizumab", "cl_l_day", 2.0),
    "half_life_csu": ("omalizumab", "cl_l_day", 2.0),
    "label_cl_over_f": ("omalizumab", "cl_l_day", 2.0),
    "ige_half_life_hayashi": ("patient", "ige_production_ug_day", 2.0),
    "onset_one_hour": ("omalizumab", "kon", 1e-3),
    "innovate_below_50": ("patient", "ige_production_ug_day", 4.0),
    "table_goal_25": ("patient", "ige_production_ug_day", 4.0),
    "hamilton_one_month": ("omalizumab", "kd_nm", 30.0),
    "hamilton_three_months": ("omalizumab", "kd_nm", 100.0),
    "molar_ratio_90": ("omalizumab", "kd_nm", 10.0),
    "total_ige_after_stopping": ("omalizumab", "complex_cl_l_day", 5.0),
    "fceri_day_10_eckman": ("patient", "fceri_kint_free", 0.1),
    "basophil_response_3_months": ("patient", "crosslink_exponent", 0.3),
    "immunoadsorption_children": ("ige_immunoadsorption", "apheresis_ige_removal", 0.4),
    "immunoadsorption_per_session": ("ige_immunoadsorption", "apheresis_ige_removal", 0.4),
}


def _perturbed(block: str, name: str, factor: float):
    """The shipped catalogue with one of igesweep-2's effective values scaled."""
    data = yaml.safe_load(default_catalogue_path().read_text())
    data = copy.deepcopy(data)
    own = data["models"][MODEL]
    if block == "patient":
        entries = own["patient"] if name in own["patient"] else data["patient"]["parameters"]
    else:
        override = own["therapies"].get(block, {}).get("parameters", {})
        entries = override if name in override else data["therapies"][block]["parameters"]
    entries[name]["value"] = float(entries[name]["value"] * factor)
    return parse_catalogue(data, default_catalogue_path())


def test_every_agreeing_test_row_has_a_perturbation():
    agreeing = {o.key for o in TEST_OBSERVATIONS} - set(KNOWN_DISAGREEMENTS[MODEL])
    assert set(PERTURBATIONS) == agreeing


@pytest.mark.parametrize("key", sorted(PERTURBATIONS))
def test_perturbed_model_fails_the_row(key):
    block, name, factor = PERTURBATIONS[key]
    row: Callable[[], tuple[float, str]] = getattr(_Rows(_perturbed(block, name, factor), MODEL),
                                                   key)
    value, _ = row()
    assert not BY_KEY[key].agrees(value), (key, value)
