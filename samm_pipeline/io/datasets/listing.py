"""List a dataset folder and locate its label file, without opening any file.

- :func:`visible_entries`: a folder's entries minus hidden ones, by name;
- :func:`find_spreadsheets`, :func:`find_label_files`,
  :func:`choose_label_file`: the label files a dataset folder holds;
- :func:`subfolders`: a folder's sub-folders by case-folded name;
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
    return find_label_files(root, (prefix,), SPREADSHEET_SUFFIXES)


def find_label_files(
    folder: Path,
    prefixes: tuple[str, ...],
    suffixes: tuple[str, ...] = (*SPREADSHEET_SUFFIXES, ".csv"),
) -> list[Path]:
    """Files in ``folder`` named ``<prefix>*<suffix>`` for any of the prefixes
    and suffixes (case ignored), sorted by name."""
    return [
        Path(entry.path)
        for entry in visible_entries(folder)
        if entry.name.casefold().startswith(tuple(p.casefold() for p in prefixes))
        and entry.name.lower().endswith(suffixes)
        and entry.is_file()
    ]


def choose_label_file(candidates: list[Path], title: str, where: Path) -> Path | None:
    """The one label file among ``candidates``; ``None`` if there is none.

    Raises :class:`~samm_pipeline.errors.DataError` naming them when there are
    several.
    """
    if len(candidates) > 1:
        raise DataError(
            f"several {title} label files in {where} "
            f"({', '.join(path.name for path in candidates)}); choose one with "
            "[extract] annotations (--annotations)"
        )
    return candidates[0] if candidates else None


def subfolders(folder: Path) -> dict[str, Path]:
    """Visible sub-folders of ``folder`` by case-folded name (first one wins)."""
    found: dict[str, Path] = {}
    for entry in visible_entries(folder):
        if entry.is_dir():
            found.setdefault(entry.name.casefold(), Path(entry.path))
    return found


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


def locate_label_file(
    annotations: str,
    root: Path,
    places: list[Path],
    prefixes: tuple[str, ...],
    title: str,
    missing: str,
    suffixes: tuple[str, ...] = (*SPREADSHEET_SUFFIXES, ".csv"),
) -> Path:
    """``annotations`` (resolved from ROOT), else the one label file named
    ``prefixes*`` in the first of ``places`` that has one.

    Raises :class:`~samm_pipeline.errors.DataError` with ``missing`` (the
    one-line reason and fix) when no place has one, or naming the files when
    a place has several.
    """
    if annotations:
        return resolve_annotations(annotations, root)
    for folder in places:
        candidates = find_label_files(folder, prefixes, suffixes)
        path = choose_label_file(candidates, title, folder)
        if path is not None:
            return path
    raise DataError(missing)
