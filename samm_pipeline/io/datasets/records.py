"""What discovery returns, and what a labelled layout must provide.

- :class:`ClipRecord`: one clip found on disk, with its labels;
- :class:`DiscoveryProblem`: something skipped or unusable, with a reason;
- :class:`Discovery`: the result of
  :func:`~samm_pipeline.io.datasets.discover_clips`;
- :class:`Problems`: the list the layout modules append problems to;
- :class:`LayoutReader`: the contract of a labelled layout (SAMM, CASME II),
  so that :mod:`samm_pipeline.io.datasets` can detect and read it without
  knowing how.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from samm_pipeline.config import DatasetLayout


class AnnotatedInterval(NamedTuple):
    """One annotated expression of a long video: 0-based inclusive frame
    indices into the video's frames, its type (``"micro"``/``"macro"``) and
    its emotion (``label``; empty when the dataset gives none)."""

    onset: int
    apex: int | None
    offset: int
    type: Literal["micro", "macro"]
    label: str = ""


@dataclass(frozen=True)
class ClipRecord:
    """One clip found on disk, with what the dataset says about it.

    Attributes
    ----------
    class_name
        Label as the dataset spells it (SAMM ``Anger``, CASME II
        ``happiness``, or the class folder's name).
    clip
        Clip id, unique within the dataset (SAMM ``006_1_2``, CASME II
        ``sub01_EP02_01f``, or the file stem / folder name).
    source
        Absolute path of the video file or the frame-image folder.
    kind
        ``"video"`` or ``"frames"``.
    dataset
        Layout the clip was found in.
    root
        Dataset root; the store records ``source`` relative to it.
    subject
        Subject id (``""`` when unknown).
    fps
        Frame rate given by the dataset, annotations or the caller; ``None``
        means: take it from the video container (or the extractor's default).
    onset, apex, offset
        0-based indices into the clip's frames (for frame folders, into
        :func:`~samm_pipeline.io.frames.list_frame_files` order; with a
        ``window``, into the window's frames); ``None`` when unknown or
        invalid.
    window
        ``(first, last)``: the clip is only these 0-based frames of
        ``source`` and those between (CAS(ME)^3 part A, where many
        micro-expressions share one long recording); ``None``: all of them.
    intervals
        A long video's annotated expressions (SAMM Long Videos, CAS(ME)²),
        possibly none; ``None`` for a clip (not a long video). Extraction
        writes them into the entry's ``intervals`` attribute.
    """

    class_name: str
    clip: str
    source: Path
    kind: Literal["video", "frames"]
    dataset: DatasetLayout
    root: Path
    subject: str = ""
    fps: float | None = None
    onset: int | None = None
    apex: int | None = None
    offset: int | None = None
    window: tuple[int, int] | None = None
    intervals: tuple[AnnotatedInterval, ...] | None = None

    @property
    def key(self) -> str:
        """Store key ``<class>/<clip>``."""
        return f"{self.class_name}/{self.clip}"

    @property
    def relative_source(self) -> str:
        """``source`` relative to ``root`` as a POSIX path (``006/006_1_2``)."""
        try:
            return self.source.relative_to(self.root).as_posix()
        except ValueError:
            return self.source.as_posix()


@dataclass(frozen=True)
class DiscoveryProblem:
    """Something discovery skipped or could not use.

    Attributes
    ----------
    item
        What it is about: a path relative to the root (``006/006_1_7``) or a
        spreadsheet row (``row 14 of SAMM_Micro_FACS_Codes_v2.xlsx``).
    reason
        One line: what is wrong and what to do.
    """

    item: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """Result of :func:`~samm_pipeline.io.datasets.discover_clips`.

    The clips are sorted by key; the problems are in discovery order.
    """

    layout: DatasetLayout
    root: Path
    clips: tuple[ClipRecord, ...]
    problems: tuple[DiscoveryProblem, ...]


class Problems(list[DiscoveryProblem]):
    """Problems met so far, in discovery order."""

    def add(self, item: str, reason: str) -> None:
        """Record that ``item`` (a clip, row or file) was skipped, and why."""
        self.append(DiscoveryProblem(item, reason))


class LayoutReader(Protocol):
    """A labelled dataset layout: how to recognise it and how to read it.

    :func:`~samm_pipeline.io.datasets.detect_layout` asks every registered
    reader ``has_label_file`` first, then ``has_folder_shape``;
    :func:`~samm_pipeline.io.datasets.discover_clips` calls ``discover`` of the
    reader whose ``dataset`` was chosen.

    Notes
    -----
    Label files come first because they name their dataset; folder shapes are
    only a guess for a root whose spreadsheet was moved elsewhere.
    """

    @property
    def dataset(self) -> DatasetLayout:
        """The layout's name, one of :data:`samm_pipeline.config.DatasetLayout`."""
        ...

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds this dataset's label file."""
        ...

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root``'s folders are named as in this dataset."""
        ...

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """The clips under ``root``; problems of single clips or rows are added
        to ``problems``; raises :class:`~samm_pipeline.errors.DataError` when
        nothing sensible can be discovered."""
        ...
