"""Config and CLI fuzzing: user input never gives a traceback.

Hypothesis writes TOML config files (real section and key names mixed with
made-up ones, values of every TOML type, and raw byte soup) and command lines
(every command, its options with values of any type, paths that are missing,
files where folders belong, empty folders). Each run must end with exit 0,
1 (one line ``error: ...``) or 2 (click's usage message), never an
exception.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samm_pipeline.cli import cli
from samm_pipeline.config import SECTIONS

REAL_KEYS = {
    section: [field.name for field in dataclasses.fields(kind)]
    for section, kind in SECTIONS.items()
}

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def toml_value(value: object) -> str:
    """Render a Python value as a TOML value (strings JSON-escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
            + "}"
        )
    raise TypeError(value)


scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
values = st.one_of(
    scalars,
    st.lists(st.integers(-(2**31), 2**31), max_size=4),
    st.lists(st.text(max_size=8), max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=6), scalars, max_size=2),
)
section_names = st.one_of(
    st.sampled_from(sorted(REAL_KEYS)), st.text(min_size=1, max_size=10)
)


@st.composite
def config_documents(draw) -> str:
    lines = []
    for section in draw(st.lists(section_names, max_size=4, unique=True)):
        lines.append(f"[{json.dumps(section)}]")
        keys = st.one_of(
            st.sampled_from(REAL_KEYS.get(section, ["x"])),
            st.text(min_size=1, max_size=10),
        )
        for key in draw(st.lists(keys, max_size=5, unique=True)):
            lines.append(f"{json.dumps(key)} = {toml_value(draw(values))}")
    return "\n".join(lines) + "\n"


def assert_clean_exit(result) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for user input: {result.exception!r}") from (
            result.exception
        )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("error: "), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    if result.exit_code == 2:
        assert "Error:" in result.stderr


@FUZZ
@given(document=config_documents())
def test_any_config_file_is_accepted_or_refused_in_one_line(document):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.toml"
        path.write_text(document, encoding="utf-8")
        result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert_clean_exit(result)


@FUZZ
@given(data=st.binary(max_size=200))
def test_byte_soup_config_files_are_refused_in_one_line(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.toml"
        path.write_bytes(data)
        result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert_clean_exit(result)


OPTION_VALUES = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
    st.sampled_from(["", "-1", "0", "1", "2", "nan", "loso", "holdout", "auto"]),
)

COMMANDS = {
    "extract": ["--store", "--layout", "--jobs", "--subject-pattern", "--annotations",
                "--backend", "--scheduler"],
    "inspect": ["--store"],
    "train": ["--store", "--output", "--protocol", "--labels", "--epochs",
              "--batch-size", "--seed", "--jobs", "--backend", "--scheduler"],
    "predict": ["--model", "--store", "--jobs", "--format"],
    "detect": ["--model", "--video", "--camera", "--window", "--stride",
               "--min-frames", "--motion-threshold"],
    "make-demo-data": ["--subjects", "--clips-per-class", "--seed", "--size"],
    "plot": ["--store", "--output", "--key", "--run", "--figure", "--dpi"],
}  # fmt: skip
PATH_OPTIONS = {"--store", "--output", "--model", "--video", "--annotations", "--run"}
FLAGS = ["--overwrite", "--json", "--csv", "--no-realtime", "--strict", "-q", "-v"]


@st.composite
def command_lines(draw, places: dict[str, str]) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    paths = st.sampled_from(sorted(places.values()))
    arguments = [command]
    for option in draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=4)):
        is_path = option in PATH_OPTIONS
        arguments += [option, draw(paths if is_path else OPTION_VALUES)]
    arguments += draw(st.lists(st.sampled_from(FLAGS), max_size=2))
    arguments += draw(st.lists(st.one_of(paths, st.text(max_size=8)), max_size=2))
    if command == "make-demo-data":
        # Never let it render a real dataset: its OUT is a non-empty folder.
        arguments = [a for a in arguments if a != "--overwrite"] + [places["full"]]
    if command == "detect" and "--camera" in arguments:
        arguments = [a for a in arguments if a != "--video"]
    return arguments


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "empty").mkdir()
    (root / "full").mkdir()
    (root / "full" / "thing.txt").write_text("x")
    (root / "file.txt").write_text("not a folder")
    (root / "zero.mp4").write_bytes(b"")
    return {
        "dot": ".",
        "root": "/",
        "under a file": str(root / "file.txt" / "s.zarr"),
        "proc": "/proc/s.zarr",
        "missing": str(root / "missing"),
        "empty": str(root / "empty"),
        "full": str(root / "full"),
        "file": str(root / "file.txt"),
        "zero": str(root / "zero.mp4"),
        "spaces": str(root / "with spaces ü"),
    }


@FUZZ
@given(data=st.data())
def test_any_command_line_exits_cleanly(places, data):
    arguments = data.draw(command_lines(places))
    # An empty working folder: relative paths ("." as a store) touch nothing
    # of the checkout, whatever it holds under data/.
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            result = CliRunner().invoke(cli, arguments)
        finally:
            os.chdir(here)
    assert_clean_exit(result)
