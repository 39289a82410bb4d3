"""Shared fixtures.

Fixtures build their own tiny data; nothing here reads ``../shared`` or the
network. Real-MediaPipe and real-Keras tests are marked ``slow`` and still run
in CI.
"""

from __future__ import annotations

import os

# Quiet native loggers of MediaPipe / TensorFlow in test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
