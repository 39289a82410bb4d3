"""Stage 1: MediaPipe FaceMesh landmarks of every clip, into the store (``extract``).

- :mod:`~samm_pipeline.extract.facemesh`: the one module that imports
  MediaPipe; the :class:`~samm_pipeline.extract.facemesh.Landmarker` protocol,
  the FaceMesh wrapper and the extractor settings recorded in the store;
- :mod:`~samm_pipeline.extract.worker`: one clip through a fresh landmarker,
  in a worker process, and the fan-out over workers;
- :mod:`~samm_pipeline.extract.runner`: ``run_extraction``, the store's single
  writer.

Imports: ``runner -> worker -> facemesh``, and ``io``. Extraction workers
never import TensorFlow; this ``__init__`` imports nothing.
"""
