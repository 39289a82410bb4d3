"""samm-pipeline: cached two-stage facial micro-expression recognition.

Stage 1 extracts MediaPipe FaceMesh landmarks from every clip into a Zarr
store; stage 2 aligns, normalises and augments the cached sequences and fits a
Conv1D + BiLSTM model. Importing this package loads neither TensorFlow nor
MediaPipe: heavy modules are imported by the functions that need them.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from samm_pipeline.config import Config, apply_overrides, load_config
from samm_pipeline.errors import ConfigError, DataError, OutputExistsError, SammError

try:
    __version__ = version("samm-pipeline")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# Re-exported on first use (module ``__getattr__``), so that ``import
# samm_pipeline`` stays light: the store module pulls in numpy, and its
# readers import zarr, pandas and xarray only when called.
_LAZY_EXPORTS = {
    "Clip": "samm_pipeline.clip",
    "LandmarkStore": "samm_pipeline.io.store",
    "open_store": "samm_pipeline.io.store",
}

__all__ = [
    "Clip",
    "Config",
    "ConfigError",
    "DataError",
    "LandmarkStore",
    "OutputExistsError",
    "SammError",
    "__version__",
    "apply_overrides",
    "load_config",
    "open_store",
]


def __getattr__(name: str) -> Any:
    """Import the lazily re-exported names (``open_store``, ...) on first use."""
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_EXPORTS))
