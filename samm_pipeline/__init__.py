"""samm-pipeline: cached two-stage facial micro-expression recognition.

Stage 1 extracts MediaPipe FaceMesh landmarks from every clip into a Zarr
store; stage 2 aligns, normalises and augments the cached sequences and fits a
Conv1D + BiLSTM model. This module is the facade: the names a user needs,
each imported from its stage on first use, so ``import samm_pipeline`` loads
neither TensorFlow nor MediaPipe (nor zarr, until a store is opened).

Subpackages, one per stage, each one hop from its command:

- :mod:`~samm_pipeline.io`: the edges (datasets on disk, frames, the store,
  its lock, run folders);
- :mod:`~samm_pipeline.extract`: FaceMesh landmarks into the store
  (``extract``);
- :mod:`~samm_pipeline.prepare`: store entries to aligned, normalised,
  labelled arrays (pure, cached);
- :mod:`~samm_pipeline.learn`: the model, augmentation, fitting, protocols and
  the training run (``train``);
- :mod:`~samm_pipeline.infer`: trained runs loaded, ``predict`` and ``detect``;
- :mod:`~samm_pipeline.viz`: figures (``plot``, notebooks);
- :mod:`~samm_pipeline.demo`: synthetic data and the ``demo`` run;
- :mod:`~samm_pipeline._support`: process-level helpers (parallel runs,
  native-log silencing, crash points, atomic output folders).

Top-level modules: :mod:`~samm_pipeline.cli`, :mod:`~samm_pipeline.config`,
:mod:`~samm_pipeline.errors`, :mod:`~samm_pipeline.landmarks`,
:mod:`~samm_pipeline.clip`. Imports point down this list's stages and into
``io``, never back up (a test checks).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from samm_pipeline._support.lazy import lazy_exports
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
    # the data
    "Clip": "samm_pipeline.clip",
    "LandmarkStore": "samm_pipeline.io.store",
    "open_store": "samm_pipeline.io.store",
    "discover_clips": "samm_pipeline.io.datasets",
    # the stages
    "run_extraction": "samm_pipeline.extract.runner",
    "preprocess_clip": "samm_pipeline.prepare.preprocess",
    "prepare_clips": "samm_pipeline.prepare.cache",
    "run_training": "samm_pipeline.learn.pipeline",
    "load_trained": "samm_pipeline.infer.trained",
    "predict_clips": "samm_pipeline.infer.predict",
    "StreamingDetector": "samm_pipeline.infer.detect",
    "run_detection": "samm_pipeline.infer.detect",
    "spot_entry": "samm_pipeline.spot.video",
    "run_spotting": "samm_pipeline.spot.run",
    "make_demo_dataset": "samm_pipeline.demo.dataset",
    "run_demo": "samm_pipeline.demo.run",
}

__all__ = [
    "Config",
    "ConfigError",
    "DataError",
    "OutputExistsError",
    "SammError",
    "__version__",
    "apply_overrides",
    "load_config",
    *sorted(_LAZY_EXPORTS),
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY_EXPORTS)
