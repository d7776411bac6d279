"""The README's example files are valid input, and its scenario runs as it says."""

import re
from pathlib import Path

import pytest
import yaml

from igesweep import load_catalogue, parse_scenario
from igesweep.resolve import resolve
from igesweep.sweep.run import load_plan

README = (Path(__file__).parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", README, flags=re.S | re.M)


def test_the_readme_has_a_scenario_and_a_sweep_example():
    kinds = ["grid" in yaml.safe_load(b) for b in BLOCKS]
    assert kinds.count(True) >= 1 and kinds.count(False) >= 1


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_every_yaml_example_of_the_readme_is_valid_input(tmp_path, block):
    data = yaml.safe_load(block)
    if "grid" in data:
        path = tmp_path / "sweep.yaml"
        path.write_text(block)
        plan, _ = load_plan(path)   # names checked against the catalogue and the model
        assert plan.n_lanes > 1
    else:
        resolved = resolve(parse_scenario(data), load_catalogue())   # names checked too
        assert resolved.therapy == data["therapy"]
