"""Spotting: micro- and macro-expression intervals in long videos, and their score.

- :mod:`~samm_pipeline.spot.intervals`: ``Interval`` (inclusive frame
  indices, micro or macro), IoU, merging (pure);
- :mod:`~samm_pipeline.spot.settings`: ``SpotSettings``, the ``[spot]``
  table (defined in :mod:`samm_pipeline.config.sections`, re-exported);
- :mod:`~samm_pipeline.spot.signal`: the per-frame motion signal of facial
  regions, head motion removed, against a sliding neutral baseline (pure;
  memory flat in video length), blink frames set to 0 in it;
- :mod:`~samm_pipeline.spot.blink`: eye openness from the eyelid landmarks
  and the blink frames it gives (pure; memory flat in video length);
- :mod:`~samm_pipeline.spot.peaks`: peaks above a per-video threshold, widened
  into intervals, typed by duration (pure);
- :mod:`~samm_pipeline.spot.spotter`: ``spot_video``, landmarks to intervals;
- :mod:`~samm_pipeline.spot.evaluate`: the MEGC spotting evaluation (IoU >= 0.5,
  one-to-one matching, pooled counts), interval log and metrics (pure);
- :mod:`~samm_pipeline.spot.recognition`: spot then recognise, the analysis
  F1 and STRS of the spotted micro true positives (pure);
- :mod:`~samm_pipeline.spot.tune`: ``threshold_fraction`` chosen
  leave-one-subject-out (pure);
- :mod:`~samm_pipeline.spot.stream`: ``StreamingSpotter``, causal spotting of
  a live landmark stream, the streaming detector's gate (pure);
- :mod:`~samm_pipeline.spot.video`: ``spot_entry``, one store entry spotted
  (``VideoSpotting``), and the trivial baseline;
- :mod:`~samm_pipeline.spot.run`: ``run_spotting``, every long video of a
  store spotted and scored, ``intervals.csv`` / ``metrics.json`` / timelines
  written whole (the ``spot`` command).

Imports: ``spotter -> peaks -> signal -> settings -> intervals``, ``signal ->
blink``, ``evaluate -> intervals``, ``recognition -> evaluate``, ``tune ->
peaks, evaluate``, ``stream -> peaks, signal``, ``video -> peaks,
signal``, ``run -> video, evaluate, recognition, tune``;
``spot`` uses the base
modules, :mod:`samm_pipeline.prepare` (Procrustes) and, in ``run`` only,
:mod:`samm_pipeline.io` (the store) and ``_support`` (atomic folders); never
``learn`` or TensorFlow. Figures are drawn by a writer passed in (``viz``
may not import ``spot``). Only ``cli``, ``infer``
and ``demo`` may import it. This ``__init__`` imports nothing.
"""
