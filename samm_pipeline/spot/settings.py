"""The spotter's settings: the ``[spot]`` table of the run definition.

:class:`SpotSettings` is defined once, in
:mod:`samm_pipeline.config.sections` (the run definition owns every
section's defaults and ranges, and ``config`` may not import ``spot``); this
module re-exports it for the spotting code, with the region default and the
widening choice. Every time scale is in seconds, so one set of settings
serves 30 fps (CAS(ME)²) and 200 fps (SAMM Long Videos).
"""

from __future__ import annotations

from samm_pipeline.config.sections import DEFAULT_SPOT_REGIONS, SpotSettings, Widen

__all__ = ["DEFAULT_SPOT_REGIONS", "SpotSettings", "Widen"]
