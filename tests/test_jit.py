"""The Numba cache lives in a directory that changes with any source change."""

import shutil
from pathlib import Path

import igesweep
from igesweep import _jit


def test_cache_dir_is_named_after_version_and_sources():
    assert _jit.CACHE_DIR is not None
    name = Path(_jit.CACHE_DIR).name
    assert name == f"igesweep-{igesweep.__version__}-{_jit.source_hash()}"


def test_any_source_change_gives_a_new_cache_dir(tmp_path):
    copy = tmp_path / "pkg"
    shutil.copytree(Path(_jit.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = _jit.source_hash(copy)
    assert before == _jit.source_hash(Path(_jit.__file__).parent)
    lane = copy / "solver" / "lane.py"
    lane.write_text(lane.read_text() + "\n# changed\n")
    assert _jit.source_hash(copy) != before
