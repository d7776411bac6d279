"""A one-node SLURM cluster for the tests of this directory (tests/cluster/slurm.py)."""

from __future__ import annotations

import os

import pytest

from tests.cluster import slurm


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A running one-node SLURM cluster, stopped after the module's tests.

    Skipped where ``slurm-wlm`` and ``munge`` are not installed or the tests
    do not run as root (``slurmd`` must); with ``IGESWEEP_REQUIRE_SLURM`` set
    (as ``.ci/run`` does) that is a failure instead.
    """
    missing = slurm.missing_programs()
    if missing:
        why = f"not installed: {', '.join(missing)} (Debian: apt-get install slurm-wlm munge)"
    elif os.geteuid() != 0:
        why = "slurmd must run as root"
    elif slurm.default_conf_taken():
        why = f"{slurm.DEFAULT_CONF} exists: this machine has a SLURM cluster of its own"
    else:
        why = None
    if why is not None:
        if os.environ.get("IGESWEEP_REQUIRE_SLURM"):
            pytest.fail(f"a SLURM cluster is required: {why}")
        pytest.skip(why)
    cluster = slurm.start(tmp_path_factory.mktemp("slurm"))
    try:
        yield cluster
    finally:
        cluster.stop()
