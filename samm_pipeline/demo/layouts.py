"""Where a demo clip goes in each dataset layout, and the label sheet naming it.

The demo can write its clips as the licensed datasets are distributed, so that
a composite of "SAMM", "CASME II" and "SMIC" can be run end to end without
the licensed data (``make-demo-data --layout``):

``folders``
    ``ROOT/<class>/<subject>_<class>_<nn>.mp4`` (the demo's own layout).
``samm``
    ``ROOT/006/006_1_2/006_05562.jpg`` and ``SAMM_Micro_FACS_Codes_v2.xlsx``
    (description rows above the header), SAMM's class names, 200 fps.
``casme2``
    ``ROOT/sub01/EP02_01/img46.jpg`` and ``CASME2-coding-20140508.xlsx``,
    CASME II's class names, 200 fps.
``smic``
    ``ROOT/HS/s1/micro/negative/s1_ne_01/image586319.bmp``, no label file
    (the class is the folder), 100 fps; only onset..offset is written, as SMIC
    clips are cut to the micro-expression.

Each layout has its own class names; :attr:`DemoLayout.classes` says which
demo motion (:data:`~samm_pipeline.demo.actions.DEMO_CLASSES`) renders each,
chosen so that the MEGC 3-class map (negative, positive, surprise) groups the
same motions in every dataset: every negative class of the test composite is
the brow lowerer (AU4). Names, sheet columns and frame rates come from the
readers in :mod:`samm_pipeline.io.datasets`, so what is written here is what
they read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, get_args

from samm_pipeline.demo.actions import DEMO_CLASSES
from samm_pipeline.io.datasets.annotated import CASME2_LAYOUT, SAMM_LAYOUT
from samm_pipeline.io.datasets.smic import SMIC_CLASS_CODES, SMIC_FPS

DemoLayoutName = Literal["folders", "samm", "casme2", "smic"]
"""The layouts :func:`~samm_pipeline.demo.make_demo_dataset` can write."""

DEMO_LAYOUT_NAMES: Final[tuple[DemoLayoutName, ...]] = get_args(DemoLayoutName)


@dataclass(frozen=True)
class DemoLayout:
    """One dataset layout the demo writes.

    Attributes
    ----------
    name
        Layout name, as ``extract --layout`` spells it.
    title
        The dataset's name in messages.
    fps
        The dataset's frame rate: what its reader assumes, so the default.
    classes
        Dataset class name -> the demo motion rendered for it, in the order
        that numbers the clips (SAMM inducement code, CASME II ``EPnn``).
    sheet
        The label spreadsheet written in ROOT; empty for none.
    first_number
        Number in the name of a clip's first frame file.
    """

    name: DemoLayoutName
    title: str
    fps: float
    classes: Mapping[str, str]
    sheet: str
    first_number: int


DEMO_LAYOUTS: Final[dict[DemoLayoutName, DemoLayout]] = {
    "folders": DemoLayout(
        "folders", "class folders", 60.0, {name: name for name in DEMO_CLASSES}, "", 0
    ),
    "samm": DemoLayout(
        "samm",
        SAMM_LAYOUT.title,
        SAMM_LAYOUT.fps,
        {
            "Anger": "anger",
            "Contempt": "contempt",
            "Happiness": "happiness",
            "Other": "other",
            "Sadness": "sadness",
            "Surprise": "surprise",
        },
        SAMM_LAYOUT.preferred,
        5562,
    ),
    "casme2": DemoLayout(
        "casme2",
        CASME2_LAYOUT.title,
        CASME2_LAYOUT.fps,
        {
            "disgust": "anger",
            "happiness": "happiness",
            "others": "other",
            "repression": "contempt",
            "surprise": "surprise",
        },
        "CASME2-coding-20140508.xlsx",
        46,
    ),
    "smic": DemoLayout(
        "smic",
        "SMIC-HS",
        SMIC_FPS["HS"],
        {"negative": "anger", "positive": "happiness", "surprise": "surprise"},
        "",
        586319,
    ),
}
"""Every layout the demo writes, by name."""

SAMM_HEADER: Final = (
    "Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
    "Offset Frame", "Duration", "Action Units", "Estimated Emotion", "Notes",
)  # fmt: skip
"""Columns of the SAMM sheet the demo writes (those of the real one it can fill)."""

SAMM_DESCRIPTION: Final = (
    "SAMM Micro FACS Codes (synthetic demo data made by samm-pipeline)",
    "",
    "Subject: participant number; Filename: the clip folder",
    "Inducement Code: the stimulus; here the class's position",
    "Onset, Apex and Offset Frame: numbers in the frame file names",
    "Duration: offset - onset, in frames (200 fps)",
)
"""The rows above the SAMM header: the real sheet has notes there too."""

CASME2_HEADER: Final = (
    "Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame",
    "Action Units", "Estimated Emotion",
)  # fmt: skip
"""Columns of the CASME II coding sheet."""


@dataclass(frozen=True)
class ClipPlace:
    """Where one clip goes and what its reader will call it.

    Attributes
    ----------
    clip, subject
        The clip id and subject id the layout's reader gives.
    relative
        Path from ROOT: the video (``folders``) or the frame folder.
    frame_names
        File name of each rendered frame, ``None`` for one not written; empty
        for a video.
    first_kept
        Index of the first written frame among the rendered ones.
    sheet_cells
        The clip's row of the label sheet; empty without a sheet.
    """

    clip: str
    subject: str
    relative: str
    frame_names: tuple[str | None, ...]
    first_kept: int
    sheet_cells: tuple[object, ...]


def place_clip(
    layout: DemoLayout,
    subject_index: int,
    class_name: str,
    clip_index: int,
    timing: tuple[int, int, int, int],
    action_units: str,
) -> ClipPlace:
    """Name one clip, its folder, its frames and its sheet row in ``layout``.

    Parameters
    ----------
    layout
        The layout written.
    subject_index
        0-based pseudo-subject number.
    class_name
        The dataset's class name (a key of ``layout.classes``).
    clip_index
        1-based clip number within the subject and class.
    timing
        ``(onset, apex, offset, n_frames)`` of the rendered clip, 0-based.
    action_units
        What the sheet's ``Action Units`` cell says.

    Examples
    --------
    >>> timing = (3, 6, 9, 12)
    >>> place = place_clip(DEMO_LAYOUTS["samm"], 0, "Happiness", 2, timing, "AU12")
    >>> place.relative, place.frame_names[0], place.sheet_cells[3:6]
    ('006/006_3_2', '006_05562.jpg', (5565, 5568, 5571))
    >>> place = place_clip(DEMO_LAYOUTS["smic"], 0, "negative", 1, timing, "AU4")
    >>> place.relative, place.frame_names[2:4], place.first_kept
    ('HS/s1/micro/negative/s1_ne_01', (None, 'image586319.bmp'), 3)
    """
    onset, apex, offset, n_frames = timing
    position = list(layout.classes).index(class_name) + 1
    first = layout.first_number
    if layout.name == "samm":
        subject = f"{6 + subject_index:03d}"
        clip = f"{subject}_{position}_{clip_index}"
        names = tuple(f"{subject}_{first + i:05d}.jpg" for i in range(n_frames))
        cells: tuple[object, ...] = (
            subject, clip, position, first + onset, first + apex, first + offset,
            offset - onset, action_units, class_name, "synthetic demo clip",
        )  # fmt: skip
        return ClipPlace(clip, subject, f"{subject}/{clip}", names, 0, cells)
    if layout.name == "casme2":
        subject = f"sub{subject_index + 1:02d}"
        filename = f"EP{position:02d}_{clip_index:02d}"
        names = tuple(f"img{first + i}.jpg" for i in range(n_frames))
        cells = (
            f"{subject_index + 1:02d}", filename, first + onset, first + apex,
            first + offset, action_units, class_name,
        )  # fmt: skip
        relative = f"{subject}/{filename}"
        return ClipPlace(f"{subject}_{filename}", subject, relative, names, 0, cells)
    if layout.name == "smic":
        subject = f"s{subject_index + 1}"
        code = {name: code for code, name in SMIC_CLASS_CODES.items()}[class_name]
        clip = f"{subject}_{code}_{clip_index:02d}"
        kept = tuple(
            f"image{first + i - onset}.bmp" if onset <= i <= offset else None
            for i in range(n_frames)
        )
        relative = f"HS/{subject}/micro/{class_name}/{clip}"
        return ClipPlace(clip, subject, relative, kept, onset, ())
    subject = f"s{subject_index + 1:02d}"
    clip = f"{subject}_{class_name}_{clip_index:02d}"
    return ClipPlace(clip, subject, f"{class_name}/{clip}.mp4", (), 0, ())


def check_layout_classes(
    layout_name: object, classes: Sequence[str] | None
) -> list[str]:
    """Problems with a layout name and a class choice (empty when both are fine)."""
    layout = next((v for k, v in DEMO_LAYOUTS.items() if k == layout_name), None)
    if layout is None:
        names = ", ".join(DEMO_LAYOUT_NAMES)
        return [f"layout must be one of {names}, got {layout_name!r}"]
    if classes is None:
        return []
    unknown = [name for name in classes if name not in layout.classes]
    if unknown or not classes or len(set(classes)) != len(classes):
        given = ", ".join(classes) or "none"
        return [
            f"classes of the {layout.name} layout are one or more of "
            f"{', '.join(layout.classes)} (each once), got {given}"
        ]
    return []


def write_label_sheet(
    layout: DemoLayout, folder: Path, rows: Sequence[Sequence[object]]
) -> Path | None:
    """Write the layout's label spreadsheet into ``folder`` with openpyxl.

    ``rows`` are the clips' :attr:`ClipPlace.sheet_cells`. The SAMM sheet
    starts with description rows, as the real one does, so its reader has to
    find the header by its cells. Returns the path, or ``None`` for a layout
    without a sheet.
    """
    if not layout.sheet:
        return None
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if layout.name == "samm":
        sheet.title = "FACS_Movement_Only"
        for line in SAMM_DESCRIPTION:
            sheet.append([line] if line else [])
        sheet.append(list(SAMM_HEADER))
    else:
        sheet.title = "Sheet1"
        sheet.append(list(CASME2_HEADER))
    for cells in rows:
        sheet.append(list(cells))
    path = folder / layout.sheet
    workbook.save(path)
    return path
