"""Where igesweep keeps what it derives from its own sources: compiled kernels, model cards.

The directory is named after igesweep's version and a hash of every source
file of the package (``<cache root>/igesweep-<version>-<hash>``), so any change
to the sources starts a fresh cache and nothing derived from older sources is
ever read. The cache root is ``$NUMBA_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/igesweep/numba`` (``~/.cache/igesweep/numba``).
This module imports neither Numba nor SymPy: commands that need only the
cache's location do not pay for them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def source_hash(root: Path = Path(__file__).parent) -> str:
    """Hash of every ``.py`` file below ``root`` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> str | None:
    from igesweep._version import __version__

    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "igesweep", "numba")
    path = os.path.join(base, f"igesweep-{__version__}-{source_hash()}")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` under a temporary name, then rename it: readers see the
    whole file or none, concurrent writers of the same text do no harm.

    The file is made readable by all (``mkstemp`` creates it 0600, which would keep other
    users of a shared cache out); the temporary file is removed if anything fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The cache directory of these sources, or ``None`` where it cannot be created and written.
CACHE_DIR: str | None = _cache_dir()
