"""A private copy of the workflow's files to run Snakemake in."""

from pathlib import Path

ROOT = Path(__file__).parents[2]
#: The smallest configuration that exercises every study and the whole report.
TINY = Path(__file__).parent / "tiny_config.yaml"


def workflow_copy(tmp_path_factory) -> Path:
    """A copy of the workflow's files (Snakefile, rules, config, profiles)."""
    import shutil

    work = tmp_path_factory.mktemp("workflow")
    shutil.copy(ROOT / "Snakefile", work)
    shutil.copytree(ROOT / "workflow", work / "workflow",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "config", work / "config")
    shutil.copytree(ROOT / "profiles", work / "profiles")
    return work
