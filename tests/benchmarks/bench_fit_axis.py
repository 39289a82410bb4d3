"""Training speed: one fit at a time (Keras) against K fits on a fit axis.

Side by side in one process, on the reference model and input size
(20 frames x 478 landmarks x 3), batch 2 per fit: samples per second of

- the reference Keras model at batch 2 (today's training, one fit at a time)
  and at batch 32 (the compute-bound rate of one model: the practical limit);
- :class:`samm_pipeline.learn.stacked.StackedModel` with K fits (each on its
  own batch of 2) for each K given.

Each figure is the median of ``--repeat`` timed runs of ``--samples``
samples after a warm-up (graph tracing excluded). Run on an idle machine::

    python tests/benchmarks/bench_fit_axis.py --fits 1 8 30 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

T, F, N_CLASSES = 20, 1434, 5


def keras_rate(batch: int, samples: int, repeat: int) -> float:
    """Samples per second of ``model.fit`` at ``batch`` (one fit)."""
    from samm_pipeline.learn.model import build_model

    model = build_model((T, F), N_CLASSES)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, T, F)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, samples)
    model.fit(x[: 4 * batch], y[: 4 * batch], batch_size=batch, epochs=1, verbose=0)
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
        rates.append(samples / (time.perf_counter() - start))
    return statistics.median(rates)


def stacked_rate(n_fits: int, samples: int, repeat: int) -> float:
    """Samples per second of :class:`StackedModel` steps, all fits at batch 2."""
    import keras

    from samm_pipeline.learn.model import build_model
    from samm_pipeline.learn.stacked import StackedModel, dropout_masks

    models = []
    for seed in range(n_fits):
        keras.utils.set_random_seed(seed)
        models.append(build_model((T, F), N_CLASSES))
    stacked = StackedModel.from_keras(models)
    del models
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_fits, 2, T, F)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, (n_fits, 2))
    weights = np.ones((n_fits, 2), np.float32)
    active = np.ones(n_fits, bool)
    masks = tuple(
        np.stack(parts)
        for parts in zip(
            *(dropout_masks(rng, 2, T) for _ in range(n_fits)), strict=True
        )
    )
    for _ in range(3):
        stacked.train_step(x, y, weights, active, masks)
    steps = max(3, samples // (2 * n_fits))
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _step in range(steps):
            stacked.train_step(x, y, weights, active, masks)
        rates.append(2 * n_fits * steps / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, nargs="+", default=[1, 8, 30])
    parser.add_argument("--samples", type=int, default=960)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from samm_pipeline._support.tensorflow import configure_tensorflow

    configure_tensorflow()
    print(f"{os.cpu_count()} cores; reference model, input {T}x{F}, batch 2 per fit")
    baseline = keras_rate(2, args.samples, args.repeat)
    limit = keras_rate(32, args.samples, args.repeat)
    print(f"keras batch 2  (one fit at a time):   {baseline:7.0f} samples/s   1.00x")
    print(
        f"keras batch 32 (compute-bound limit): {limit:7.0f} samples/s   {limit / baseline:.2f}x"
    )
    for n_fits in args.fits:
        rate = stacked_rate(n_fits, args.samples, args.repeat)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"stacked, {n_fits:3d} fits at batch 2:       {rate:7.0f} samples/s   "
            f"{rate / baseline:.2f}x   (peak RSS so far {peak:.0f} MB)"
        )


if __name__ == "__main__":
    main()
