"""Read and check the TOML config file.

Every key is declared once in SCHEMA with its type and default; an unknown key
or a wrong type is a ConfigError naming the key and what would be right.
Passwords never live in the file: `password_env` names an environment
variable, `password_cmd` a command that prints the password.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inboxfollow.errors import ConfigError
from inboxfollow.rules.cadence import DEFAULT_CADENCE, DEFAULT_QUOTE_CADENCE, Cadence, Calendar
from inboxfollow.rules.quotes import (
    DEFAULT_PRICE_WORDS,
    DEFAULT_QUOTE_WORDS,
    DEFAULT_RULES,
    QuoteRules,
)

DEFAULT_PATH = Path("config/inboxfollow.toml")
# The templates shipped with inboxfollow: drafts, digest and checklist.
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REQUIRED = object()


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    default: Any = None
    choices: tuple[str, ...] = ()
    hint: str = ""


def _list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# section -> key -> Key. A kind of `list` means a list of strings.
SCHEMA: dict[str, dict[str, Key]] = {
    "owner": {
        "name": Key(str, REQUIRED, hint='the owner\'s name, e.g. name = "Dana Reyes"'),
        "addresses": Key(list, REQUIRED, hint='every owner address, e.g. ["me@example.com"]'),
        "timezone": Key(str, "UTC", hint='an IANA zone name such as "Europe/Berlin"'),
        "signature": Key(str, ""),
    },
    "imap": {
        "host": Key(str, REQUIRED, hint='the IMAP server, e.g. host = "imap.example.com"'),
        "port": Key(int, 0, hint="a TCP port number such as 993"),
        "security": Key(str, "ssl", choices=("ssl", "starttls", "none")),
        "username": Key(str, REQUIRED, hint="the login name"),
        "password_env": Key(str, ""),
        "password_cmd": Key(str, ""),
        "timeout": Key((int, float), 30.0, hint="seconds, e.g. 30"),
        "ca_file": Key(str, ""),
        "sent_folder": Key(str, "", hint="the Sent folder, when SPECIAL-USE does not say"),
        "drafts_folder": Key(str, "", hint="the Drafts folder, when SPECIAL-USE does not say"),
    },
    "maildir": {
        "path": Key(str, REQUIRED, hint="the Maildir++ folder, e.g. \"~/Mail/work\""),
        "sent_folder": Key(str, ""),
        "drafts_folder": Key(str, ""),
    },
    "capture": {
        "address": Key(str, REQUIRED, hint='the address the owner BCCs, e.g. "me+crm@example.com"'),
        "username": Key(str, ""),
        "password_env": Key(str, ""),
        "password_cmd": Key(str, ""),
    },
    "store": {
        "path": Key(str, "state/inboxfollow.json"),
    },
    "sync": {
        "batch_size": Key(int, 500, hint="messages fetched per request, e.g. 500"),
        "every_minutes": Key(int, 15, hint="how often `inboxfollow run` syncs, e.g. 15"),
    },
    "quotes": {
        "words": Key(list, [], hint='words that name an offer, e.g. ["quote", "angebot"]'),
        "price_words": Key(list, [], hint='words that make an amount a price, e.g. ["price"]'),
        "cadence": Key(str, "quote", hint="the name of a cadence under [cadences]"),
    },
    "drafts": {
        "templates": Key(str, "", hint="the folder of the Jinja2 draft templates"),
    },
    "calendar": {
        "draft_time": Key(str, "08:30", hint='local time of day for drafting, e.g. "08:30"'),
        "holidays": Key(list, [], hint='dates to skip, e.g. ["2026-12-25", "2027-01-01"]'),
        "weekend": Key(list, ["sat", "sun"], hint='weekday names to skip, e.g. ["sat", "sun"]'),
    },
    "digest": {
        "weekday": Key(str, "mon", hint='the day the weekly digest goes out, e.g. "mon"'),
        "time": Key(str, "08:00", hint='local time of day for the digest, e.g. "08:00"'),
        "quiet_days": Key(int, 30, hint="days without a touch before a contact is quiet, e.g. 30"),
        "quiet_limit": Key(int, 20, hint="how many quiet contacts the digest lists, e.g. 20"),
        "daily_checklist": Key(bool, False, hint="true mails a checklist every working day"),
        "checklist_time": Key(str, "07:30", hint='local time of day for it, e.g. "07:30"'),
        "delivery": Key(str, "imap", choices=("imap", "smtp")),
        "to": Key(str, "", hint="where the digest goes; default: the owner's first address"),
    },
    "smtp": {
        "host": Key(str, REQUIRED, hint='the SMTP server, e.g. host = "smtp.example.com"'),
        "port": Key(int, 0, hint="a TCP port number: 587 for starttls, 465 for ssl"),
        "security": Key(str, "starttls", choices=("starttls", "ssl", "none")),
        "username": Key(str, "", hint="the login name; empty: no login"),
        "password_env": Key(str, ""),
        "password_cmd": Key(str, ""),
        "timeout": Key((int, float), 30.0, hint="seconds, e.g. 30"),
        "ca_file": Key(str, ""),
    },
}
# Sections whose keys are names the owner chooses: name -> list of strings.
NAMED_LISTS = {"cadences": 'steps such as ["2bd", "5d", "1w"]'}


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


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str
    username: str
    secret: Secret
    timeout: float
    ca_file: str
    sent_folder: str
    drafts_folder: str


@dataclass(frozen=True)
class MaildirConfig:
    path: Path
    sent_folder: str
    drafts_folder: str


@dataclass(frozen=True)
class CaptureConfig:
    address: str
    username: str
    secret: Secret | None


@dataclass(frozen=True)
class DigestConfig:
    """When and how the digest and the daily checklist go out ([digest])."""

    weekday: int = 0  # 0 is Monday
    send_time: time = time(8, 0)
    quiet_days: int = 30
    quiet_limit: int = 20
    daily_checklist: bool = False
    checklist_time: time = time(7, 30)
    delivery: str = "imap"  # "imap": APPEND into the owner's INBOX; "smtp": send via [smtp]
    to: str = ""  # "" until built: then the owner's first address


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "starttls", "ssl" (implicit TLS) or "none" (loopback only)
    username: str  # "" for no login
    secret: Secret | None  # None when there is no login
    timeout: float
    ca_file: str


@dataclass(frozen=True)
class Config:
    path: Path
    owner_name: str
    owner_addresses: tuple[str, ...]
    timezone: ZoneInfo
    signature: str
    store_path: Path
    imap: ImapConfig | None = None
    maildir: MaildirConfig | None = None
    capture: CaptureConfig | None = None
    batch_size: int = 500
    sync_minutes: int = 15
    quote_rules: QuoteRules = DEFAULT_RULES
    quote_cadence: Cadence = DEFAULT_CADENCE
    calendar: Calendar = field(default_factory=Calendar)
    templates: Path = DEFAULT_TEMPLATES
    raw: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    digest: DigestConfig = field(default_factory=DigestConfig)
    smtp: SmtpConfig | None = None


def load_config(path: Path) -> Config:
    """Read, check and resolve the config file at `path`."""
    data = _read_toml(path)
    sections = check_schema(data)
    return _build(path.resolve(), sections)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as err:
        raise ConfigError(
            f"config file {path} not found",
            "copy config/inboxfollow.example.toml there and edit it, or pass --config FILE",
        ) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(f"config file {path} cannot be read: {err.strerror}") from err


def check_schema(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return every section with defaults filled in; raise on the first problem."""
    for section in data:
        if section not in SCHEMA and section not in NAMED_LISTS:
            known = ", ".join(sorted([*SCHEMA, *NAMED_LISTS]))
            raise ConfigError(f"unknown section [{section}]", f"known sections: {known}")
        if not isinstance(data[section], dict):
            raise ConfigError(f"{section} must be a [{section}] table, not a single value")
    if "owner" not in data:
        raise ConfigError("the [owner] section is missing", "add [owner] with name and addresses")
    return {name: _check_section(name, body) for name, body in data.items()}


