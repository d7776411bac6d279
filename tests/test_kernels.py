"""Kernels give the same values in every process, the one that compiled them included.

Known to fail: with an empty cache, the process that compiles the kernel gets
outputs that differ in the last bits from those of a later process loading it
from the cache (here a different digest of igesweep-1's outputs; a sweep's
metrics 1e-13 to 2e-13 relative). Importing the module afresh after the compile,
so that the call loads the cached code, did not change the first process's values.
Numba issue 10617 reports freshly compiled parallel code and the same code loaded
from the cache being optimised differently.
"""

import json
import os
import sys

import pytest

from tests.processes import run

CHILD = """
import hashlib, json
from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch

scenario = parse_scenario({"model": "igesweep-1", "therapy": "omalizumab",
                           "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28,
                                       "n_doses": 4},
                           "times": {"start": 0, "stop": 112, "step": 7}})
batch = pack_lanes([resolve(scenario, load_catalogue())] * 3, scenario.output_days())
result = solve_batch(batch, parallel=True)
print(json.dumps(hashlib.sha256(result.outputs.tobytes()).hexdigest()))
"""


def test_the_process_that_compiles_a_kernel_gives_the_values_of_later_ones(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    digests = []
    for _ in range(3):   # the first process compiles into the empty cache, the others load
        proc = run([sys.executable, "-c", CHILD], timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        digests.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert digests[1] == digests[2], "two processes loading from the cache disagree"
    if digests[0] != digests[1]:
        pytest.xfail("known defect: the compiling process's values differ in the last bits")
