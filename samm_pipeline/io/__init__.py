"""Input/output at the edges of the pipeline.

- :mod:`samm_pipeline.io.datasets` finds the clips of a dataset (class folders,
  SAMM, CASME II) and their labels, without opening any video or image.
- :mod:`samm_pipeline.io.frames` streams RGB frames from a video file or a
  folder of frame images, one frame at a time.
"""
