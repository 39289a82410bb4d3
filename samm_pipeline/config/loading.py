"""Reading and writing run definitions: TOML in, validated sections out, and back.

Every problem of a file is collected and reported on one line; unknown tables
and keys are named with the allowed ones; values outside their range name the
range (see :mod:`samm_pipeline.config.sections`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from samm_pipeline.config.sections import (
    SECTIONS,
    Config,
)
from samm_pipeline.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


# --------------------------------------------------------------------------
# validation


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if origin is tuple:
        item = get_args(annotation)[0]
        if get_origin(item) is Literal:
            return "a list of " + ", ".join(repr(a) for a in get_args(item))
        return "a list of " + {int: "integers", str: "strings"}.get(item, "values")
    if origin is dict:
        return "a table of strings"
    return {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
    }[annotation]


def _convert(value: Any, annotation: Any) -> Any:
    """Return ``value`` as ``annotation`` or raise ``TypeError``."""
    origin = get_origin(annotation)
    if origin is Literal:
        choices = get_args(annotation)
        if isinstance(value, str) and value in choices:
            return value
        raise TypeError
    if origin is tuple:
        if isinstance(value, (list, tuple)):
            item_type = get_args(annotation)[0]
            return tuple(_convert(item, item_type) for item in value)
        raise TypeError
    if origin is dict:
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        raise TypeError
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise TypeError
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise TypeError
            return float(value)
        raise TypeError
    if annotation is str:
        if isinstance(value, str):
            return value
        raise TypeError
    raise TypeError  # pragma: no cover - unsupported annotation


def _range_problem(value: Any, metadata: Mapping[str, Any]) -> str | None:
    """Describe why ``value`` is out of range, or return ``None``."""
    values = value if isinstance(value, tuple) else (value,)
    bounds = []
    if metadata.get("ge") is not None:
        bounds.append((">=", metadata["ge"], lambda v, b: v >= b))
    if metadata.get("gt") is not None:
        bounds.append((">", metadata["gt"], lambda v, b: v > b))
    if metadata.get("le") is not None:
        bounds.append(("<=", metadata["le"], lambda v, b: v <= b))
    if metadata.get("lt") is not None:
        bounds.append(("<", metadata["lt"], lambda v, b: v < b))
    if not bounds:
        return None
    for item in values:
        if not isinstance(item, (int, float)) or isinstance(item, bool):
            continue
        if not all(check(item, bound) for _, bound, check in bounds):
            allowed = " and ".join(f"{op} {bound:g}" for op, bound, _ in bounds)
            return f"must be {allowed}, got {item!r}"
    return None


def _build_section(
    section: str, cls: type, values: Mapping[str, Any], problems: list[str]
) -> Any:
    """Build one section dataclass from ``values``, appending any problems."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            problems.append(
                f"unknown key '{key}' in [{section}]; allowed keys: {', '.join(fields)}"
            )
            continue
        annotation = hints[key]
        try:
            converted = _convert(value, annotation)
        except (TypeError, ValueError):
            problems.append(
                f"[{section}] {key} must be {_type_name(annotation)}, got {value!r}"
            )
            continue
        problem = _range_problem(converted, fields[key].metadata)
        if problem:
            problems.append(f"[{section}] {key} {problem}")
            continue
        kwargs[key] = converted
    try:
        return cls(**kwargs)
    except ValueError as error:  # checks across values ([spot] regions twice)
        problems.append(f"[{section}] {error}")
        return cls()


def _cross_check(config: Config, problems: list[str]) -> None:
    """Checks that involve more than one key."""
    if config.train.labels == "custom" and not config.train.label_map:
        problems.append(
            "[train] labels = 'custom' needs a [train.label_map] table "
            "mapping store classes to labels"
        )
    for name in ("extract", "evaluate"):
        section = getattr(config, name)
        if section.scheduler and section.backend != "dask":
            problems.append(
                f"[{name}] scheduler is set but backend is {section.backend!r}; "
                "set backend = 'dask' (--backend dask) or remove the scheduler"
            )
        if any(char.isspace() for char in section.scheduler):
            problems.append(
                f"[{name}] scheduler {section.scheduler!r} contains spaces; give "
                "an address such as 'tcp://10.0.0.5:8786'"
            )
    if config.evaluate.protocol == "megc" and config.train.labels not in (
        "asis",
        "megc3",
    ):
        problems.append(
            f"[evaluate] protocol = 'megc' uses the MEGC 3-class labels, but [train] "
            f"labels = {config.train.labels!r}; set labels = 'megc3' or remove it"
        )
    if config.paths.store and config.paths.stores:
        problems.append(
            "[paths] sets both store and stores; keep one (stores for several)"
        )
    if config.detect.window and config.detect.min_frames > config.detect.window:
        problems.append(
            f"[detect] min_frames ({config.detect.min_frames}) must be <= window "
            f"({config.detect.window})"
        )


