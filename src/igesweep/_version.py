"""igesweep's version, from the installed package's metadata (``pyproject.toml``)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("igesweep")
except PackageNotFoundError:  # a source tree used without installing it
    __version__ = "0+unknown"
