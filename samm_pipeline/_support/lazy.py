"""Lazy re-exports: a package names its public objects, each imported on first use.

The facade (:mod:`samm_pipeline`), :mod:`samm_pipeline.viz` and
:mod:`samm_pipeline.demo` export names that live in heavier modules; importing
the package must stay cheap (an extraction worker, ``samm-pipeline --help``),
so each name is resolved by a module ``__getattr__`` (PEP 562) the first time
it is used, then cached in the package's namespace.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``'s lazy names.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Public name -> the module that defines it: a dotted name is absolute
        (``"samm_pipeline.io.store"``), a plain one is a module of ``package``
        (``"store"``).

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("json", {"JSONEncoder": "json.encoder"})
    >>> getattr_("JSONEncoder").__module__, "JSONEncoder" in dir_()
    ('json.encoder', True)
    """

    def module_of(name: str) -> str:
        target = exports[name]
        return target if "." in target else f"{package}.{target}"

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module_of(name)), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
