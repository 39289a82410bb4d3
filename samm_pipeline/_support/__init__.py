"""Process-level helpers the stages share; no stage logic lives here.

- :mod:`~samm_pipeline._support.parallel`: tasks on loky processes, threads
  or a Dask cluster, with lost workers handled;
- :mod:`~samm_pipeline._support.native_logs`: silence what native libraries
  print to file descriptor 2;
- :mod:`~samm_pipeline._support.tensorflow`: TensorFlow's logs and threads,
  set before first use;
- :mod:`~samm_pipeline._support.faults`: crash points for the reliability
  tests;
- :mod:`~samm_pipeline._support.atomic`: output folders that appear whole or
  not at all;
- :mod:`~samm_pipeline._support.lazy`: names a package exports, imported on
  first use.

Imports: only ``config`` and ``errors`` from the package. This ``__init__``
imports nothing.
"""
