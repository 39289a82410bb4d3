"""Demo long videos for spotting, written as SAMM Long Videos is distributed.

:func:`make_demo_long_videos` writes ``ROOT/SAMM_longvideos/006_1/006_1_0001.jpg``
frame folders (one pseudo-subject, one face, per video) and
``ROOT/SAMM_LongVideos_V1_Release.xlsx`` (description rows above the header
``Subject | Filename | Inducement Code | Onset | Apex | Offset | Duration |
Type | Action Units | Notes | Estimated Emotion``, frame numbers from 1,
``Type`` ``Micro - 1/2`` or ``Macro``; the last column, which the SAMM-LV
release does not have, names the demo class of each expression, for spot
then recognise), so that ``extract --layout samm_lv`` reads them as SAMM-LV.
It also writes ``events.csv`` (every planted event, distractors included,
0-based frames) and ``longvideos.toml`` (``[extract] layout = "samm_lv"`` and
the frame rate, since the ``samm_lv`` reader assumes SAMM-LV's 200 fps).

What a video holds (:func:`plan_events`, times drawn in seconds):

- micro-expressions: 0.2-0.5 s, one of the demo's action units (brows or lip
  corners) at the demo's micro amplitude (about 2-5 px at 512 px);
- macro-expressions: 1-3 s, the same action units at 2.5-4 times that;
- distractors, never annotated: blinks (both upper lids close, 0.12-0.2 s,
  every 2.5-6 s), speech-like mouth motion (the lower lip opening and
  closing at 3-5 Hz for 1-2.5 s, about a micro-expression's amplitude), and a
  slow head drift and rotation over the whole video (a few pixels, 1-3
  degrees, periods of 8-25 s).

Expressions sit one per equal slot of the video, at least 0.5 s from a
slot's ends; blinks and speech keep 0.3 s away from every expression, so an
annotated interval holds only its own expression.

Randomness flows from one :class:`numpy.random.SeedSequence`: one child per
video, so a seed gives byte-identical frames and events.csv (and the same
sheet cells; openpyxl stamps the save time) whatever the thread order.
"""

from __future__ import annotations

import csv
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np

from samm_pipeline import landmarks as lm
from samm_pipeline._support.atomic import check_output_folder, staged_folder
from samm_pipeline.demo.actions import CLASS_ACTIONS, Action, action_field
from samm_pipeline.demo.faces import REFERENCE_SIZE, Subject, base_faces, draw_subject
from samm_pipeline.demo.longvideo_events import (
    EventKind,
    PlantedEvent,
    event_strength,
    head_motion,
    plan_events,
)
from samm_pipeline.errors import DataError

LONG_VIDEO_FPS: Final = 30.0
"""Default frame rate (CAS(ME)²'s; SAMM-LV's 200 fps would be 6.7x the frames)."""

SHEET_NAME: Final = "SAMM_LongVideos_V1_Release.xlsx"
EVENTS_CSV: Final = "events.csv"
CONFIG_NAME: Final = "longvideos.toml"
SHEET_HEADER: Final = (
    "Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
    "Duration", "Type", "Action Units", "Notes", "Estimated Emotion",
)  # fmt: skip
SHEET_TYPES: Final = {"micro": "Micro - 1/2", "macro": "Macro"}
EVENT_COLUMNS: Final = (
    "video", "kind", "onset", "apex", "offset", "action_units", "amplitude_px",
    "emotion",
)  # fmt: skip
"""Columns of ``events.csv``: 0-based inclusive frames; ``amplitude_px`` is the
largest displacement at the apex in output pixels; ``emotion`` the demo class
of an expression (empty for a distractor)."""

_BLINK: Final = Action(
    "AU45", tuple((index, 0.0, -1.0) for index in (158, 159, 160, 385, 386, 387)), 0.05
)
_SPEECH: Final = Action(
    "speech", ((14, 0.0, -1.0), (17, 0.0, -1.0), (87, 0.0, -1.0), (317, 0.0, -1.0)), 0.1
)


