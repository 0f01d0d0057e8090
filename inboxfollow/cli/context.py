"""What every command shares: where the config is, the clock, and how wide a table may be."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from inboxfollow.config import CONFIG_ENV, Config, default_config_path, load_config
from inboxfollow.errors import ConfigError
from inboxfollow.textui import WIDTH

OLD_CONFIG = Path("config/inboxfollow.toml")  # the default before the XDG places


def config_location(given: str | None, env: Mapping[str, str]) -> tuple[Path, str]:
    """The config file to read, and why: --config, else $INBOXFOLLOW_CONFIG, else the
    XDG place ($XDG_CONFIG_HOME/inboxfollow/config.toml, ~/.config/inboxfollow/...)."""
    if given:
        return Path(given).expanduser(), "--config"
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), f"${CONFIG_ENV}"
    path = default_config_path(env)
    if not path.exists() and OLD_CONFIG.is_file():
        raise ConfigError(
            f"config file {path} not found",
            f"{OLD_CONFIG} is at the old default place: pass --config {OLD_CONFIG} or set "
            f"{CONFIG_ENV}={OLD_CONFIG.resolve()} to go on using it where it is",
        )
    return path, "the default place"


def example_config() -> str:
    """The example config that ships with inboxfollow: every key, commented."""
    return files("inboxfollow.examples").joinpath("inboxfollow.example.toml").read_text("utf-8")


def parse_now(text: str | None, config_tz: Any = None) -> datetime | None:
    """`--now`: an ISO 8601 time; without an offset it is taken in the owner's zone."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(
            f"--now {text!r} is not an ISO 8601 time", "use e.g. 2026-03-01T09:00:00+01:00"
        ) from err
    if value.tzinfo is None:
        value = value.replace(tzinfo=config_tz) if config_tz else value.astimezone()
    return value


def table_width(wide: bool) -> int | None:
    """How wide a table may be: unlimited with --wide, the terminal's width on a terminal,
    else 80 columns (a pipe, a file, a mail)."""
    if wide:
        return None
    if sys.stdout.isatty():
        return shutil.get_terminal_size((WIDTH, 24)).columns
    return WIDTH


class Context:
    """What a command needs: the config, the owner and the clock, loaded once."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(config_location(self.args.config, os.environ)[0])
        return self._config

    @property
    def now(self) -> datetime:
        given = parse_now(self.args.now, self.config.timezone)
        return given if given is not None else datetime.now(self.config.timezone)

    @property
    def followups(self) -> int:
        """How many follow-ups the owner's cadence makes: the M of "follow-up N of M"."""
        return len(self.config.quote_cadence.steps)

    @property
    def width(self) -> int | None:
        return table_width(getattr(self.args, "wide", False))
