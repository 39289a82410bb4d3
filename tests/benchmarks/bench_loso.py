"""A whole LOSO on the stacked engine against one-fit-at-a-time Keras training.

Prints figures and ratios, asserts nothing. Run from the repository root on a
store and a run definition with the reference training settings (batch 2,
up to 100 epochs, early stopping on an inner split)::

    python tests/benchmarks/bench_loso.py --store S --config ref.toml \
        [--jobs 2] [--keras-folds 4]

1. The stacked engine runs the whole protocol (every fold and the final
   refit): wall time, CPU time, peak memory, epochs of every fit and the
   samples it trained on (epochs x augmented training set) per second.
2. Today's training (the Keras engine, ``--jobs`` folds in parallel) runs the
   first ``--keras-folds`` folds of the same protocol: its samples per second.
   A whole Keras LOSO takes about as long as that rate needs for the same
   number of samples; the projection is printed beside the ratio of rates.

Samples per second are comparable between the engines because a fit's work
is its epochs times its training set, whichever engine runs it; the number of
epochs each fit early-stops at differs between engines only through their
random streams.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def trained_samples(folds) -> tuple[int, list[int]]:
    """Samples a list of fits trained on, and each fit's epochs."""
    epochs = [len(fold.history) for fold in folds]
    return sum(
        e * fold.n_train_samples for e, fold in zip(epochs, folds, strict=True)
    ), epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keras-folds", type=int, default=4)
    parser.add_argument("--skip-stacked", action="store_true")
    args = parser.parse_args()

    from samm_pipeline.config import load_config
    from samm_pipeline.io.store import open_store
    from samm_pipeline.learn.protocol import _run_folds, run_protocol
    from samm_pipeline.prepare.cache import prepare_clips
    from samm_pipeline.prepare.labels import label_clips, loso_folds

    config = load_config(args.config)
    store = open_store(args.store)
    with tempfile.TemporaryDirectory() as cache:
        prepared = prepare_clips(store, config.align, cache_dir=cache)
    data = label_clips(prepared, config.train)
    folds_spec = loso_folds(data.subjects, data.keys)
    train = config.train
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{len(data.labels)} clips, {len(folds_spec)} subjects, "
        f"{len(data.classes)} classes; batch {train.batch_size}, "
        f"up to {train.epochs} epochs, selection {config.evaluate.loso_selection}"
    )
    common = {"augment": config.augment, "evaluate": config.evaluate}

    stacked_rate = None
    if not args.skip_stacked:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = run_protocol(
            data,
            protocol="loso",
            train=dataclasses.replace(train, engine="stacked"),
            jobs=args.jobs,
            progress=False,
            **common,
        )
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        fits = [*result.folds, result.final]
        samples, epochs = trained_samples(fits)
        stacked_rate = samples / wall
        own, child = peak_mb()
        print(
            f"stacked LOSO ({len(fits)} fits, fits_per_chunk {train.fits_per_chunk},"
            f" --jobs {args.jobs}): {wall:.0f} s wall, {cpu:.0f} s CPU, "
            f"peak {own:.0f} MB (largest child {child:.0f} MB); {samples} samples, "
            f"{stacked_rate:.0f} samples/s; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  epochs per fit: {epochs}")

    if args.keras_folds:
        chosen = folds_spec[: args.keras_folds]
        validation = "inner" if config.evaluate.loso_selection == "inner" else "none"
        start, cpu = time.perf_counter(), cpu_seconds()
        folds = _run_folds(
            data, chosen, validation=validation, jobs=args.jobs, progress=False,
            train=dataclasses.replace(train, engine="keras"), **common,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        samples, epochs = trained_samples(folds)
        keras_rate = samples / wall
        print(
            f"keras, first {len(chosen)} folds (--jobs {args.jobs}): {wall:.0f} s "
            f"wall, {cpu:.0f} s CPU; {samples} samples, {keras_rate:.0f} samples/s; "
            f"epochs {epochs}; load average {os.getloadavg()[0]:.1f}"
        )
        if stacked_rate is not None:
            stacked_samples, _ = trained_samples(fits)
            print(
                f"stacked / keras samples per second: {stacked_rate / keras_rate:.2f}x;"
                f" a Keras LOSO of the stacked run's {stacked_samples} samples: about "
                f"{stacked_samples / keras_rate / 60:.0f} min"
            )


if __name__ == "__main__":
    main()
