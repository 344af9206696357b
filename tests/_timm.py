"""timm's scheduler package without timm's package ``__init__`` (which imports
torchvision, whose PyPI wheels do not load with the CPU torch these machines install).

``scheduler()`` puts bare modules named ``timm`` and ``timm.scheduler`` (their
``__path__`` the installed folders) into ``sys.modules``, so that
``import timm.scheduler.cosine_lr`` runs only the scheduler files, which need torch alone
(see NOTES.md). It returns None when timm or torch is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

_FILES = ("cosine_lr", "tanh_lr", "step_lr", "multistep_lr", "poly_lr", "plateau_lr")


def _bare(name: str, folder: Path) -> None:
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [str(folder)]
        sys.modules[name] = module


def scheduler() -> Any:
    """A namespace with timm's scheduler modules (``cosine_lr``, ``tanh_lr``, ...,
    ``scheduler_factory``, ``scheduler``), or None."""
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        spec = importlib.util.find_spec("timm")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    _bare("timm", root)
    _bare("timm.scheduler", root / "scheduler")
    out = types.SimpleNamespace()
    for name in (*_FILES, "scheduler", "scheduler_factory"):
        setattr(out, name, importlib.import_module(f"timm.scheduler.{name}"))
    return out


def version() -> str:
    from importlib.metadata import version as v

    return v("timm")
