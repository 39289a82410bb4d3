"""Configuration: defaults, TOML loading, validation and round trips."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.config import (
    SECTIONS,
    Config,
    apply_overrides,
    config_from_mapping,
    config_to_dict,
    config_to_toml,
    load_config,
)
from samm_pipeline.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"


def test_defaults_are_the_reference_values() -> None:
    config = Config()
    assert config.align.target_length == 20
    assert config.train.batch_size == 2
    assert config.train.epochs == 100
    assert config.augment.aug_times == 5
    assert config.extract.refine_landmarks is True
    assert config.extract.min_detection_confidence == 0.5
    assert config.detect.min_frames == 10
    assert config.align.min_detected_frames == 5
    assert config.train.learning_rate == 1e-4
    assert config.train.early_stopping_patience == 5
    assert (config.train.reduce_lr_factor, config.train.reduce_lr_patience) == (0.5, 3)
    assert config.augment.noise_sigma == 0.03
    assert config.augment.warp_sigma == 0.1
    assert config.augment.warp_probability == 0.5


def test_sections_are_frozen() -> None:
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.train.epochs = 3  # type: ignore[misc]


def test_missing_path_means_defaults() -> None:
    assert load_config(None) == Config()


@pytest.mark.parametrize("name", ["samm.toml", "casme2.toml", "demo.toml"])
def test_shipped_run_definitions_load(name: str) -> None:
    config = load_config(PIPELINE / name)
    assert config.paths.store.endswith(".zarr")
    assert config.evaluate.protocol == "loso"


def test_file_values_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('[train]\nepochs = 7\nclasses = ["a", "b"]\n[align]\nradius = 3\n')
    config = load_config(path)
    assert config.train.epochs == 7
    assert config.train.classes == ("a", "b")
    assert config.align.radius == 3
    assert config.train.batch_size == 2  # untouched default


def test_unknown_key_is_named_with_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[train]\nepoch = 7\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "unknown key 'epoch' in [train]" in message
    assert "epochs" in message and "batch_size" in message
    assert str(path) in message


def test_unknown_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[trian]\nepochs = 7\n")
    with pytest.raises(ConfigError, match=r"unknown section \[trian\].*train"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[train]\nepochs = 0\n", r"epochs must be >= 1 and <= 100000, got 0"),
        ("[train]\nlearning_rate = 0.0\n", r"learning_rate must be > 0"),
        ("[extract]\nmin_detection_confidence = 1.5\n", r">= 0 and <= 1, got 1.5"),
        ("[augment]\nflip_probability = -0.1\n", r"flip_probability must be >= 0"),
        ("[align]\nlandmarks = [1, 478]\n", r"landmarks must be .*<= 477, got 478"),
        ("[train]\nepochs = 'ten'\n", r"epochs must be an integer, got 'ten'"),
        ("[train]\nepochs = 1.5\n", r"epochs must be an integer"),
        ("[extract]\nrefine_landmarks = 1\n", r"must be true or false"),
        (
            "[evaluate]\nprotocol = 'kfold'\n",
            r"protocol must be one of 'holdout', 'loso'",
        ),
        ("[align]\nlandmarks = 'all'\n", r"landmarks must be a list of integers"),
        ("train = 3\n", r"'train' must be a table"),
        ("[train]\nlabels = 'custom'\n", r"needs a \[train.label_map\] table"),
        (
            "[detect]\nwindow = 5\nmin_frames = 10\n",
            r"min_frames \(10\) must be <= window",
        ),
    ],
)
def test_bad_values_are_rejected_with_the_range(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(path)
    assert "\n" not in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[train]\nepochs = 0\nfoo = 1\n[align]\nradius = -1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "epochs" in message and "'foo'" in message and "radius" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[train\nepochs = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_bytes(b"[train]\n# \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_overrides_apply_and_validate() -> None:
    config = apply_overrides(Config(), {"train.epochs": 3, "demo.seed": None})
    assert config.train.epochs == 3
    assert config.demo.seed == Config().demo.seed
    with pytest.raises(
        ConfigError, match=r"command-line options: .*epochs must be >= 1"
    ):
        apply_overrides(Config(), {"train.epochs": 0})


def test_overrides_without_values_return_the_same_object() -> None:
    config = Config()
    assert apply_overrides(config, {"train.epochs": None}) is config


def test_toml_output_loads_back_equal() -> None:
    config = apply_overrides(
        Config(),
        {
            "train.classes": ("Happiness", "Ängst"),
            "train.labels": "custom",
            "train.label_map": {"Anger": "negative", 'quo"te': "x\\y"},
            "align.landmarks": (1, 2, 3),
        },
    )
    text = config_to_toml(config)
    assert config_from_mapping(tomllib.loads(text)) == config


_SCALARS = {
    "extract.min_detection_confidence": st.floats(0, 1),
    "align.target_length": st.integers(2, 10_000),
    "align.radius": st.integers(1, 1000),
    "augment.noise_sigma": st.floats(0, 10),
    "train.epochs": st.integers(1, 100_000),
    "train.seed": st.integers(0, 2**32 - 1),
    "train.classes": st.lists(st.text(min_size=1, max_size=8)).map(tuple),
    "paths.store": st.text(max_size=20),
    "evaluate.protocol": st.sampled_from(["holdout", "loso"]),
}


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({}, optional=_SCALARS))
def test_any_valid_config_round_trips_through_toml(overrides: dict) -> None:
    config = apply_overrides(Config(), overrides)
    assert config_from_mapping(tomllib.loads(config_to_toml(config))) == config


def test_every_key_is_documented() -> None:
    for section, cls in SECTIONS.items():
        for item in dataclasses.fields(cls):
            assert item.metadata.get("doc"), f"[{section}] {item.name} has no doc"
    assert set(config_to_dict(Config())) == set(SECTIONS)


@pytest.mark.parametrize("section", ["extract", "evaluate"])
def test_backend_and_scheduler_keys(section: str) -> None:
    config = config_from_mapping(
        {section: {"backend": "dask", "scheduler": "tcp://10.0.0.5:8786"}}
    )
    assert getattr(config, section).backend == "dask"
    assert getattr(config, section).scheduler == "tcp://10.0.0.5:8786"
    assert getattr(Config(), section).backend == "loky"
    with pytest.raises(ConfigError, match=rf"\[{section}\] backend must be one of"):
        config_from_mapping({section: {"backend": "ray"}})


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"scheduler": "tcp://h:8786"}, "scheduler is set but backend is 'loky'"),
        ({"backend": "dask", "scheduler": "tcp://h :8786"}, "contains spaces"),
    ],
)
def test_scheduler_problems_are_named(values: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        config_from_mapping({"extract": values})
