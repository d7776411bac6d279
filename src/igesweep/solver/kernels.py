"""Compiled kernels of a model: its generated functions and the integrator templates, as one module.

For a model and one of its binding options, :func:`kernel_source` writes
the source of one module: the code generated from the model's declaration
under that binding (:func:`igesweep.models.codegen.generate`), then the
text of the integrator
templates :mod:`.lane`, :mod:`.group` and :mod:`.drivers` without their
imports of the generated names (:mod:`igesweep.solver.interface`) and of
each other, which the module defines itself.
:func:`load_kernels` writes that module once into the kernel cache and
imports it, so Numba's on-disk cache finds its compiled code in later
processes. The cache lives beside Numba's (:mod:`igesweep._jit`), in a
directory named after a hash of igesweep's sources; a model declared
outside the package is cached under its declaration's digest.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from igesweep._cache import CACHE_DIR, write_atomically

if TYPE_CHECKING:
    from igesweep.models.declaration import Model

#: Integrator templates, in the order they are appended to the generated code.
TEMPLATES: tuple[str, ...] = ("lane.py", "group.py", "drivers.py")
#: Imports a template drops: the stand-ins of generated names, the other templates, and
#: ``from __future__`` (which must open a module).
_DROPPED_IMPORTS = frozenset({"__future__", "igesweep.solver.interface"} | {
    f"igesweep.solver.{name.removesuffix('.py')}" for name in TEMPLATES})
_LOADED: dict[str, ModuleType] = {}
_LOCK = threading.Lock()


def template_source(name: str) -> str:
    """Text of one integrator template without the imports in :data:`_DROPPED_IMPORTS`."""
    text = (Path(__file__).parent / name).read_text()
    lines = text.splitlines(keepends=True)
    for node in reversed(ast.parse(text).body):
        if isinstance(node, ast.ImportFrom) and node.module in _DROPPED_IMPORTS:
            assert node.end_lineno is not None
            del lines[node.lineno - 1:node.end_lineno]
    return "".join(lines)


def kernel_source(model: Model, binding: str = "full") -> str:
    """Source of the compiled module of ``model`` under ``binding``: generated code, templates."""
    from igesweep.models.codegen import generate

    parts = [generate(model, binding)]
    for name in TEMPLATES:
        parts.append(f"# ---- integrator template: igesweep/solver/{name} ----\n"
                     + template_source(name))
    return "\n\n".join(parts)


def _kernel_dir() -> Path:
    base = Path(CACHE_DIR) if CACHE_DIR is not None else Path(
        tempfile.gettempdir()) / f"igesweep-kernels-{os.getuid()}"
    path = base / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _module_name(model_name: str, binding: str, key: str) -> str:
    return "_".join(["igesweep_kernels", re.sub(r"\W", "_", model_name), binding, key])


def _write_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless an identical file is there (atomic, race-safe).

    Rewriting an identical file would change its time stamp and make Numba
    discard its cache, so an existing file with the same content is kept.
    """
    if path.exists() and path.read_text() == text:
        return
    write_atomically(path, text)


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_kernels(model: str | Model, binding: str = "full") -> ModuleType:
    """The compiled kernel module of a model under one binding, generated on first use.

    Parameters
    ----------
    model : str or Model
        A registered model's name (:func:`igesweep.models.model_names`), a
        ``package.module:ATTRIBUTE`` reference, or a declaration.
    binding : str
        One of the model's binding options (``"full"``, ``"qe"``); each
        option is a module of its own, compiled only when used.

    Returns
    -------
    module
        Holds the generated functions, ``integrate_lane``, ``integrate_group``
        and the batch drivers ``run_lanes_*`` and ``run_groups_*``.
    """
    from igesweep.models import get_model, is_registered

    if isinstance(model, str) and not is_registered(model):
        model = get_model(model)  # a declaration in a user's module, or a clear KeyError
    # the kernel directory is named after a hash of igesweep's sources (codegen and templates
    # included), so a registered model needs only its name, another model its digest
    if isinstance(model, str):
        name = _module_name(model, binding, "pkg")
    else:
        name = _module_name(model.name, binding, model.digest())
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        path = _kernel_dir() / f"{name}.py"
        if not path.exists():
            _write_once(path, kernel_source(get_model(model) if isinstance(model, str)
                                            else model, binding))
        module = _import(path, name)
        _LOADED[name] = module
        return module
