"""Keras's default layer seeds are private to the fitting thread.

Keras draws each unseeded layer's seed from Python's global ``random``;
other threads (a Dask worker's event loop) draw from it too. Inside
``seeded`` the draws must not see them, and must equal what Keras drew
before in a quiet process.
"""

from __future__ import annotations

import random
import threading

import pytest

from samm_pipeline.learn.fit import seeded

pytestmark = pytest.mark.slow  # imports TensorFlow


def test_other_draws_from_global_random_do_not_change_keras_seeds():
    from keras.src.random.seed_generator import make_default_seed

    random.seed(7)
    quiet = [random.randint(1, int(1e9)) for _ in range(3)]
    with seeded(7):
        drawn = [make_default_seed()]
        random.random()  # another user of the global RNG, this thread
        worker = threading.Thread(target=lambda: [random.random() for _ in range(5)])
        worker.start()
        worker.join()
        drawn += [make_default_seed(), make_default_seed()]
    assert drawn == quiet


def test_threads_get_their_own_seeds_and_the_global_rng_comes_back():
    from keras.src.random.seed_generator import make_default_seed

    results: dict[int, list[int]] = {seed: [] for seed in (1, 2)}
    # Both threads are inside `seeded` at once and draw in turn (1, 2, 1, 2,
    # ...): a shared generator would hand them each other's numbers.
    barrier = threading.Barrier(2)

    def fit_like(seed: int) -> None:
        with seeded(seed):
            for _ in range(3):
                barrier.wait(10)
                if seed == 2:
                    barrier.wait(10)  # let thread 1 draw first
                results[seed].append(make_default_seed())
                if seed == 1:
                    barrier.wait(10)

    threads = [threading.Thread(target=fit_like, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in (1, 2):
        reference = random.Random(seed)
        assert results[seed] == [reference.randint(1, int(1e9)) for _ in range(3)]
    random.seed(3)
    expected = random.randint(1, int(1e9))
    random.seed(3)
    assert make_default_seed() == expected  # outside: the global RNG again
