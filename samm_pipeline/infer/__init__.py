"""Using a trained run: load it, predict clips, detect in a stream.

The ``predict`` and ``detect`` commands.


- :mod:`~samm_pipeline.infer.trained`: ``load_trained`` and
  :class:`~samm_pipeline.infer.trained.TrainedModel`, which repeats the
  training preprocessing on new landmarks;
- :mod:`~samm_pipeline.infer.predict`: ``predict_clips`` on video files,
  frame folders and store keys;
- :mod:`~samm_pipeline.infer.detect`: the streaming detector over a camera or
  a video, with a motion gate or the spot gate
  (:class:`~samm_pipeline.spot.stream.StreamingSpotter`);
- :mod:`~samm_pipeline.infer.windows`: its window length, motion energy and a
  spotted interval's frames; :mod:`~samm_pipeline.infer.display`: drawing;
- :mod:`~samm_pipeline.infer.spotted`: spot then recognise, spotted intervals
  of a store classified with a trained run (``spot --model``).

Imports: ``detect, spotted -> windows, trained``, ``detect -> display``,
``trained -> io.runs, prepare.preprocess``; ``detect`` and ``spotted`` use
``spot``. None of them imports the training modules (a test checks); this
``__init__`` imports nothing.
"""
