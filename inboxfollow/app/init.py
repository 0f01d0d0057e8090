"""`inboxfollow init`: ask (or take as flags) the address, provider and login; write a
commented config (mode 0600, never a password or token) with the folders found on the
server; then run the same checks as `inboxfollow check`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from inboxfollow.app.presets import PRESETS, Preset, imap_host, preset_for_address
from inboxfollow.config import Config, load_config
from inboxfollow.config_schema import zone
from inboxfollow.errors import ConfigError
from inboxfollow.sources.mailbox import DRAFTS, SENT

DEFAULT_PASSWORD_ENV = "INBOXFOLLOW_PASSWORD"
Ask = Callable[[str, str], str]  # (question, default) -> answer


@dataclass(frozen=True)
class Answers:
    """Everything the written config says about the owner and the login."""

    address: str
    name: str
    timezone: str
    preset: Preset
    host: str
    port: int
    security: str
    ca_file: str
    username: str
    auth: str
    password_env: str = ""
    password_cmd: str = ""
    token_cmd: str = ""
    client_id: str = ""  # OAuth2 through `inboxfollow auth login`: the user's own client
    client_secret_cmd: str = ""


@dataclass(frozen=True)
class Found:
    """What the server showed: the Sent and Drafts folders, and the folders a sync reads."""

    sent: str
    drafts: str
    read: tuple[str, ...]


def add_init_parser(sub: Any) -> None:
    """Register `init` and its flags on the CLI's subparsers."""
    init = sub.add_parser("init", help="write a config for your mailbox, then check it",
                          description="Ask for (or take as flags) the address, the provider and "
                          "the login; write a commented config; run `inboxfollow check`.")
    init.add_argument("--address", help="your email address")
    init.add_argument("--provider", choices=tuple(PRESETS),
                      help="default: guessed from the address's domain, else generic")
    init.add_argument("--auth", choices=("password", "oauth2"),
                      help="default: the provider's (oauth2 for gmail and microsoft)")
    init.add_argument("--password-env", metavar="VAR",
                      help=f"an environment variable holding the password "
                      f"(default {DEFAULT_PASSWORD_ENV})")
    init.add_argument("--password-cmd", metavar="CMD", help="a command that prints the password")
    init.add_argument("--token-cmd", metavar="CMD",
                      help="a command that prints an OAuth2 access token (oama, pizauth, ...)")
    init.add_argument("--client-id", metavar="ID",
                      help="instead of --token-cmd: the id of your own OAuth client, for "
                      "`inboxfollow auth login` (README: \"OAuth2 without a helper\")")
    init.add_argument("--client-secret-cmd", metavar="CMD",
                      help="with --client-id: a command that prints the client's secret "
                      "(Google wants one)")
    for flag, helptext in (("--host", "IMAP server (overrides the provider's)"),
                           ("--username", "login name (default: the address)"),
                           ("--ca-file", "extra CA bundle (PEM) for a private CA"),
                           ("--name", "your name, for drafts and the digest"),
                           ("--timezone", "IANA zone, e.g. Europe/Berlin (default: this "
                            "machine's)")):
        init.add_argument(flag, help=helptext)
    init.add_argument("--port", type=int, help="IMAP port (overrides the provider's)")
    init.add_argument("--security", choices=("ssl", "starttls", "none"),
                      help="overrides the provider's (none: loopback only)")
    init.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                      help="where to write the config (as the global --config)")
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.add_argument("--yes", action="store_true",
                      help="ask nothing: flags and defaults only (also when stdin is no TTY)")


def run_init(args: argparse.Namespace, path: Path, emit: Callable[[str], None],
             ask: Ask | None = None) -> int:
    """Write the config at `path`, find the folders, run the checks; 1 when one fails."""
    if path.exists() and not args.force:
        raise ConfigError(f"config file {path} exists", "pass --force to overwrite it")
    if ask is None and sys.stdin.isatty() and not args.yes:
        ask = _ask_terminal
    answers = gather(args, ask, os.environ)
    emit(f"provider: {answers.preset.title} ({answers.host}:{answers.port}, "
         f"{answers.security}, {answers.auth})")
    emit(f"note: {answers.preset.note}")
    config = write_config(path, render(answers, None))
    if answers.client_id and not answers.token_cmd:
        emit(f"wrote {path} (mode 0600)")
        emit("next: `inboxfollow auth login` (log in once with your OAuth client), then "
             "`inboxfollow init --force ...` again or `inboxfollow check`")
        return 0
    emit(f"wrote {path} (mode 0600); finding the folders on the server ...")
    found = find_folders(config)
    write_config(path, render(answers, found))
    emit(f"found: Sent {found.sent or '(none)'!r}, Drafts {found.drafts or '(none)'!r}, "
         f"{len(found.read)} folder(s) to read: {', '.join(map(repr, found.read))}")
    from inboxfollow.app.check import run_checks  # the server is asked only now

    problems = run_checks(load_config(path), emit)
    return 1 if problems else 0


