"""The ``samm-pipeline`` command line: a thin shell over library functions.

Each command parses its options, loads the configuration (file, then CLI
overrides), calls one library function and prints a summary. A user error
(:class:`~samm_pipeline.errors.SammError`) prints one line and exits 1; click's
usage errors exit 2. Heavy modules are imported inside commands so that
``samm-pipeline --help`` stays fast and loads neither TensorFlow nor MediaPipe.

- :mod:`~samm_pipeline.cli.group`: the group, logging, configuration loading,
  shared options;
- :mod:`~samm_pipeline.cli.store_commands`: make-demo-data, extract, inspect,
  plot;
- :mod:`~samm_pipeline.cli.model_commands`: train, demo, predict, detect;
- :mod:`~samm_pipeline.cli.spot_commands`: spot;
- :mod:`~samm_pipeline.cli.demo_commands`: make-demo-videos.

Importing this package registers every command on :data:`cli`.
"""

from __future__ import annotations

from samm_pipeline.cli import (
    demo_commands,
    model_commands,
    spot_commands,
    store_commands,
)
from samm_pipeline.cli.group import cli

__all__ = [
    "cli",
    "demo_commands",
    "main",
    "model_commands",
    "spot_commands",
    "store_commands",
]


def main() -> None:
    """Entry point of the ``samm-pipeline`` console script."""
    cli(prog_name="samm-pipeline")
