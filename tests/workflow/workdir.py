"""A private copy of the workflow's files to run Snakemake in, and its test configurations."""

from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
#: The smallest configuration that exercises every study and the whole report.
TINY = Path(__file__).parent / "tiny_config.yaml"
#: Two of its studies (a patient grid and a population map): enough for tests of how the
#: workflow runs (interrupted, on a batch system), which need several sweep jobs and the
#: report, not every study.
TWO_STUDIES = ("therapy_reference", "dosing_map")


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


def tiny_config_with(work: Path, studies: tuple[str, ...]) -> Path:
    """The tiny configuration keeping only ``studies``, as the copy's ``config/config.yaml``.

    Snakemake merges a ``--configfile`` into the configuration the Snakefile loads, so
    studies cannot be left out through the option: the copy's default file is replaced.
    """
    config = yaml.safe_load(TINY.read_text())
    config["studies"] = {name: config["studies"][name] for name in studies}
    path = work / "config" / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