def _ask_terminal(question: str, default: str) -> str:
    shown = f" [{default}]" if default else ""
    return input(f"{question}{shown}: ").strip() or default


def gather(args: argparse.Namespace, ask: Ask | None, env: Mapping[str, str]) -> Answers:
    """The answers: flags first, then questions (when `ask`), then the preset's defaults."""
    def value(flag: str | None, question: str, default: str) -> str:
        if flag is not None:
            return str(flag)
        return ask(question, default) if ask else default

    address = value(args.address, "Your email address", "")
    if "@" not in address:
        raise ConfigError(f"address {address!r} is not an email address",
                          "pass --address you@example.com")
    guess = preset_for_address(address).key
    provider = value(args.provider, f"Provider ({', '.join(PRESETS)})", guess)
    if provider not in PRESETS:
        raise ConfigError(f"provider {provider!r} is unknown", f"one of {', '.join(PRESETS)}")
    preset = PRESETS[provider]
    answers = Answers(
        address=address,
        name=value(args.name, "Your name (for drafts and the digest)", _name_of(address)),
        timezone=value(args.timezone, "Your time zone", _local_zone(env)),
        preset=preset,
        host=args.host or (value(None, "IMAP server", imap_host(preset, address))
                           if not preset.host else preset.host),
        port=args.port or preset.port,
        security=args.security or preset.security,
        ca_file=str(Path(args.ca_file).expanduser().resolve()) if args.ca_file else "",
        username=args.username or address,
        auth=_auth(args, ask, preset),
    )
    zone(answers.timezone)  # a ConfigError naming the zone when it is not one
    return _login(answers, args, value)


def _auth(args: argparse.Namespace, ask: Ask | None, preset: Preset) -> str:
    if args.auth:
        return str(args.auth)
    if args.token_cmd or args.client_id:
        return "oauth2"
    if args.password_env or args.password_cmd:
        return "password"
    answer = ask("Log in with (password, oauth2)", preset.auth) if ask else preset.auth
    if answer not in ("password", "oauth2"):
        raise ConfigError(f"login {answer!r} is unknown", "password or oauth2")
    return answer


def _login(answers: Answers, args: argparse.Namespace, value: Callable[..., str]) -> Answers:
    """Where the password or token comes from; never the password or token itself."""
    if answers.auth == "oauth2":
        token_cmd = "" if args.client_id else value(
            args.token_cmd, "Command that prints an OAuth2 access token (e.g. oama access "
            f"{answers.address}; empty: your own OAuth client and `inboxfollow auth login`)", "")
        client_id = "" if token_cmd else value(args.client_id, "Your OAuth client's id", "")
        if not token_cmd and not client_id:
            raise ConfigError("auth oauth2 needs a command that prints an access token, or "
                              "your own OAuth client",
                              f'pass --token-cmd "oama access {answers.address}" (or pizauth, '
                              "mutt_oauth2.py), or --client-id ID for `inboxfollow auth "
                              "login`, or --auth password")
        return replace(answers, token_cmd=token_cmd, client_id=client_id,
                       client_secret_cmd=args.client_secret_cmd or "")
    if args.password_cmd or args.password_env:
        return replace(answers, password_cmd=args.password_cmd or "",
                       password_env="" if args.password_cmd else args.password_env)
    cmd = value(None, f"Command that prints the password (empty: read ${DEFAULT_PASSWORD_ENV})",
                "")
    return replace(answers, password_cmd=cmd, password_env="" if cmd else DEFAULT_PASSWORD_ENV)


def _name_of(address: str) -> str:
    """"dana.reyes@x" -> "Dana Reyes": a default the user can change in the config."""
    local = address.partition("@")[0].partition("+")[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


def _local_zone(env: Mapping[str, str]) -> str:
    """This machine's IANA zone: $TZ, else /etc/localtime's target, else UTC."""
    candidates = [env.get("TZ", "").lstrip(":")]
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).partition("zoneinfo/")[2])
    except OSError:
        pass
    for name in candidates:
        try:
            if name:
                zone(name)
                return name
        except ConfigError:
            continue
    return "UTC"


def find_folders(config: Config) -> Found:
    """Ask the server for the owner's Sent and Drafts folders and the folders a sync reads."""
    from inboxfollow.sources.from_config import open_mailboxes

    [mailbox, *others] = open_mailboxes(config)
    for other in others:
        other.close()
    try:
        roles = mailbox.folders()
        try:
            read = tuple(mailbox.folders_to_sync())
        except ConfigError:  # no Sent folder: the checks below say what to set
            read = ()
    finally:
        mailbox.close()
    return Found(roles.get(SENT, ""), roles.get(DRAFTS, ""), read)


