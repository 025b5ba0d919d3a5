"""One module per page and its JSON twin, each with a ``router``; ``MODULES`` (every module in
this package, in name order) is what ``create_app`` includes."""

from __future__ import annotations

import importlib
import pkgutil

MODULES = tuple(importlib.import_module(f"{__name__}.{info.name}")
                for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name))
