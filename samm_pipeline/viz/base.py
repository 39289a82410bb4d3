"""What every figure shares: a pyplot-free matplotlib Figure.

Every ``plot_*`` function in :mod:`samm_pipeline.viz` returns a
:class:`matplotlib.figure.Figure` made here: no GUI backend, no global state,
never shown; save it with ``figure.savefig(path)`` or let Jupyter display it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def new_figure(width: float, height: float) -> Any:
    """A constrained-layout :class:`~matplotlib.figure.Figure` of the size in inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def show_figure(figure: Any, save_to: Path | None = None, *, dpi: int = 90) -> None:
    """Display a figure in Jupyter, and save it as a PNG when ``save_to`` is given.

    The figure is shown as a PNG image, so no matplotlib backend has to be
    set up in the kernel; in plain Python (no IPython kernel) nothing is
    displayed. The notebooks in ``pipeline/notebooks`` use it.
    """
    if save_to is not None:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(save_to, dpi=dpi)
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # plain Python: nothing to display
        return
    if get_ipython() is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        display(Image(buffer.getvalue()))
