"""List a dataset folder and locate its label file, without opening any file.

- :func:`visible_entries`: a folder's entries minus hidden ones, by name;
- :func:`find_spreadsheets`: the label spreadsheets a dataset root holds;
- :func:`resolve_annotations`: where a user-given annotations path points;
- :func:`frame_numbers`: the frame count and frame numbers of a frame folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.records import Problems
from samm_pipeline.io.datasets.tables import SPREADSHEET_SUFFIXES
from samm_pipeline.io.frames import frame_number, list_frame_files


def visible_entries(folder: Path) -> list[os.DirEntry[str]]:
    """Entries of ``folder`` not starting with ``.``, sorted by name."""
    with os.scandir(folder) as entries:
        return sorted(
            (entry for entry in entries if not entry.name.startswith(".")),
            key=lambda entry: entry.name,
        )


def find_spreadsheets(root: Path, prefix: str) -> list[Path]:
    """Spreadsheet files in ``root`` whose name starts with ``prefix`` (any case)."""
    return [
        Path(entry.path)
        for entry in visible_entries(root)
        if entry.name.casefold().startswith(prefix.casefold())
        and entry.name.lower().endswith(SPREADSHEET_SUFFIXES)
        and entry.is_file()
    ]


def resolve_annotations(path_text: str, root: Path) -> Path:
    """An annotations path: absolute, else from the CWD, else from ROOT."""
    path = Path(path_text).expanduser()
    if path.is_absolute() or path.exists() or not (root / path).exists():
        return Path(os.path.abspath(path))
    return root / path


def frame_numbers(
    folder: Path, item: str, problems: Problems
) -> tuple[int, list[int]] | None:
    """A frame folder's image count and sorted frame numbers.

    ``None`` when the folder cannot be listed, holds two frames with one
    number, or holds no image; the reason is then recorded as a problem of
    ``item`` (the folder's path relative to the dataset root).
    """
    try:
        files = list_frame_files(folder)
    except DataError as error:
        problems.add(item, str(error))
        return None
    if not files:
        problems.add(item, "folder holds no frame images; clip skipped")
        return None
    return len(files), [
        number for number in map(frame_number, files) if number is not None
    ]
