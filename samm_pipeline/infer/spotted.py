"""Spot then recognise: classify spotted intervals with a trained run.

:class:`SpottedRecogniser` is the
:class:`~samm_pipeline.spot.run.IntervalRecogniser` that ``spot --model RUN``
passes to :func:`~samm_pipeline.spot.run.run_spotting`: it reads a spotted
interval's frames from the store (only those chunks) and classifies them with
exactly the preprocessing the model was trained with, as ``predict`` does for
a clip. The interval stands for the clip: recognition models are trained on
onset-to-offset clips, and the spotted interval is the spotter's onset and
offset. An interval shorter than the model's training clips (their median
duration in seconds, from ``model.json``; at least ``[detect] min_frames``)
is widened to that length around its centre, within the video, exactly as
the streaming detector sizes its window (:func:`~samm_pipeline.infer.windows.
window_frames`): a 4-frame spotted interval is too short to classify, and
the model has only seen whole expressions.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from samm_pipeline.clip import Clip
from samm_pipeline.config import DetectConfig
from samm_pipeline.errors import DataError
from samm_pipeline.infer.trained import TrainedModel
from samm_pipeline.infer.windows import recognition_span, window_frames
from samm_pipeline.io.store import LandmarkStore
from samm_pipeline.spot.intervals import Interval

logger = logging.getLogger(__name__)

_CLIP_ATTRS = ("fps", "width", "height", "subject", "dataset")


class SpottedRecogniser:
    """Classify spotted intervals of store entries with a trained model.

    Parameters
    ----------
    trained
        From :func:`~samm_pipeline.infer.trained.load_trained`.
    config
        The ``[detect]`` settings: an interval shorter than the window they
        give (``window``, else the model's clip length; at least
        ``min_frames``) is widened to it, as the spot gate does.

    Examples
    --------
    ::

        recogniser = SpottedRecogniser(load_trained("runs/samm"))
        report = run_spotting("sammlv.zarr", "spotted/", recogniser=recogniser)
        print(report.recognition.strs)
    """

    def __init__(
        self, trained: TrainedModel, config: DetectConfig | None = None
    ) -> None:
        self.trained = trained
        self.config = config or DetectConfig()
        self.classes: tuple[str, ...] = tuple(trained.classes)
        self.n_failed = 0
        """Intervals that could not be classified (too few face frames)."""

    def __call__(self, store: LandmarkStore, key: str, interval: Interval) -> str:
        """The predicted class of frames ``interval.onset..offset`` of ``key``.

        Returns ``""`` when the frames cannot be classified (too few with a
        face), which scores as a wrong answer.

        Raises
        ------
        DataError
            The store's landmark count differs from the model's.
        """
        array = store.landmark_array(key)
        if array.shape[1] != self.trained.n_landmarks:
            raise DataError(
                f"store {store.path} has {array.shape[1]} landmarks but model "
                f"{self.trained.path} was trained on {self.trained.n_landmarks}; "
                "recognise with a model trained on the same refine_landmarks setting"
            )
        attrs: dict[str, Any] = {
            name: value
            for name, value in store.entry_attrs(key).items()
            if name in _CLIP_ATTRS
        }
        start, stop = recognition_span(
            interval,
            window_frames(self.trained, attrs.get("fps"), self.config),
            int(array.shape[0]),
        )
        window = np.asarray(array[start:stop], np.float32)
        attrs.update(onset=0, offset=len(window) - 1, n_frames=len(window))
        clip = Clip(f"{key}@{start}-{stop - 1}", window, attrs)
        try:
            probabilities = self.trained.predict_clip(clip)
        except DataError as error:
            self.n_failed += 1
            logger.debug("%s not classified: %s", clip.key, error)
            return ""
        return self.classes[int(np.argmax(probabilities))]