def _check_named_lists(section: str, body: dict[str, Any]) -> dict[str, Any]:
    for key, value in body.items():
        if not _list_of_str(value):
            raise ConfigError(f"[{section}].{key} must be a list of strings", NAMED_LISTS[section])
    return dict(body)


def _check_section(section: str, body: dict[str, Any]) -> dict[str, Any]:
    if section in NAMED_LISTS:
        return _check_named_lists(section, body)
    keys = SCHEMA[section]
    for key in body:
        if key not in keys:
            raise ConfigError(
                f"unknown key [{section}].{key}", f"known keys: {', '.join(sorted(keys))}"
            )
    result: dict[str, Any] = {}
    for key, spec in keys.items():
        if key not in body:
            if spec.default is REQUIRED:
                raise ConfigError(f"[{section}].{key} is missing", spec.hint)
            result[key] = spec.default
            continue
        result[key] = _check_value(f"[{section}].{key}", body[key], spec)
    return result


def _check_value(name: str, value: Any, spec: Key) -> Any:
    kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
    if list in kinds:
        if not _list_of_str(value):
            raise ConfigError(f"{name} must be a list of strings", spec.hint)
        return value
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(
            f"{name} must be {wanted}, not {type(value).__name__} {value!r}", spec.hint
        )
    if spec.choices and value not in spec.choices:
        raise ConfigError(f"{name} is {value!r}", f"use one of: {', '.join(spec.choices)}")
    return value