@dataclass(frozen=True)
class LongVideoDataset:
    """What :func:`make_demo_long_videos` wrote.

    ``videos`` maps each video id (``006_1``) to its frame count and planted
    events (annotated and distractors), in onset order.
    """

    root: Path
    sheet_path: Path
    events_path: Path
    config_path: Path
    videos: dict[str, tuple[int, tuple[PlantedEvent, ...]]]
    fps: float
    size: int
    seed: int

    @property
    def n_frames_total(self) -> int:
        """Frames over all videos."""
        return sum(n_frames for n_frames, _ in self.videos.values())

    def count(self, kind: EventKind) -> int:
        """Events of one kind over all videos."""
        return sum(
            event.kind == kind for _, events in self.videos.values() for event in events
        )


def write_long_video(
    folder: Path,
    video: str,
    subject: Subject,
    n_frames: int,
    events: list[PlantedEvent],
    size: int,
    fps: float,
    rng: np.random.Generator,
) -> list[PlantedEvent]:
    """Render one long video into ``folder`` as ``<video>_0001.jpg`` ...

    Parameters
    ----------
    folder
        The video's frame folder (created; its parent must exist).
    video
        The video id, the frame names' prefix (``006_1``).
    subject
        The pseudo-subject: base face, pose, lighting and noise level.
    n_frames
        Frames to write, numbered from 1 as SAMM-LV's are.
    events
        The planned events (:func:`~samm_pipeline.demo.longvideo_events.plan_events`).
    size
        Square frame size in pixels.
    fps
        Frame rate (the speech rate and head motion are in seconds).
    rng
        The video's generator: blink depths, head motion, then each frame's
        sensor noise, in that order.

    Returns
    -------
    list of PlantedEvent
        ``events`` with each blink's amplitude (0.7-0.9 of the face's eye
        opening) filled in.

    Raises
    ------
    DataError
        OpenCV cannot write a frame.

    Notes
    -----
    Every frame is two OpenCV calls: the face's map (similarity transform of
    the photo plus the active events' warps) is moved by the head motion with
    ``warpAffine``, then the photo is sampled through it with ``remap``; the
    warps therefore ride with the head.
    """
    import cv2
    from scipy.special import ndtri

    face = subject.face
    centre = face.points[list(lm.FACE_OVAL)].mean(axis=0)
    cheek_width = float(np.hypot(*(face.points[454] - face.points[234])))
    scale = subject.face_width * size / cheek_width
    target = size * (0.5 + np.asarray(subject.offset))
    cos, sin = (
        np.cos(np.radians(subject.angle_deg)),
        np.sin(np.radians(subject.angle_deg)),
    )
    linear = scale * np.array([[cos, -sin], [sin, cos]])
    to_output = np.hstack([linear, (target - linear @ centre)[:, None]])
    points = face.points @ to_output[:, :2].T + to_output[:, 2]
    eye_opening = float(
        np.mean(
            [
                np.hypot(
                    *(points[lm.UPPER_EYELID_RIGHT] - points[lm.LOWER_EYELID_RIGHT])
                ),
                np.hypot(
                    *(points[lm.UPPER_EYELID_LEFT] - points[lm.LOWER_EYELID_LEFT])
                ),
            ]
        )
    )
    to_source = cv2.invertAffineTransform(to_output).astype(np.float32)
    axis = np.arange(size, dtype=np.float32)
    base_map = np.empty((size, size, 2), dtype=np.float32)
    base_map[..., 0] = axis[None, :] * to_source[0, 0] + axis[:, None] * to_source[0, 1]
    base_map[..., 1] = axis[None, :] * to_source[1, 0] + axis[:, None] * to_source[1, 1]
    base_map += to_source[:, 2]
    gain = subject.contrast * np.asarray(subject.colour_gain[::-1], dtype=np.float32)
    shift = subject.brightness + 128.0 * (1 - subject.contrast)
    source = np.clip(face.image[..., ::-1] * gain + shift + 0.5, 0, 255).astype(
        np.uint8
    )
    planted, parts = [], []
    for event in events:
        if event.kind == "blink":
            event = replace(event, amplitude_px=eye_opening * rng.uniform(0.7, 0.9))
        actions = {
            "blink": (_BLINK,),
            "speech": (_SPEECH,),
        }.get(event.kind) or next(
            actions
            for actions in CLASS_ACTIONS.values()
            if "+".join(action.name for action in actions) == event.action_units
        )
        field, window = action_field(actions, points, event.amplitude_px, size)
        planted.append(event)
        parts.append(
            (
                event_strength(event, n_frames, fps),
                window,
                -(field @ to_source[:, :2].T),
            )
        )
    motion = head_motion(rng, n_frames, fps, size, target)
    levels = ndtri((np.arange(256) + 0.5) / 256)
    noise_table = np.round(subject.noise_sigma * levels).astype(np.int16)
    folder.mkdir(parents=True)
    for index in range(n_frames):
        frame_map = base_map
        active = [part for part in parts if part[0][index] > 0]
        if active:
            frame_map = base_map.copy()
            for strength, (rows, cols), field_map in active:
                frame_map[rows, cols] += strength[index] * field_map
        moved = cv2.warpAffine(
            frame_map, motion[index], (size, size), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        frame = cv2.remap(
            source, moved, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        noise_bytes = np.frombuffer(rng.bytes(frame.size), dtype=np.uint8)
        noise = cv2.LUT(noise_bytes.reshape(frame.shape), noise_table)
        path = folder / f"{video}_{index + 1:04d}.jpg"
        if not cv2.imwrite(str(path), cv2.add(frame, noise, dtype=cv2.CV_8U)):
            raise DataError(f"OpenCV cannot write the frame image {path}")
    return planted


def _sheet_rows(
    subject_number: int, video: str, events: list[PlantedEvent]
) -> list[list[object]]:
    """The SAMM-LV sheet rows of one video's expressions (frame numbers from 1)."""
    expressions = [event for event in events if event.kind in SHEET_TYPES]
    return [
        [
            subject_number,
            f"{video}_{number}",
            1,
            event.onset + 1,
            event.apex + 1,
            event.offset + 1,
            event.offset - event.onset + 1,
            SHEET_TYPES[event.kind],
            event.action_units,
            "synthetic demo long video",
            event.emotion,
        ]
        for number, event in enumerate(expressions, start=1)
    ]


def _write_sheet(path: Path, rows: list[list[object]], fps: float) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "FACS_Movement_Only"
    for line in (
        "SAMM Long Videos (synthetic demo data made by samm-pipeline)",
        "",
        "Onset, Apex and Offset: numbers in the frame file names (from 1)",
        f"Duration: offset - onset + 1, in frames ({fps:g} fps)",
        "",
    ):
        sheet.append([line] if line else [])
    sheet.append(list(SHEET_HEADER))
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def make_demo_long_videos(
    out_dir: str | os.PathLike[str],
    *,
    n_videos: int = 5,
    seconds: float = 30.0,
    n_micro: int = 3,
    n_macro: int = 2,
    fps: float = LONG_VIDEO_FPS,
    size: int = 320,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
) -> LongVideoDataset:
    """Render demo long videos in the SAMM Long Videos layout (module notes).

    Parameters
    ----------
    out_dir
        Output folder; it must not exist or be empty unless ``overwrite``.
    n_videos
        Videos, one pseudo-subject each (``006_1``, ``007_1``, ...); faces
        cycle through the demo's 4 base faces.
    seconds
        Length of every video.
    n_micro, n_macro
        Annotated micro- and macro-expressions per video (about 4 s each).
    fps
        Frame rate; write it into ``[extract] fps`` when extracting (the
        ``longvideos.toml`` written beside the sheet does).
    size
        Square frame size in pixels (even, 128-1024); amplitudes scale with it.
    seed
        Seed (>= 0); the same seed gives the same files.
    overwrite
        Replace a non-empty ``out_dir``.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    LongVideoDataset

    Raises
    ------
    ValueError
        An argument is out of range (all of them listed).
    OutputExistsError
        ``out_dir`` is a file, or a non-empty folder and ``overwrite`` is false.
    """
    from tqdm import tqdm

    problems = []
    if not 1 <= n_videos <= 994:
        problems.append(f"n_videos must be 1 to 994, got {n_videos!r}")
    if not 0 <= n_micro and 0 <= n_macro:
        problems.append("n_micro and n_macro must be >= 0")
    if not 5.0 <= fps <= 1000.0:
        problems.append(f"fps must be 5 to 1000, got {fps!r}")
    if not (128 <= size <= 1024 and size % 2 == 0):
        problems.append(f"size must be an even number from 128 to 1024, got {size!r}")
    if seed < 0:
        problems.append(f"seed must be >= 0, got {seed!r}")
    n_frames = round(seconds * fps)
    if (n_micro + n_macro) * 4.2 > seconds or n_frames > 9999:
        problems.append(
            f"seconds must give 4.2 s per expression ({n_micro + n_macro}) and at "
            f"most 9999 frames, got {seconds!r}"
        )
    if problems:
        raise ValueError("; ".join(problems))
    out_dir = Path(out_dir).expanduser().absolute()
    check_output_folder(out_dir, overwrite=overwrite, option="output folder")
    faces = base_faces()
    jobs = []
    for index, video_seed in enumerate(np.random.SeedSequence(seed).spawn(n_videos)):
        style_seed, plan_seed, render_seed = video_seed.spawn(3)
        subject = draw_subject(
            index, faces[index % len(faces)], np.random.default_rng(style_seed)
        )
        amplitude = subject.amplitude_px * size / REFERENCE_SIZE
        events = plan_events(
            np.random.default_rng(plan_seed), n_frames, fps, n_micro, n_macro, amplitude
        )
        jobs.append((6 + index, subject, events, np.random.default_rng(render_seed)))
    videos: dict[str, tuple[int, tuple[PlantedEvent, ...]]] = {}
    with staged_folder(out_dir) as staging:
        base = staging / "SAMM_longvideos"

        def render(job: tuple) -> tuple[str, list[PlantedEvent]]:
            number, subject, events, rng = job
            video = f"{number:03d}_1"
            return video, write_long_video(
                base / video, video, subject, n_frames, events, size, fps, rng
            )

        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS, Windows
            workers = os.cpu_count() or 1
        with ThreadPoolExecutor(max_workers=max(1, min(4, workers))) as pool:
            done = list(
                tqdm(
                    pool.map(render, jobs),
                    total=len(jobs),
                    desc="demo long videos",
                    unit="video",
                    file=sys.stderr,
                    disable=not progress,
                )
            )
        rows = []
        with (staging / EVENTS_CSV).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(EVENT_COLUMNS)
            for (number, *_), (video, events) in zip(jobs, done, strict=True):
                videos[video] = (n_frames, tuple(events))
                rows += _sheet_rows(number, video, events)
                writer.writerows(
                    [video, event.kind, event.onset, event.apex, event.offset,
                     event.action_units, f"{event.amplitude_px:.3f}",
                     event.emotion]
                    for event in events
                )  # fmt: skip
        _write_sheet(staging / SHEET_NAME, rows, fps)
        (staging / CONFIG_NAME).write_text(
            "# samm-pipeline --config longvideos.toml extract DATA --store S\n"
            f'[extract]\nlayout = "samm_lv"\nfps = {float(fps)!r}\n',
            encoding="utf-8",
        )
    return LongVideoDataset(
        root=out_dir,
        sheet_path=out_dir / SHEET_NAME,
        events_path=out_dir / EVENTS_CSV,
        config_path=out_dir / CONFIG_NAME,
        videos=videos,
        fps=float(fps),
        size=int(size),
        seed=int(seed),
    )
