"""The command-line shell: help, version, config printing, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samm_pipeline import __version__
from samm_pipeline.cli import cli
from samm_pipeline.config import Config, load_config

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("config", "make-demo-data"):
        assert command in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_imports_no_heavy_module() -> None:
    """`--help` in a fresh interpreter loads neither TensorFlow, Keras nor MediaPipe."""
    code = (
        "import sys, json\n"
        "from samm_pipeline.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='samm-pipeline')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('tensorflow', 'keras', 'mediapipe', 'cv2', 'zarr', 'jax')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == []


def test_config_prints_loadable_defaults(tmp_path: Path) -> None:
    result = run("config")
    assert result.exit_code == 0
    path = tmp_path / "printed.toml"
    path.write_text(result.output)
    assert load_config(path) == Config()


def test_config_reflects_the_file() -> None:
    result = run("--config", str(PIPELINE / "samm.toml"), "config")
    assert result.exit_code == 0
    assert 'layout = "samm"' in result.output
    assert 'labels = "samm5"' in result.output


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[train]\nepochs = -1\n", "epochs must be >= 1"),
        ("[train\n", "not valid TOML"),
        ("[nope]\n", "unknown section [nope]"),
        ("[train]\nbatch = 3\n", "unknown key 'batch' in [train]"),
    ],
)
def test_bad_config_is_one_line_and_exit_1(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert str(path) in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "x.toml"), "config"])
    assert result.exit_code == 1
    assert "not found" in result.output


def test_usage_error_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2


def test_out_of_range_cli_option_is_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["make-demo-data", str(tmp_path / "out"), "--subjects", "0"]
    )
    assert result.exit_code == 1
    assert "command-line options" in result.output
    assert "subjects must be >= 1" in result.output
    assert not (tmp_path / "out").exists()


def test_console_script_runs() -> None:
    """The installed entry point answers (the package is installed)."""
    result = subprocess.run(
        [sys.executable, "-m", "samm_pipeline.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert __version__ in result.stdout


def test_scheduler_with_another_backend_is_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["extract", str(tmp_path), "--store", str(tmp_path / "s.zarr"),
         "--backend", "threading", "--scheduler", "tcp://127.0.0.1:8786"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "scheduler is set but backend is 'threading'" in result.output


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["train", "--store", "s.zarr", "--output", "o", "--backend", "ray"]
    )
    assert result.exit_code == 2 and "loky" in result.output