def _secret(section: str, body: dict[str, Any]) -> Secret:
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


def _build(path: Path, sections: dict[str, dict[str, Any]]) -> Config:
    owner = sections["owner"]
    addresses = tuple(a.strip().lower() for a in owner["addresses"])
    if not addresses or not all("@" in a for a in addresses):
        raise ConfigError("[owner].addresses must list at least one email address")
    base = path.parent
    imap = _imap(sections["imap"]) if "imap" in sections else None
    maildir = _maildir(base, sections["maildir"]) if "maildir" in sections else None
    if imap and maildir:
        raise ConfigError("both [imap] and [maildir] are set", "keep the one the mail is read from")
    return Config(
        path=path,
        owner_name=owner["name"],
        owner_addresses=addresses,
        timezone=_zone(owner["timezone"]),
        signature=owner["signature"],
        store_path=_resolve(base, sections.get("store", {}).get("path", "state/inboxfollow.json")),
        imap=imap,
        maildir=maildir,
        capture=_capture(sections["capture"], imap) if "capture" in sections else None,
        batch_size=_positive("[sync].batch_size", sections.get("sync", {}).get("batch_size", 500)),
        sync_minutes=_positive(
            "[sync].every_minutes", sections.get("sync", {}).get("every_minutes", 15)
        ),
        quote_rules=_quote_rules(sections.get("quotes", {})),
        quote_cadence=_quote_cadence(sections),
        calendar=_calendar(sections.get("calendar", {}), _zone(owner["timezone"])),
        templates=_templates(base, sections.get("drafts", {}).get("templates", "")),
        raw=sections,
        digest=_digest(sections.get("digest", {}), addresses, "smtp" in sections),
        smtp=_smtp(sections["smtp"]) if "smtp" in sections else None,
    )


def _quote_rules(body: dict[str, Any]) -> QuoteRules:
    words = body.get("words") or DEFAULT_QUOTE_WORDS
    price_words = body.get("price_words") or DEFAULT_PRICE_WORDS
    return QuoteRules.build(words, price_words)


def _quote_cadence(sections: dict[str, dict[str, Any]]) -> Cadence:
    cadences = {"quote": DEFAULT_QUOTE_CADENCE, **sections.get("cadences", {})}
    name = sections.get("quotes", {}).get("cadence", "quote")
    if name not in cadences:
        raise ConfigError(
            f"[quotes].cadence names {name!r}, which is not under [cadences]",
            f"known cadences: {', '.join(sorted(cadences))}",
        )
    return Cadence.parse(name, cadences[name])


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _calendar(body: dict[str, Any], tz: ZoneInfo) -> Calendar:
    try:
        hour, minute = (int(x) for x in body.get("draft_time", "08:30").split(":"))
        draft_time = time(hour, minute)
    except ValueError as err:
        raise ConfigError(
            f"[calendar].draft_time {body['draft_time']!r} is not a time of day",
            'write it as "HH:MM", e.g. "08:30"',
        ) from err
    holidays = set()
    for text in body.get("holidays", []):
        try:
            holidays.add(date.fromisoformat(text))
        except ValueError as err:
            raise ConfigError(
                f"[calendar].holidays has {text!r}, which is not a date", 'use "YYYY-MM-DD"'
            ) from err
    weekend = set()
    for name in body.get("weekend", ["sat", "sun"]):
        if name.lower()[:3] not in WEEKDAYS:
            raise ConfigError(f"[calendar].weekend has {name!r}", f"use {', '.join(WEEKDAYS)}")
        weekend.add(WEEKDAYS.index(name.lower()[:3]))
    return Calendar(tz, draft_time, frozenset(holidays), frozenset(weekend))


def _templates(base: Path, value: str) -> Path:
    if not value:
        return DEFAULT_TEMPLATES
    path = _resolve(base, value)
    if not path.is_dir():
        raise ConfigError(f"[drafts].templates {path} is not a folder", "point it at the templates")
    return path


