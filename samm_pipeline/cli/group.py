"""The command group, its options, and what every command shares.

The group turns a :class:`~samm_pipeline.errors.SammError` into one line on
stderr and exit status 1 (click's usage errors exit 2), configures logging,
and loads the configuration (file, then CLI overrides). The helpers here give
commands their common options (``--backend``/``--scheduler``) and resolve
paths from the CLI or the config's ``[paths]``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import click

from samm_pipeline import __version__
from samm_pipeline.config import (
    Backend,
    Config,
    PathsConfig,
    apply_overrides,
    config_to_toml,
    load_config,
)
from samm_pipeline.errors import SammError, storage_error

logger = logging.getLogger("samm_pipeline")


class UserError(click.ClickException):
    """A :class:`SammError` shown as ``error: <message>`` with exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class SammGroup(click.Group):
    """A click group that turns library errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SammError as error:
            raise UserError(str(error)) from None
        except OSError as error:
            failure = storage_error(error, error.filename or "a file")
            if failure is None:
                raise
            raise UserError(str(failure)) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def configure_logging(verbose: int, quiet: int) -> None:
    """Log to stderr at INFO, one level finer per ``-v``, coarser per ``-q``."""
    level = logging.INFO - 10 * verbose + 10 * quiet
    logging.basicConfig(
        level=max(logging.DEBUG, min(level, logging.CRITICAL)),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logger.setLevel(max(logging.DEBUG, min(level, logging.CRITICAL)))


def load_run_config(
    ctx: click.Context, overrides: dict[str, Any] | None = None
) -> Config:
    """Load the ``--config`` file of the group and apply CLI overrides."""
    config = load_config(ctx.obj.get("config_path"))
    return apply_overrides(config, overrides or {})


@click.group(cls=SammGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="samm-pipeline")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML run definition (e.g. pipeline/samm.toml); defaults otherwise.",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: int) -> None:
    """Facial micro-expression recognition from cached MediaPipe landmarks.

    Stage 1 (extract) caches FaceMesh landmarks of every clip in a Zarr store;
    stage 2 (train) fits a Conv1D + BiLSTM model from that cache.
    """
    configure_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["quiet"] = quiet > 0


@cli.command("config")
@click.pass_context
def config_command(ctx: click.Context) -> None:
    """Print the effective configuration (defaults + --config file) as TOML."""
    config = load_run_config(ctx)
    click.echo(config_to_toml(config), nl=False)


def path_or_config(value: Path | None, configured: str, option: str) -> Path:
    """The CLI value, else the config's [paths] value, else a usage error."""
    if value is not None:
        return value
    if configured:
        return Path(configured)
    raise click.UsageError(f"give {option} (or set it under [paths] in --config)")


def engine_options(section: str, what: str) -> Any:
    """``--backend`` and ``--scheduler`` for a command, overriding ``[section]``."""

    def decorate(command: Any) -> Any:
        command = click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help=f"Dask scheduler (tcp://HOST:8786) for {what}; implies "
            f"--backend dask; none: a local cluster [{section}.scheduler].",
        )(command)
        return click.option(
            "--backend",
            type=click.Choice(get_args(Backend)),
            default=None,
            help=f"Where {what} run: loky processes, threads, or a Dask "
            f"cluster [{section}.backend].",
        )(command)

    return decorate


def engine_overrides(
    section: str, backend: str | None, scheduler: str | None
) -> dict[str, Any]:
    """Config overrides for the two options (a scheduler means Dask)."""
    if scheduler and backend is None:
        backend = "dask"
    return {f"{section}.backend": backend, f"{section}.scheduler": scheduler}


def store_or_config(value: str | None, configured: str) -> Path | str:
    """The store: CLI value, else [paths] store; URLs stay strings."""
    from samm_pipeline.io.location import store_location

    if value is None and not configured:
        raise click.UsageError("give --store (or set it under [paths] in --config)")
    return store_location(value if value is not None else configured)


def configured_stores(values: Sequence[str], paths: PathsConfig) -> list[Path | str]:
    """The stores: every --store given, else [paths] stores, else [paths] store."""
    if values or not paths.stores:
        return [store_or_config(value, paths.store) for value in values or [None]]
    return [store_or_config(value, "") for value in paths.stores]
