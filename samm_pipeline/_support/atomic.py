"""Output folders that appear whole or not at all.

Commands that write a folder (``train --output``, ``make-demo-data OUT``) build
it in a hidden sibling and rename it into place when complete, so a crash
never leaves a half-written folder under the requested name. This module owns
that rule: the refusal of a file or a non-empty folder, the staging sibling,
and the swap with rollback.

Sibling names (the run-folder reader in :mod:`samm_pipeline.io.runs` recognises
them): ``.NAME.partial-*`` while a folder is being written, and
``.NAME.replaced-*/NAME`` for the previous folder during the swap.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from samm_pipeline.errors import OutputExistsError

PARTIAL_INFIX = ".partial-"
"""Staging siblings are named ``.NAME.partial-XXXX``."""

REPLACED_INFIX = ".replaced-"
"""During a swap the old folder waits in ``.NAME.replaced-XXXX/NAME``."""


def check_output_folder(
    folder: Path, *, overwrite: bool, option: str = "--output"
) -> None:
    """Refuse a file, or a non-empty folder unless ``overwrite``.

    Parameters
    ----------
    folder
        Where the output will go.
    overwrite
        Allow replacing a non-empty folder.
    option
        How the user named the folder (for the message).

    Raises
    ------
    OutputExistsError
        ``folder`` is a file, or a non-empty folder without ``overwrite``.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(
            f"{option} {folder} is a file, not a folder; choose another {option}"
        )
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"output folder {folder} is not empty; pass --overwrite to replace it "
            f"or choose another {option}"
        )


def swap_into_place(staging: Path, output: Path) -> None:
    """Rename the finished ``staging`` folder to ``output``, keeping the old
    folder until the new one is in place.

    Parameters
    ----------
    staging
        The complete new folder (a sibling of ``output``).
    output
        Where it goes; an existing folder there is replaced.

    Notes
    -----
    Both steps are renames within one folder, so at every instant ``output``
    is the old complete folder, the new one, or (between the two renames only)
    absent with both complete beside it; it is never a mix. If the second
    rename fails and nothing has taken ``output``'s place, the old folder is
    renamed back. The old folder is deleted only once the new one is in place
    or the old one is back; otherwise it stays in ``.NAME.replaced-*/NAME``,
    where the run-folder check (:func:`samm_pipeline.io.runs.check_output`)
    points to it, so an interrupted swap never loses both.
    """
    if not output.exists():
        os.replace(staging, output)
        return
    aside = Path(
        tempfile.mkdtemp(prefix=f".{output.name}{REPLACED_INFIX}", dir=output.parent)
    )
    os.replace(output, aside / output.name)
    try:
        os.replace(staging, output)
    except BaseException:
        if not output.exists():
            # Put the old folder back; if even that fails it stays aside, and
            # the original error (or interrupt) is what the caller sees.
            with contextlib.suppress(OSError):
                os.replace(aside / output.name, output)
        if not (aside / output.name).exists():
            shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def staged_folder(output: Path, *, marker: str | None = None) -> Iterator[Path]:
    """Yield an empty staging sibling of ``output``; swap it into place on success.

    Parameters
    ----------
    output
        The folder to create or replace.
    marker
        A file name written into the staging folder first and removed just
        before the swap, so a folder left by a crash says it is incomplete.

    Notes
    -----
    On any exception (including ``KeyboardInterrupt``) the staging folder is
    deleted and ``output`` is left as it was.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{output.name}{PARTIAL_INFIX}", dir=output.parent)
    )
    try:
        if marker:
            (staging / marker).write_text(
                "This folder was interrupted before it was complete.\n",
                encoding="utf-8",
            )
        yield staging
        if marker:
            (staging / marker).unlink()
        swap_into_place(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
