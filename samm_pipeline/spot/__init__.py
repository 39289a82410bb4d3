"""Spotting: micro- and macro-expression intervals in long videos, and their score.

- :mod:`~samm_pipeline.spot.intervals`: ``Interval`` (inclusive frame
  indices, micro or macro), IoU, merging (pure);
- :mod:`~samm_pipeline.spot.settings`: ``SpotSettings``, the spotter's
  settings with their defaults and ranges (a future ``[spot]`` table);
- :mod:`~samm_pipeline.spot.signal`: the per-frame motion signal of facial
  regions, head motion removed, against a sliding neutral baseline (pure;
  memory flat in video length);
- :mod:`~samm_pipeline.spot.peaks`: peaks above a per-video threshold, widened
  into intervals, typed by duration (pure);
- :mod:`~samm_pipeline.spot.spotter`: ``spot_video``, landmarks to intervals;
- :mod:`~samm_pipeline.spot.evaluate`: the MEGC spotting evaluation (IoU >= 0.5,
  one-to-one matching, pooled counts), interval log and metrics (pure).

Imports: ``spotter -> peaks -> signal -> settings -> intervals``, ``evaluate ->
intervals``; ``spot`` uses the base modules and :mod:`samm_pipeline.prepare`
(Procrustes), never ``io``, ``learn`` or TensorFlow. Only ``cli``, ``infer``
and ``demo`` may import it. This ``__init__`` imports nothing.
"""
