"""Demo data and the self-contained demo run (``make-demo-data``, ``demo``).

The licensed datasets (SAMM, CASME II) cannot be shipped, so the package renders
its own micro-expression clips from public-domain faces and can run the whole
pipeline on them. Import from here (``from samm_pipeline.demo import
make_demo_dataset``); the modules behind it are

- :mod:`~samm_pipeline.demo.faces`: the bundled base faces (FaceMesh runs once
  on each), pseudo-subjects and clip timing;
- :mod:`~samm_pipeline.demo.actions`: the classes, their FACS action units,
  the displacement field and the expression profile (pure);
- :mod:`~samm_pipeline.demo.render`: rendering and writing one clip (a video
  or a folder of frame images);
- :mod:`~samm_pipeline.demo.layouts`: where a clip goes in each layout the
  demo writes (class folders, or SAMM, CASME II and SMIC as distributed, with
  their class names, frame rates and label sheets);
- :mod:`~samm_pipeline.demo.dataset`: :func:`make_demo_dataset` (argument
  checks, one job per clip, the folder, ``clips.csv`` and the label sheet);
- :mod:`~samm_pipeline.demo.longvideo` and
  :mod:`~samm_pipeline.demo.longvideo_events`: long videos for spotting
  (:func:`make_demo_long_videos`: micro- and macro-expressions among blinks,
  speech-like mouth motion and head drift, in the SAMM Long Videos layout);
- :mod:`~samm_pipeline.demo.run`: the ``demo`` command's work
  (:func:`run_demo`, :func:`write_demo_clips`) and the demo run definition,
  ``demo.toml`` in this folder (:func:`load_demo_definition`);
  ``pipeline/demo.toml`` is a link to that one file.

How a clip is made
------------------
1. A base face is a bundled public-domain photograph or its mirror image,
   with its FaceMesh landmarks, so that the motion sits on the face's own
   landmarks.
2. A pseudo-subject fixes a base face, scale, rotation, position, brightness,
   contrast, colour balance, motion amplitude, tempo and sensor-noise level;
   every clip jitters these a little.
3. The expression is a smooth, local warp modelled on FACS action units, a few
   pixels at the apex; its strength follows a raised cosine (neutral frames,
   onset, apex, offset, neutral frames).
4. Every frame is one ``cv2.remap`` of the photograph plus sensor noise,
   written with OpenCV's ``mp4v`` encoder (class folders) or as numbered
   JPEG / BMP images (the dataset layouts). A seed gives byte-identical files.

Import direction: ``run -> dataset -> layouts, render -> actions, faces``
(``dataset`` also uses ``actions`` and ``faces``; those two import nothing of
each other; ``layouts`` reads the names and rates of
:mod:`samm_pipeline.io.datasets`).
This ``__init__`` imports nothing until a name is used; OpenCV, MediaPipe,
SciPy and tqdm are imported by the functions that need them, and TensorFlow
only by :func:`run_demo` (through training).
"""

from __future__ import annotations

from samm_pipeline._support.lazy import lazy_exports

_EXPORTS = {
    "DEMO_LAYOUTS": "layouts",
    "DemoDataset": "dataset",
    "DemoResult": "run",
    "load_demo_definition": "run",
    "make_demo_long_videos": "longvideo",
    "make_demo_dataset": "dataset",
    "run_demo": "run",
    "write_demo_clips": "run",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
