"""Stage 2 data: from stored landmarks to aligned, normalised, labelled arrays.

- :mod:`~samm_pipeline.prepare.align`: DTW (or linear) alignment to a fixed
  length (pure);
- :mod:`~samm_pipeline.prepare.normalize`: missing frames, head-motion
  removal, standardisation (pure);
- :mod:`~samm_pipeline.prepare.preprocess`: one
  :class:`~samm_pipeline.clip.Clip` to one model input (pure; shared by
  training, prediction, detection and the figures);
- :mod:`~samm_pipeline.prepare.cache`: every clip of a store prepared once and
  cached on disk;
- :mod:`~samm_pipeline.prepare.labels`: label maps, labelled clips, hold-out
  and LOSO splits.

Imports: ``labels -> cache -> preprocess -> align, normalize``; nothing here
imports TensorFlow, and this ``__init__`` imports nothing.
"""
