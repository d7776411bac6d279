"""The package's layers (pyproject.toml, [tool.importlinter]): no module imports from above."""

import shutil
from pathlib import Path

import pytest

from tests import processes


def test_no_module_imports_from_a_layer_above_it():
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("import-linter is a test dependency: pip install -e '.[test]'")
    done = processes.run([exe], timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 kept, 0 broken" in done.stdout


def test_version_comes_from_package_metadata():
    from importlib.metadata import version

    import igesweep

    assert igesweep.__version__ == version("igesweep")
