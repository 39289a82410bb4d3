"""samm-pipeline: cached two-stage facial micro-expression recognition.

Stage 1 extracts MediaPipe FaceMesh landmarks from every clip into a Zarr
store; stage 2 aligns, normalises and augments the cached sequences and fits a
Conv1D + BiLSTM model. Importing this package loads neither TensorFlow nor
MediaPipe: heavy modules are imported by the functions that need them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from samm_pipeline.config import Config, apply_overrides, load_config
from samm_pipeline.errors import ConfigError, DataError, OutputExistsError, SammError

try:
    __version__ = version("samm-pipeline")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Config",
    "ConfigError",
    "DataError",
    "OutputExistsError",
    "SammError",
    "__version__",
    "apply_overrides",
    "load_config",
]
