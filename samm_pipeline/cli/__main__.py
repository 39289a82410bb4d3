"""``python -m samm_pipeline.cli``: the same as the ``samm-pipeline`` command."""

from samm_pipeline.cli import main

main()
