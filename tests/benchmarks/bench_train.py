"""Benchmark of training: prints figures and ratios, asserts nothing.

Run from the repository root (after ``samm-pipeline demo`` has made
``data/demo/landmarks.zarr``, or pass ``--store``)::

    python tests/benchmarks/bench_train.py [--store data/demo/landmarks.zarr] [--loso]

1. Epoch time and samples per second of the fusion model on the demo's
   training set (augmented as in training) at batch 2 (the reference) and 32,
   measured side by side.
2. With ``--loso``: wall time of the demo's LOSO run with ``--jobs 1`` and
   ``--jobs 2`` (several minutes each).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np


def epoch_figures(sequences, labels, n_classes, batch_size, epochs=2):
    """Seconds per epoch (after a warm-up epoch) and samples per second."""
    from samm_pipeline._support.tensorflow import configure_tensorflow
    from samm_pipeline.learn.model import build_model

    configure_tensorflow()
    model = build_model(sequences.shape[1:], n_classes)
    model.fit(sequences, labels, epochs=1, batch_size=batch_size, verbose=0)
    start = time.perf_counter()
    model.fit(sequences, labels, epochs=epochs, batch_size=batch_size, verbose=0)
    per_epoch = (time.perf_counter() - start) / epochs
    return per_epoch, len(sequences) / per_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default="data/demo/landmarks.zarr")
    parser.add_argument("--loso", action="store_true")
    args = parser.parse_args()

    from samm_pipeline.config import load_config_over
    from samm_pipeline.demo.run import load_demo_definition
    from samm_pipeline.io.store import open_store
    from samm_pipeline.learn.augment import augment_training_set
    from samm_pipeline.prepare.cache import prepare_clips
    from samm_pipeline.prepare.labels import label_clips

    config = load_config_over(load_demo_definition(), None)
    data = label_clips(
        prepare_clips(open_store(args.store), config.align), config.train
    )
    augmented = augment_training_set(
        data.sequences, data.labels, config.augment, np.random.default_rng(0)
    )
    print(
        f"# {time.strftime('%Y-%m-%d')}; {len(augmented.sequences)} training samples "
        f"{augmented.sequences.shape[1:]} ({len(data.keys)} clips x "
        f"{config.augment.aug_times + 1})"
    )
    figures = {}
    for batch in (2, 32):
        figures[batch] = epoch_figures(
            augmented.sequences, augmented.labels, len(data.classes), batch
        )
        seconds, rate = figures[batch]
        print(f"batch {batch:2d}: {seconds:6.2f} s/epoch, {rate:7.0f} samples/s")
    print(f"batch 32 / batch 2 epoch speed-up: {figures[2][0] / figures[32][0]:.1f}x")

    if args.loso:
        from samm_pipeline.learn.pipeline import run_training

        walls = {}
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                report = run_training(
                    args.store, f"{tmp}/run", config, jobs=jobs, progress=False
                )
                walls[jobs] = time.perf_counter() - start
                print(
                    f"LOSO --jobs {jobs}: {walls[jobs]:.0f} s "
                    f"(UF1 {report.evaluation.uf1:.3f})"
                )
        print(f"LOSO jobs 2 / jobs 1 speed-up: {walls[1] / walls[2]:.2f}x")


if __name__ == "__main__":
    main()
