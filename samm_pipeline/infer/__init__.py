"""Using a trained run: load it, predict clips, detect in a stream.

The ``predict`` and ``detect`` commands.


- :mod:`~samm_pipeline.infer.trained`: ``load_trained`` and
  :class:`~samm_pipeline.infer.trained.TrainedModel`, which repeats the
  training preprocessing on new landmarks;
- :mod:`~samm_pipeline.infer.predict`: ``predict_clips`` on video files,
  frame folders and store keys;
- :mod:`~samm_pipeline.infer.detect`: the streaming detector over a camera or
  a video.

Imports: ``detect, predict -> trained -> io.runs, prepare.preprocess``. None of
them imports the training modules (a test checks); this ``__init__`` imports
nothing.
"""
