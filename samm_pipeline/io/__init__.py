"""Input/output at the edges: the only modules that touch datasets, video and stores.

- :mod:`~samm_pipeline.io.datasets`: find the clips of a dataset on disk
  (class folders, SAMM, CASME II) and their labels, without opening a video;
- :mod:`~samm_pipeline.io.frames`: stream RGB frames from a video file, a
  folder of frame images or a camera;
- :mod:`~samm_pipeline.io.location`: where a store lives (local folder or
  fsspec URL);
- :mod:`~samm_pipeline.io.store`: the Zarr landmark store's contract, keys and
  reader; :mod:`~samm_pipeline.io.store_writer`: its single writer;
- :mod:`~samm_pipeline.io.lock`: one extraction per store at a time;
- :mod:`~samm_pipeline.io.runs`: the run folder (``train --output``): format,
  writer, reader.

Imports: ``io`` modules import :mod:`samm_pipeline.clip`, ``config``,
``errors``, ``landmarks`` and :mod:`samm_pipeline._support`, never a stage
package. This ``__init__`` imports nothing.
"""
