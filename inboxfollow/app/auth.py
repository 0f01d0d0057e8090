"""`inboxfollow auth login`: OAuth2 for those without a token helper.

Runs the browser flow (authorization code with PKCE on a loopback redirect) or the
device-code flow against the client the [oauth] section names, and keeps the refresh
token (mode 0600 in the state folder, or the system keyring). Every later login of a
section with auth = "oauth2" and no token_cmd makes its access token from that grant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inboxfollow.config import load_config
from inboxfollow.errors import ConfigError

if TYPE_CHECKING:  # the CLI builds this command's parser for every command: the OAuth
    # code (urllib, http.client, ssl) is imported only when it runs
    from inboxfollow.oauth.client import OAuthSettings, Tokens

SECTIONS = ("imap", "smtp", "capture")
HOWTO = "README: OAuth2 without a helper"


def add_auth_parser(sub: Any) -> None:
    """Register `auth login` and its flags on the CLI's subparsers."""
    auth = sub.add_parser("auth", help="OAuth2 without a token helper: log in once",
                          description="Log in with the OAuth client of [oauth] and keep the "
                          "grant, for sections with auth = \"oauth2\" and no token_cmd.")
    actions = auth.add_subparsers(dest="auth_command", required=True, metavar="ACTION")
    login = actions.add_parser(
        "login", help="log in in a browser or with a device code; keep the grant",
        description="The browser flow (authorization code with PKCE, redirect to this "
        "machine) or the device-code flow (a code typed on any device); the device flow is "
        "the default where there is no display.")
    flow = login.add_mutually_exclusive_group()
    flow.add_argument("--device", dest="flow", action="store_const", const="device",
                      help="type a code on a page opened on any device")
    flow.add_argument("--browser", dest="flow", action="store_const", const="browser",
                      help="log in in a browser on this machine")
    login.add_argument("--section", choices=SECTIONS, default="imap",
                       help="whose login: its username names the grant (default imap; "
                       "smtp and capture with the same username share it)")
    login.add_argument("--port", type=int, default=0,
                       help="the browser flow's loopback port (default: any free one; fix "
                       "it to forward it with ssh -L)")
    login.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                       help="the config file (as the global --config)")


def run_auth(args: argparse.Namespace, config_path: Path, out: Callable[[str], None]) -> int:
    """`auth login`: run a flow, store the refresh token, say where. Never prints a token."""
    from inboxfollow.oauth.client import settings_of
    from inboxfollow.oauth.grants import store_of

    config = load_config(config_path)
    if "oauth" not in config.raw:
        raise ConfigError("the config has no [oauth] section",
                          f"add [oauth] with provider and client_id ({HOWTO})")
    username = _username(config.raw, args.section, out)
    settings = settings_of(config.raw["oauth"])
    flow = args.flow or default_flow(settings, os.environ, sys.platform)
    out(f"logging in {username} with {settings.provider}'s {flow} flow")
    tokens = _login(settings, flow, args.port, out)
    if not tokens.refresh_token:
        raise ConfigError("the provider answered without a refresh token",
                          "add offline_access to [oauth].scopes (Microsoft), or check the "
                          "client's settings")
    store = store_of(settings, config.store_path.parent)
    store.save(username, tokens.refresh_token)
    out(f"ok: logged in; the grant for {username} is kept in {store.where}")
    out("`inboxfollow check` logs in with it")
    return 0


def _login(settings: OAuthSettings, flow: str, port: int, out: Callable[[str], None]) -> Tokens:
    from inboxfollow.oauth.flows import browser_login, device_login

    if flow == "device":
        return device_login(settings, out)
    if not has_display(os.environ, sys.platform):
        out("no display here: open the address on this machine, or forward the port with "
            "`ssh -L PORT:127.0.0.1:PORT` (fix it with --port PORT)")
    return browser_login(settings, out, has_display(os.environ, sys.platform), port)


def _username(raw: dict[str, dict[str, Any]], section: str, out: Callable[[str], None]) -> str:
    body = raw.get(section)
    if body is None or not body.get("username"):
        raise ConfigError(f"[{section}].username is not set", f"set [{section}] first, then "
                          f"run `inboxfollow auth login --section {section}`")
    if body.get("auth") != "oauth2":
        out(f'note: [{section}].auth is not "oauth2": set it (and remove password_env and '
            "password_cmd) for the login to use this grant")
    elif body.get("token_cmd"):
        out(f"note: [{section}].token_cmd is set and is used instead of this grant: remove "
            "it to use the grant")
    return str(body["username"])


def has_display(env: Mapping[str, str], platform: str) -> bool:
    """A graphical session to open a browser in: always on macOS and Windows; elsewhere
    only with DISPLAY (X11) or WAYLAND_DISPLAY."""
    if platform.startswith(("darwin", "win")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def default_flow(settings: OAuthSettings, env: Mapping[str, str], platform: str) -> str:
    """The device flow where there is no display, when the client has a device endpoint
    (Google's refuses mail scopes: there the browser flow, with a port to forward)."""
    if has_display(env, platform) or not settings.device_url or settings.provider == "google":
        return "browser"
    return "device"
