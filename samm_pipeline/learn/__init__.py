"""Stage 2 training: the model, augmentation, fitting, protocols, the run.

The ``train`` command.


- :mod:`~samm_pipeline.learn.model`: ``build_model``, the reference Conv1D +
  BiLSTM fusion network;
- :mod:`~samm_pipeline.learn.augment`: noise, temporal warp, flips of the
  training part only (pure, explicit generator);
- :mod:`~samm_pipeline.learn.evaluate`: UF1, UAR, accuracy, baseline (pure);
- :mod:`~samm_pipeline.learn.fit`: one fold, reproducibly seeded;
- :mod:`~samm_pipeline.learn.stacked` and
  :mod:`~samm_pipeline.learn.fit_stacked`: the reference model with a leading
  fit axis, and the folds of a protocol trained on it together;
- :mod:`~samm_pipeline.learn.protocol`: hold-out and LOSO with pooled
  predictions;
- :mod:`~samm_pipeline.learn.report`: the run's metrics, predictions and
  report;
- :mod:`~samm_pipeline.learn.pipeline`: ``run_training``, wiring only.

Imports: ``pipeline -> report, protocol -> fit_stacked -> stacked, fit ->
model, augment, evaluate``,
and ``prepare``, ``io``. TensorFlow is imported inside functions; this
``__init__`` imports nothing.
"""
