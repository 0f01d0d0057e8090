"""Where a login's password comes from: an environment variable or a command.

Passwords never live in the config file; a `Secret` is resolved only when a
connection needs it, and its value is never logged or stored.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any

from inboxfollow.errors import ConfigError


@dataclass(frozen=True)
class Secret:
    """Where a password comes from; resolved only when a connection needs it."""

    section: str
    env: str = ""
    cmd: str = ""

    def resolve(self) -> str:
        if self.env:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError(
                    f"[{self.section}].password_env names {self.env}, which is not set",
                    f"export {self.env}=... before running, or use password_cmd",
                )
            return value
        return self._run_command()

    def _run_command(self) -> str:
        try:
            done = subprocess.run(
                shlex.split(self.cmd), capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, ValueError, subprocess.TimeoutExpired) as err:
            raise ConfigError(
                f"[{self.section}].password_cmd could not run: {type(err).__name__}",
                "check that the command exists and prints the password",
            ) from err
        if done.returncode != 0 or not done.stdout.strip():
            raise ConfigError(
                f"[{self.section}].password_cmd exited {done.returncode} without a password",
                "run the command by hand to see why",
            )
        return done.stdout.splitlines()[0]


def secret_of(section: str, body: dict[str, Any]) -> Secret:
    env, cmd = body.get("password_env", ""), body.get("password_cmd", "")
    if env and cmd:
        raise ConfigError(f"[{section}] sets both password_env and password_cmd", "keep one")
    if not env and not cmd:
        raise ConfigError(
            f"[{section}] has no password source",
            "set password_env (an environment variable) or password_cmd (a command that "
            "prints the password); passwords never live in the file",
        )
    return Secret(section, env, cmd)
