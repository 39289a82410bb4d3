"""Figures for notebooks and run reports (matplotlib, no pyplot): one namespace.

Import figures from here (``from samm_pipeline.viz import plot_face_mesh``);
the modules behind it are

- :mod:`~samm_pipeline.viz.base`: the pyplot-free figure factory;
- :mod:`~samm_pipeline.viz.clip`: one clip (face mesh, region motion,
  preprocessing stages, animation);
- :mod:`~samm_pipeline.viz.store`: a whole store (class motion heatmap,
  dataset overview, every figure into PNG files for ``plot``);
- :mod:`~samm_pipeline.viz.run`: a training run (confusion matrix, training
  curves);
- :mod:`~samm_pipeline.viz.timeline`: a long video's spotting timeline
  (motion signal, thresholds, predicted and true intervals).

Import direction: ``store -> clip, run -> base``; nothing here imports
training, TensorFlow or MediaPipe, and this ``__init__`` imports nothing until
a name is used (matplotlib is loaded by the first figure).
"""

from __future__ import annotations

from samm_pipeline._support.lazy import lazy_exports

_EXPORTS = {
    "class_motion_profiles": "store",
    "default_frame": "clip",
    "plot_class_motion_heatmap": "store",
    "plot_confusion_matrix": "run",
    "plot_dataset_overview": "store",
    "plot_face_mesh": "clip",
    "plot_preprocessing": "clip",
    "plot_region_motion": "clip",
    "plot_spotting_timeline": "timeline",
    "plot_training_curves": "run",
    "region_motion": "clip",
    "run_figures": "run",
    "save_clip_animation": "clip",
    "save_timeline": "timeline",
    "show_figure": "base",
    "write_store_figures": "store",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
