"""TensorFlow set-up shared by training and prediction: quiet logs, capped threads.

TensorFlow is imported inside :func:`configure_tensorflow`, never at module
import, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
import os
from contextlib import nullcontext

from samm_pipeline._support.native_logs import quiet_native_logs

logger = logging.getLogger(__name__)


def configure_tensorflow(threads: int | None = None) -> None:
    """Quiet TensorFlow's logs and cap its thread pools (before first use).

    Parallel folds each get ``cores // jobs`` threads, so two folds do not
    fight over the same two cores.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sys

    # TF's first import prints CUDA probing and XLA registration noise on fd 2.
    with quiet_native_logs() if "tensorflow" not in sys.modules else nullcontext():
        import tensorflow as tf

        # The first device query probes CUDA and prints a cuInit line on fd 2.
        tf.config.list_physical_devices()

    tf.get_logger().setLevel(logging.ERROR)
    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # already initialised in this process: keep it
            logger.debug("TensorFlow threads already fixed; keeping them")
