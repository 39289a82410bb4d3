"""Test session set-up: quiet native loggers, and the shared fixtures.

The fixtures live in :mod:`tests.fixtures` (loaded here as a plugin, so tests
ask for them by name instead of importing this file). Real-MediaPipe and
real-Keras tests are marked ``slow`` and still run in CI.
"""

from __future__ import annotations

import os

# Quiet native loggers of MediaPipe / TensorFlow in test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytest_plugins = ["tests.fixtures"]