def config_from_mapping(data: Mapping[str, Any], *, source: str = "config") -> Config:
    """Build and validate a :class:`Config` from parsed TOML.

    Parameters
    ----------
    data
        Tables by section name, as ``tomllib`` returns them.
    source
        Where the data came from, used in error messages.

    Raises
    ------
    ConfigError
        Listing every unknown key, wrong type and out-of-range value.
    """
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for name, values in data.items():
        if name not in SECTIONS:
            problems.append(
                f"unknown section [{name}]; allowed sections: {', '.join(SECTIONS)}"
            )
            continue
        if not isinstance(values, Mapping):
            problems.append(f"'{name}' must be a table [{name}], got {values!r}")
            continue
        sections[name] = _build_section(name, SECTIONS[name], values, problems)
    config = Config(**sections)
    if not problems:
        _cross_check(config, problems)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return config


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load a configuration file, or return the defaults when ``path`` is None.

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not valid TOML, or has invalid values.
    """
    if path is None:
        return Config()
    file = Path(path)
    try:
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file} not found; check the path or run without --config"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"config file {file} is a folder; give a .toml file"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"config file {file} is not UTF-8 text; save it as UTF-8"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"config file {file} cannot be read ({error.strerror}); "
            "check its permissions"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"config file {file} is not valid TOML ({error}); fix the syntax"
        ) from None
    return config_from_mapping(data, source=f"config file {file}")


def load_config_over(
    base: Mapping[str, Mapping[str, Any]], path: str | os.PathLike[str] | None
) -> Config:
    """Load ``path`` on top of the tables in ``base`` (file values win).

    Used for built-in run definitions such as the demo's.
    """
    merged: dict[str, Any] = {name: dict(values) for name, values in base.items()}
    source = "built-in run definition"
    if path is not None:
        file = Path(path)
        load_config(file)  # validates the file alone, with its own messages
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        for name, values in data.items():
            merged.setdefault(name, {}).update(values)
        source = f"config file {file} over the built-in run definition"
    return config_from_mapping(merged, source=source)


def apply_overrides(config: Config, overrides: Mapping[str, Any]) -> Config:
    """Return ``config`` with ``{"section.key": value}`` overrides applied.

    ``None`` values are ignored, so unset CLI options can be passed straight
    through. Overrides are validated exactly like file values.
    """
    data = config_to_dict(config)
    changed = False
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, key = dotted.partition(".")
        if section not in data or not key:
            raise ValueError(f"bad override name {dotted!r}")  # programming error
        data[section][key] = list(value) if isinstance(value, tuple) else value
        changed = True
    if not changed:
        return config
    return config_from_mapping(data, source="command-line options")


# --------------------------------------------------------------------------
# output


def config_to_dict(config: Config) -> dict[str, dict[str, Any]]:
    """Return the configuration as plain TOML-ready tables."""
    out: dict[str, dict[str, Any]] = {}
    for section in dataclasses.fields(config):
        values = dataclasses.asdict(getattr(config, section.name))
        out[section.name] = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in values.items()
        }
    return out


def _toml_string(text: str) -> str:
    r"""Quote ``text`` as a TOML basic string (control characters escaped).

    >>> print(_toml_string('say "hi"\x7f'))
    "say \"hi\"\u007f"
    """
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(
            f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()
        )
        return "{" + (f" {items} " if items else "") + "}"
    raise TypeError(f"cannot write {value!r} as TOML")  # pragma: no cover


def config_to_toml(config: Config) -> str:
    """Write the configuration as TOML, with each key's meaning as a comment.

    The output loads back into an equal :class:`Config`.
    """
    lines: list[str] = []
    for section in dataclasses.fields(config):
        cls = SECTIONS[section.name]
        value = getattr(config, section.name)
        lines.append(f"[{section.name}]")
        for item in dataclasses.fields(cls):
            rendered = _toml_value(getattr(value, item.name))
            doc = item.metadata.get("doc", "")
            lines.append(f"{item.name} = {rendered}" + (f"  # {doc}" if doc else ""))
        lines.append("")
    return "\n".join(lines)
