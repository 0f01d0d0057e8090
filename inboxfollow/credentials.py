"""How a login proves itself: a password (from an environment variable or a command),
or an OAuth2 access token printed by a command (oama, pizauth, mutt_oauth2.py) or made
from the grant `inboxfollow auth login` stored ([oauth], inboxfollow/oauth/).

Secrets never live in the config file; a `Secret` is resolved and a `TokenCmd` run
only when a connection needs it, and neither value is ever logged or stored:
`redact` takes them (and their base64 forms, as SASL sends them) out of any text.
"""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from inboxfollow.errors import ConfigError

TOKEN_HELPERS = "e.g. `oama access me@example.com` or `pizauth show work`"
# (section, username) -> a callable that returns a fresh access token from the stored grant
GrantLookup = Callable[[str, str], Callable[[], str]]


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
        return run_secret_command(self.section, "password_cmd", self.cmd, "the password")


@dataclass(frozen=True)
class TokenCmd:
    """A command that prints a fresh OAuth2 access token; run anew for every login.
    Without a command (cmd = ""), `grant` gives the token: the stored [oauth] grant."""

    section: str
    cmd: str
    grant: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def fetch(self) -> str:
        if not self.cmd and self.grant is not None:
            return self.grant()
        token = run_secret_command(self.section, "token_cmd", self.cmd, "an access token")
        return token.strip()


Login = Secret | TokenCmd


def run_secret_command(section: str, key: str, cmd: str, what: str) -> str:
    """The first line the command prints, as printed; its output never appears in an error."""
    try:
        done = subprocess.run(
            shlex.split(cmd), capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as err:
        raise ConfigError(
            f"[{section}].{key} could not run: {type(err).__name__}",
            f"check that the command exists and prints {what}",
        ) from err
    if done.returncode != 0 or not done.stdout.strip():
        raise ConfigError(
            f"[{section}].{key} exited {done.returncode} without {what}",
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


def login_of(section: str, body: dict[str, Any], grants: GrantLookup | None = None) -> Login:
    """The login `auth` names: a password source, or (auth = "oauth2") a token command,
    else, with an [oauth] section (`grants`), the grant `inboxfollow auth login` stored."""
    if body.get("auth", "password") != "oauth2":
        if body.get("token_cmd"):
            raise ConfigError(
                f'[{section}].token_cmd is set but [{section}].auth is "password"',
                f'set [{section}].auth = "oauth2" to log in with the token, or remove token_cmd',
            )
        return secret_of(section, body)
    for key in ("password_env", "password_cmd"):
        if body.get(key):
            raise ConfigError(
                f'[{section}].{key} is set but [{section}].auth = "oauth2" logs in with a token',
                f'remove [{section}].{key}, or set [{section}].auth = "password"',
            )
    if not body.get("token_cmd") and grants is not None:
        return TokenCmd(section, "", grants(section, body["username"]))
    if not body.get("token_cmd"):
        raise ConfigError(
            f'[{section}].auth = "oauth2" needs [{section}].token_cmd',
            f"set token_cmd to a command that prints a fresh access token ({TOKEN_HELPERS}), "
            "or an [oauth] section and `inboxfollow auth login`",
        )
    return TokenCmd(section, body["token_cmd"])


def sasl_oauth(mechanism: str, user: str, token: str) -> str:
    """The initial client response of OAUTHBEARER (RFC 7628) or XOAUTH2, unencoded."""
    if mechanism == "OAUTHBEARER":
        gs2 = "n,a=" + user.replace("=", "=3D").replace(",", "=2C") + ","
        return f"{gs2}\1auth=Bearer {token}\1\1"
    return f"user={user}\1auth=Bearer {token}\1\1"


def redact(text: str, secrets: Iterable[str], user: str = "") -> str:
    """`text` without any of `secrets`, raw or base64 as a SASL exchange carries them."""
    forms: set[str] = set()
    for secret in (s for s in secrets if s):
        forms.add(secret)
        wrapped = [secret, f"\0{user}\0{secret}",
                   *(sasl_oauth(m, user, secret) for m in ("OAUTHBEARER", "XOAUTH2"))]
        forms.update(base64.b64encode(w.encode()).decode("ascii") for w in wrapped)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "**REDACTED**")
    return text
