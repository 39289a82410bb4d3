"""What every figure shares: a pyplot-free matplotlib Figure.

Every ``plot_*`` function in :mod:`samm_pipeline.viz` returns a
:class:`matplotlib.figure.Figure` made here: no GUI backend, no global state,
never shown; save it with ``figure.savefig(path)`` or let Jupyter display it.
"""

from __future__ import annotations

from typing import Any


def new_figure(width: float, height: float) -> Any:
    """A constrained-layout :class:`~matplotlib.figure.Figure` of the size in inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")