def _positive(name: str, value: int) -> int:
    if value <= 0:
        raise ConfigError(f"{name} must be above zero, not {value}")
    return value


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(
            f"[owner].timezone {name!r} is not a known time zone",
            'use an IANA name such as "Europe/Berlin" or "UTC"',
        ) from err


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(section: str, body: dict[str, Any], defaults: dict[str, int], what: str) -> int:
    """The server's port; plain text ("none") only on loopback, where nothing crosses a wire."""
    security = body["security"]
    if security == "none" and not is_loopback(body["host"]):
        raise ConfigError(
            f'[{section}].security = "none" is refused for {body["host"]}: {what} would '
            "cross the network in clear",
            f'use {" or ".join(repr(k) for k in defaults if k != "none")}; '
            '"none" is allowed only on loopback',
        )
    port = body["port"] or defaults[security]
    if not 0 < port < 65536:
        raise ConfigError(
            f"[{section}].port {port} is not a TCP port", "use a number from 1 to 65535"
        )
    return int(port)


def _imap(body: dict[str, Any]) -> ImapConfig:
    security = body["security"]
    port = _port("imap", body, {"ssl": 993, "starttls": 143, "none": 143}, "the password")
    return ImapConfig(
        host=body["host"],
        port=port,
        security=security,
        username=body["username"],
        secret=_secret("imap", body),
        timeout=float(body["timeout"]),
        ca_file=body["ca_file"],
        sent_folder=body["sent_folder"],
        drafts_folder=body["drafts_folder"],
    )


def _maildir(base: Path, body: dict[str, Any]) -> MaildirConfig:
    return MaildirConfig(_resolve(base, body["path"]), body["sent_folder"], body["drafts_folder"])


def _capture(body: dict[str, Any], imap: ImapConfig | None) -> CaptureConfig:
    address = body["address"].strip().lower()
    if "@" not in address:
        raise ConfigError(f"[capture].address {address!r} is not an email address")
    if not body["username"]:
        return CaptureConfig(address, "", None)
    if imap is None:
        raise ConfigError(
            "[capture].username needs an [imap] section", "the capture mailbox is polled over IMAP"
        )
    return CaptureConfig(address, body["username"], _secret("capture", body))


def _time_of_day(name: str, text: str) -> time:
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return time(hour, minute)
    except ValueError as err:
        raise ConfigError(f"{name} {text!r} is not a time of day", 'write it as "HH:MM"') from err


def _digest(given: dict[str, Any], addresses: tuple[str, ...], has_smtp: bool) -> DigestConfig:
    body = {key: spec.default for key, spec in SCHEMA["digest"].items()} | given
    day = body["weekday"].strip().lower()[:3]
    if day not in WEEKDAYS:
        raise ConfigError(f"[digest].weekday is {body['weekday']!r}", f"use {', '.join(WEEKDAYS)}")
    if body["delivery"] == "smtp" and not has_smtp:
        raise ConfigError(
            '[digest].delivery = "smtp" needs an [smtp] section',
            'add [smtp] with host (and username, password_env), or use delivery = "imap"',
        )
    to = body["to"].strip() or addresses[0]
    if "@" not in to or not to.isprintable() or any(c.isspace() for c in to):
        raise ConfigError(f"[digest].to {to!r} is not an email address", 'e.g. "me@example.com"')
    return DigestConfig(
        weekday=WEEKDAYS.index(day),
        send_time=_time_of_day("[digest].time", body["time"]),
        quiet_days=_positive("[digest].quiet_days", body["quiet_days"]),
        quiet_limit=_positive("[digest].quiet_limit", body["quiet_limit"]),
        daily_checklist=body["daily_checklist"],
        checklist_time=_time_of_day("[digest].checklist_time", body["checklist_time"]),
        delivery=body["delivery"],
        to=to,
    )


def _smtp(body: dict[str, Any]) -> SmtpConfig:
    security = body["security"]
    port = _port("smtp", body, {"starttls": 587, "ssl": 465, "none": 25},
                 "the password and the digest")
    username = body["username"]
    if not username and (body["password_env"] or body["password_cmd"]):
        raise ConfigError("[smtp] has a password source but no username", "set [smtp].username")
    return SmtpConfig(
        host=body["host"],
        port=port,
        security=security,
        username=username,
        secret=_secret("smtp", body) if username else None,
        timeout=float(_positive("[smtp].timeout", body["timeout"])),
        ca_file=body["ca_file"],
    )
