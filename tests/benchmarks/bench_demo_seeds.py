"""The demo's LOSO score over several training seeds: prints figures, asserts nothing.

Run from the repository root (after ``samm-pipeline demo`` has made
``data/demo/landmarks.zarr``, or pass ``--store``)::

    python tests/benchmarks/bench_demo_seeds.py [--store data/demo/landmarks.zarr]
        [--seeds 42,7,123] [--jobs 2] [--set align.zscore=feature]...

Trains the demo's run definition (``pipeline/demo.toml``) once per seed on
the same store and prints LOSO UF1/UAR per seed with their mean and spread.
One seed's score moves by about 0.02 with the seed alone, so a change to
the data or the pipeline is judged on several (docs/findings.md). ``--set section.key=value`` overrides a setting (value parsed as
JSON when it can be, e.g. ``--set train.epochs=50``). Each seed takes about
3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np


def parse_value(text: str) -> object:
    """JSON when it parses (numbers, booleans, lists), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default="data/demo/landmarks.zarr")
    parser.add_argument("--seeds", default="42,7,123")
    parser.add_argument("--jobs", type=int, default=2, help="folds in parallel")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    from samm_pipeline.config import apply_overrides, load_config_over
    from samm_pipeline.demo.run import load_demo_definition
    from samm_pipeline.learn.pipeline import run_training

    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = parse_value(value)
    base = apply_overrides(load_config_over(load_demo_definition(), None), overrides)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    print(f"# store {args.store}; overrides {overrides or 'none'}; jobs {args.jobs}")
    scores = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            config = apply_overrides(base, {"train.seed": seed})
            report = run_training(
                args.store,
                Path(scratch) / f"run_{seed}",
                config,
                jobs=args.jobs,
                progress=False,
                cache_dir=Path(scratch) / "cache",
            )
            evaluation = report.evaluation
            scores.append(evaluation.uf1)
            print(
                f"seed {seed:>5}: LOSO UF1 {evaluation.uf1:.3f}, "
                f"UAR {evaluation.uar:.3f} ({report.seconds:.0f} s)",
                flush=True,
            )
    values = np.asarray(scores)
    print(
        f"mean UF1 {values.mean():.3f}, min {values.min():.3f}, "
        f"max {values.max():.3f} over {len(values)} seeds"
    )


if __name__ == "__main__":
    main()
