"""Read label tables (CSV, Excel): the header row found by its cells, columns by name.

Real label spreadsheets do not start with their header (SAMM has twelve rows
of notes first), spell columns differently (``Onset Frame``, ``OnsetFrame``)
and mix numbers and text in one column. So :func:`read_table` finds the header
by the column names it needs, in any sheet, and the ``cell_*`` helpers read a
cell the same way whether pandas gave a float, a string or ``NaN``.

Pure helpers: :func:`normalize_header`, :func:`find_header_row`,
:func:`is_blank`, :func:`cell_text`, :func:`cell_int`, :func:`cell_float`.
File reading: :func:`read_table`, returning a :class:`Table`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from samm_pipeline.errors import DataError

SPREADSHEET_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls")
"""Excel file suffixes :func:`read_table` reads (besides ``.csv``)."""


def normalize_header(cell: Any) -> str:
    """Return a header cell in the form used to compare column names.

    Case, spaces and underscores are ignored, so ``Onset Frame`` (SAMM) and
    ``OnsetFrame`` (CASME II) are the same column.

    Examples
    --------
    >>> normalize_header(" Onset Frame"), normalize_header("OnsetFrame")
    ('onsetframe', 'onsetframe')
    >>> normalize_header(float("nan"))
    ''
    """
    if is_blank(cell):
        return ""
    return re.sub(r"[\s_]+", "", str(cell)).casefold()


def find_header_row(
    rows: Iterable[Sequence[Any]], required: Iterable[str], *, max_rows: int = 100
) -> int | None:
    """Return the index of the first row holding every required column name.

    Parameters
    ----------
    rows
        Table rows (cells), e.g. a sheet read with ``header=None``.
    required
        Column names; compared with :func:`normalize_header`.
    max_rows
        Rows searched from the top.

    Returns
    -------
    int or None
        0-based row index, or ``None`` if no row in the first ``max_rows``
        holds them all.

    Examples
    --------
    >>> sheet = [["SAMM codes"], [], ["Subject", "Filename", "Onset Frame"], [6]]
    >>> find_header_row(sheet, ["subject", "onset frame"])
    2
    >>> find_header_row(sheet, ["Apex Frame"]) is None
    True
    """
    wanted = {normalize_header(name) for name in required}
    for index, row in enumerate(rows):
        if index >= max_rows:
            break
        if wanted <= {normalize_header(cell) for cell in row}:
            return index
    return None


def is_blank(value: Any) -> bool:
    """True for None, NaN and whitespace-only strings.

    >>> is_blank(None), is_blank(float("nan")), is_blank(" "), is_blank(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return str(value) in {"nan", "NaT", "<NA>"}


def cell_text(value: Any) -> str:
    """A cell as stripped text; integral floats lose their ``.0``.

    >>> cell_text(6.0), cell_text(" Anger "), cell_text(None)
    ('6', 'Anger', '')
    """
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_int(value: Any) -> int | None:
    """A cell as an integer, or ``None`` if it is blank or not a whole number.

    >>> cell_int(5562.0), cell_int(" 46 "), cell_int("-1"), cell_int("/")
    (5562, 46, -1, None)
    """
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([+-]?\d+)(?:\.0*)?\s*", value)
        return int(match.group(1)) if match else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def cell_float(value: Any) -> float | None:
    """A cell as a finite float, or ``None`` (blank, text, NaN, infinite)."""
    try:
        number = float(cell_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Table:
    """A spreadsheet's data rows with columns located by name."""

    name: str
    columns: dict[str, int]  # canonical key -> column position
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (1-based row number, cells)

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        """The value of column ``key`` in a row, ``None`` when the row lacks it."""
        position = self.columns.get(key)
        if position is None or position >= len(cells):
            return None
        return cells[position]


def read_table(path: Path, required: dict[str, str], optional: dict[str, str]) -> Table:
    """Read a CSV or Excel file and select columns by name.

    ``required`` and ``optional`` map a canonical key to a column name. The
    header row is found by its cells in any sheet (the first that has all
    required names); blank rows are skipped; row numbers are those a
    spreadsheet program shows.
    """
    import pandas as pd

    if not path.is_file():
        raise DataError(
            f"annotation file {path} does not exist; check the path "
            "(relative paths are tried from the working directory, then ROOT)"
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            sheet = pd.read_csv(
                path,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
            sheets = {"": sheet}
        elif suffix in SPREADSHEET_SUFFIXES:
            # keep_default_na=False: show "n/a" in messages as the sheet has it
            sheets = pd.read_excel(
                path, sheet_name=None, header=None, keep_default_na=False
            )
        else:
            raise DataError(
                f"annotation file {path} is not a .csv or .xlsx file; save it "
                "as one of those"
            )
    except DataError:
        raise
    except Exception as error:  # any parser failure means the same to a user
        raise DataError(
            f"cannot read spreadsheet {path} ({type(error).__name__}: {error}); "
            "check that it is a complete, valid .csv/.xlsx file (open and save "
            "it again)"
        ) from error

    best: list[Any] = []
    for sheet in sheets.values():
        rows = sheet.to_numpy(dtype=object).tolist()
        header = find_header_row(rows, required.values())
        if header is None:
            best = max([best, *rows[:100]], key=lambda row: _n_matching(row, required))
            continue
        names = [normalize_header(cell) for cell in rows[header]]
        columns = {
            key: names.index(normalize_header(name))
            for key, name in {**optional, **required}.items()
            if normalize_header(name) in names
        }
        data = tuple(
            (number + 1, tuple(row))
            for number, row in enumerate(rows)
            if number > header and not all(is_blank(cell) for cell in row)
        )
        return Table(name=path.name, columns=columns, rows=data)

    found = {normalize_header(cell) for cell in best}
    missing = [
        name for name in required.values() if normalize_header(name) not in found
    ]
    shown = ", ".join(cell_text(cell) for cell in best if not is_blank(cell))
    raise DataError(
        f"spreadsheet {path} has no header row with the column(s) "
        f"{', '.join(missing)} (closest header row: {shown or 'none'}); add or "
        "rename the columns"
    )


def _n_matching(row: Sequence[Any], columns: dict[str, str]) -> int:
    names = {normalize_header(cell) for cell in row}
    return sum(normalize_header(name) in names for name in columns.values())
