"""Run configuration: one frozen dataclass per stage, loaded from TOML.

A configuration file has one table per stage; every key is optional and
defaults to the reference algorithm's value (the README lists where the
product's defaults differ)::

    [extract]
    refine_landmarks = true

    [train]
    epochs = 100

Unknown tables or keys are rejected by name together with the allowed ones;
values of the wrong type or outside their range are rejected naming the range.
All problems in a file are collected and reported together, on one line.
CLI options override the file through :func:`apply_overrides`.

Each stage function receives only its own section (``config.extract``,
``config.align``...), never the whole tree and never a global.
"""

from samm_pipeline.config.loading import (
    apply_overrides,
    config_from_mapping,
    config_to_dict,
    config_to_toml,
    load_config,
    load_config_over,
)
from samm_pipeline.config.sections import (
    DEFAULT_SPOT_REGIONS,
    DEMO_FPS_RANGE,
    DEMO_SIZE_RANGE,
    SECTIONS,
    AlignConfig,
    AlignMethod,
    AugmentConfig,
    Backend,
    ClassWeight,
    Config,
    DatasetLayout,
    DemoConfig,
    DetectConfig,
    EvalProtocol,
    EvaluateConfig,
    ExtractConfig,
    HeadMotion,
    LabelScheme,
    Layout,
    LosoSelection,
    MissingFrames,
    OutputFormat,
    PathsConfig,
    SpotRegion,
    SpotSettings,
    ThresholdTuning,
    TrainConfig,
    TrainEngine,
    Widen,
    ZScore,
)

__all__ = [
    "DEFAULT_SPOT_REGIONS",
    "DEMO_FPS_RANGE",
    "DEMO_SIZE_RANGE",
    "SECTIONS",
    "AlignConfig",
    "AlignMethod",
    "AugmentConfig",
    "Backend",
    "ClassWeight",
    "Config",
    "DatasetLayout",
    "DemoConfig",
    "DetectConfig",
    "EvalProtocol",
    "EvaluateConfig",
    "ExtractConfig",
    "HeadMotion",
    "LabelScheme",
    "Layout",
    "LosoSelection",
    "MissingFrames",
    "OutputFormat",
    "PathsConfig",
    "SpotRegion",
    "SpotSettings",
    "ThresholdTuning",
    "TrainConfig",
    "TrainEngine",
    "Widen",
    "ZScore",
    "apply_overrides",
    "config_from_mapping",
    "config_to_dict",
    "config_to_toml",
    "load_config",
    "load_config_over",
]
