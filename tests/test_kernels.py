"""Kernels give the same values in every process, the one that compiled them included.

With ``fastmath={"contract"}`` (multiply-adds fused into FMA instructions) the
process that compiled a kernel into an empty cache got outputs differing in the
last bits from those of every later process loading it from the cache (a
sweep's metrics 1e-13 to 2e-13 relative apart), so a first sweep run in the
command's process differed from the same sweep run anywhere afterwards.
"""

import os
import sys

from tests.processes import run

CHILD = """
import hashlib
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
print(hashlib.sha256(result.outputs.tobytes()).hexdigest())
"""


def test_the_process_that_compiles_a_kernel_gives_the_values_of_later_ones(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    digests = []
    for _ in range(3):   # the first process compiles into the empty cache, the others load
        proc = run([sys.executable, "-c", CHILD], timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        digests.append(proc.stdout.split()[-1])
    assert digests[1] == digests[2], "two processes loading from the cache disagree"
    assert digests[0] == digests[1], "the compiling process got other values"
