"""Fixtures of the figure tests: the store of figure_data, and a PNG renderer."""

from __future__ import annotations

import io

import pytest

from samm_pipeline.io.store import open_store
from tests.unit.viz.figure_data import (
    write_store,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return open_store(write_store(tmp_path_factory.mktemp("plots") / "s.zarr"))


def _render(figure) -> bytes:
    """PNG bytes of a figure (fails if it cannot be drawn)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


@pytest.fixture(scope="session")
def render():
    """``render(figure)``: PNG bytes of a figure (fails if it cannot be drawn)."""
    return _render