def write_config(path: Path, text: str) -> Config:
    """Check `text` as a config, then put it at `path` (mode 0600) in one replace."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.init-{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        load_config(temp)  # a bad value stops here, before the old file is replaced
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return load_config(path)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def render(answers: Answers, found: Found | None) -> str:
    """The config file: what init decided, commented; other keys keep their defaults."""
    return "\n".join([*_owner_lines(answers), "", *_imap_lines(answers, found), "",
                      *_rest_lines(answers)]) + "\n"


def _owner_lines(a: Answers) -> list[str]:
    return [
        "# inboxfollow configuration, written by `inboxfollow init`. Every key, with its",
        "# default and what it does: `inboxfollow config --example`. Check it with",
        "# `inboxfollow check`. Passwords and tokens never live here.",
        "",
        "[owner]",
        f"name = {_q(a.name)}  # used in drafts and the digest",
        f"addresses = [{_q(a.address)}]  # every address that is you; add the others",
        f"timezone = {_q(a.timezone)}  # IANA name; draft and digest times are in it",
        'signature = ""  # appended to drafts; "\\n" for new lines',
    ]


def _imap_lines(a: Answers, found: Found | None) -> list[str]:
    lines = [
        *(f"# {line}" for line in textwrap.wrap(a.preset.note, 86)),
        "[imap]",
        f"host = {_q(a.host)}",
        f"port = {a.port}",
        f'security = {_q(a.security)}  # "ssl", "starttls" (never falls back), "none" (loopback)',
        f"username = {_q(a.username)}",
        f'auth = {_q(a.auth)}  # "password", or "oauth2": an access token from token_cmd',
    ]
    if a.auth == "oauth2" and a.token_cmd:
        lines.append(f"token_cmd = {_q(a.token_cmd)}  # prints a fresh access token; run "
                     "for every connection")
    elif a.auth == "oauth2":
        lines.append("# no token_cmd: tokens come from the grant `inboxfollow auth login` "
                     "keeps ([oauth])")
    elif a.password_cmd:
        lines.append(f"password_cmd = {_q(a.password_cmd)}  # prints the password")
    else:
        lines.append(f"password_env = {_q(a.password_env)}  # the variable holding the "
                     "password")
    if a.ca_file:
        lines.append(f"ca_file = {_q(a.ca_file)}  # extra CA bundle (PEM)")
    return lines + _folder_lines(found)


def _folder_lines(found: Found | None) -> list[str]:
    if found is None:
        return ['# sent_folder = ""  # found on the server when not set']
    return [
        f"sent_folder = {_q(found.sent)}  # {_whence(found.sent)}",
        f"drafts_folder = {_q(found.drafts)}  # where drafts go; {_whence(found.drafts)}",
        "# sync reads every folder that can hold mail (archives too); when init ran:",
        *(f"# {line}" for line in textwrap.wrap(", ".join(found.read), 86)),
        "folders_include = []  # when set, only these (and INBOX and Sent), e.g. [\"Archive\"]",
        "folders_exclude = []  # never these, e.g. [\"Newsletters\", \"Lists/*\"]",
    ]


def _whence(folder: str) -> str:
    return "found on the server by init" if folder else "not found: name the folder here"


OAUTH_PROVIDERS = {"gmail": "google", "microsoft": "microsoft"}


def _oauth_lines(a: Answers) -> list[str]:
    if not a.client_id:
        return []
    provider = OAUTH_PROVIDERS.get(a.preset.key, "custom")
    lines = [
        "# Your own OAuth client (README: \"OAuth2 without a helper\"); `inboxfollow auth",
        "# login` logs in once and keeps the refresh token beside the store (mode 0600).",
        "[oauth]",
        f"provider = {_q(provider)}",
        f"client_id = {_q(a.client_id)}",
    ]
    if a.client_secret_cmd:
        lines.append(f"client_secret_cmd = {_q(a.client_secret_cmd)}  # prints the secret")
    if provider == "custom":
        lines += ['authorize_url = ""  # your provider\'s endpoints', 'token_url = ""',
                  'device_url = ""', "scopes = []"]
    return [*lines, ""]


def _rest_lines(a: Answers) -> list[str]:
    local, _, domain = a.address.partition("@")
    smtp = a.preset.smtp_host or f"smtp.{domain}"
    return [*_oauth_lines(a),
        "# The capture mailbox is off until you set it: the address you BCC on quotes",
        "# (a +tag address works too). Without a username of its own, the BCC copies are",
        "# found in your INBOX.",
        "# [capture]",
        f"# address = {_q(f'{local}+crm@{domain}')}",
        "# username = \"\"  # a separate mailbox on the same server to poll, with its own",
        "# password_env = \"INBOXFOLLOW_CAPTURE_PASSWORD\"  # password_cmd or token_cmd",
        "",
        "# The state is kept in ~/.local/state/inboxfollow/inboxfollow.json unless:",
        "# [store]",
        '# path = "state/inboxfollow.json"',
        "",
        "# The digest goes into your INBOX by IMAP; to send it by SMTP instead, set",
        '# [digest] delivery = "smtp" and:',
        "# [smtp]",
        f"# host = {_q(smtp)}",
        f"# port = {a.preset.smtp_port}",
        f"# security = {_q(a.preset.smtp_security)}",
        f"# username = {_q(a.username)}",
        f"# auth = {_q(a.auth)}  # with password_env, password_cmd or token_cmd as above",
    ]
