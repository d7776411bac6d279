"""A worker's writer of a run's store: kept over the run's chunks, new for another run."""

from igesweep.sweep.compute import run_writer


def test_a_worker_keeps_one_writer_per_run_and_only_the_latest(tmp_path):
    path = str(tmp_path / "s.zarr")
    first = run_writer(path, "run-a")
    assert run_writer(path, "run-a") is first
    again = run_writer(path, "run-b")        # the same path written again by a later run
    assert again is not first and again.path == tmp_path / "s.zarr"
    assert run_writer(path, "run-a") is not first   # the earlier run's writer was dropped
