"""Read and check the TOML config file.

Every key is declared once in `config_schema.SCHEMA` with its type and default;
an unknown key or a wrong type is a ConfigError naming the key and the fix.
Passwords never live in the file: `password_env` names an environment
variable, `password_cmd` a command that prints the password; with auth = "oauth2",
`token_cmd` a command that prints an access token (credentials.py).
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from inboxfollow.config_plans import Plans, plans_of
from inboxfollow.config_schema import (
    SCHEMA,
    check_schema,
    folder_patterns,
    port_of,
    positive,
    time_of_day,
    waiting_days,
    zone,
)
from inboxfollow.credentials import GrantLookup, Secret, TokenCmd, login_of
from inboxfollow.errors import ConfigError
from inboxfollow.model import Owner
from inboxfollow.rules.cadence import DEFAULT_CADENCE, DEFAULT_QUOTE_CADENCE, Cadence, Calendar
from inboxfollow.rules.capture_trust import CaptureOwner
from inboxfollow.rules.quotes import (
    DEFAULT_PRICE_WORDS,
    DEFAULT_QUOTE_WORDS,
    DEFAULT_RULES,
    MASS_MAILING,
    QuoteRules,
)

LOG = logging.getLogger(__name__)
CONFIG_ENV = "INBOXFOLLOW_CONFIG"  # names the config file when --config does not
STORE_FILE = "inboxfollow.json"
OLD_STORE = Path("state") / STORE_FILE  # the default before the XDG places: by the config


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """$XDG_CONFIG_HOME/inboxfollow/config.toml, else ~/.config/inboxfollow/config.toml."""
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / "config.toml"


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME/inboxfollow, else ~/.local/state/inboxfollow: where the store lives."""
    return _xdg(env, "XDG_STATE_HOME", ".local/state")


def _xdg(env: Mapping[str, str] | None, name: str, fallback: str) -> Path:
    """$name/inboxfollow; unset, empty or relative (the spec ignores those): ~/fallback/..."""
    env = os.environ if env is None else env
    value, home = env.get(name, ""), Path(env.get("HOME") or Path.home())
    return (Path(value) if Path(value).is_absolute() else home / fallback) / "inboxfollow"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str
    username: str
    secret: Secret | TokenCmd  # a password source, or auth = "oauth2"'s token command
    timeout: float
    ca_file: str
    sent_folder: str
    drafts_folder: str
    folders_include: tuple[str, ...] = ()  # only these folders (and INBOX and Sent) when set
    folders_exclude: tuple[str, ...] = ()  # never these (but INBOX and Sent)


@dataclass(frozen=True)
class MaildirConfig:
    path: Path
    sent_folder: str
    drafts_folder: str
    folders_include: tuple[str, ...] = ()
    folders_exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptureConfig:
    address: str
    username: str
    secret: Secret | TokenCmd | None
    folders_include: tuple[str, ...] = ()  # the capture mailbox's own; it needs no Sent or Drafts
    folders_exclude: tuple[str, ...] = ()
    trusted_authserv_ids: tuple[str, ...] = ()  # rules.capture_trust, rule (b)
    plus_delimiter: str = "+"


@dataclass(frozen=True)
class DigestConfig:
    """When and how the digest and the daily checklist go out ([digest])."""

    weekday: int = 0  # 0 is Monday
    send_time: time = time(8, 0)
    quiet_days: int = 30
    quiet_limit: int = 20
    waiting_days: int = 2  # a contact's question is listed after this many working days
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
    secret: Secret | TokenCmd | None  # None when there is no login
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
    future_hours: int = 24  # [sync].future_hours: a later Date is taken for a wrong clock
    quote_rules: QuoteRules = DEFAULT_RULES
    quote_cadence: Cadence = DEFAULT_CADENCE
    calendar: Calendar = field(default_factory=Calendar)
    templates: Path | None = None  # the owner's templates folder; None: the shipped ones
    raw: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    digest: DigestConfig = field(default_factory=DigestConfig)
    smtp: SmtpConfig | None = None
    team_domains: tuple[str, ...] = ()  # the team's other domains: colleagues, not contacts
    plans: Plans = field(default_factory=Plans)  # [customers] and [leads] (config_plans)

    @property
    def owner(self) -> Owner:
        """The owner as the rules see them: name, addresses, capture address, team domains."""
        if self.capture is None:
            return Owner(self.owner_name, frozenset(self.owner_addresses), "",
                         frozenset(self.team_domains), future_slack_hours=self.future_hours,
                         lead_sources=self.plans.leads.sources)
        return CaptureOwner(self.owner_name, frozenset(self.owner_addresses),
                            self.capture.address, frozenset(self.team_domains),
                            self.capture.trusted_authserv_ids, self.capture.plus_delimiter,
                            self.calendar, future_slack_hours=self.future_hours,
                            lead_sources=self.plans.leads.sources)


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, check and resolve the config file at `path`; `env` says where XDG places are."""
    data = _read_toml(path)
    sections = check_schema(data)
    store = data.get("store", {}).get("path")  # as written: the schema fills in a default
    return _build(path.resolve(), sections, _store_path(path.resolve().parent, store, env))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as err:
        raise ConfigError(
            f"config file {path} not found",
            f"create it with `mkdir -p {path.parent} && inboxfollow config --example > {path}`"
            f" and edit it, or name another with --config FILE or ${CONFIG_ENV}",
        ) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(f"config file {path} cannot be read: {err.strerror}") from err


def _build(path: Path, sections: dict[str, dict[str, Any]], store_path: Path) -> Config:
    owner = sections["owner"]
    addresses = tuple(a.strip().lower() for a in owner["addresses"])
    if not addresses or not all("@" in a for a in addresses):
        raise ConfigError("[owner].addresses must list at least one email address")
    base, grants = path.parent, None
    if "oauth" in sections:  # the stored grant of `inboxfollow auth login` (urllib: only then)
        from inboxfollow.oauth.grants import grants_of

        oauth = grants_of(sections["oauth"], store_path.parent)
        grants = oauth.source if oauth else None
    imap = _imap(base, sections["imap"], grants) if "imap" in sections else None
    maildir = _maildir(base, sections["maildir"]) if "maildir" in sections else None
    if imap and maildir:
        raise ConfigError("both [imap] and [maildir] are set", "keep the one the mail is read from")
    return Config(
        path=path,
        owner_name=owner["name"],
        owner_addresses=addresses,
        timezone=zone(owner["timezone"]),
        signature=owner["signature"],
        team_domains=tuple(d.strip().lower().lstrip("@") for d in owner["team_domains"]),
        store_path=store_path,
        imap=imap,
        maildir=maildir,
        capture=_capture(sections["capture"], imap, grants) if "capture" in sections else None,
        batch_size=positive("[sync].batch_size", sections.get("sync", {}).get("batch_size", 500)),
        sync_minutes=positive(
            "[sync].every_minutes", sections.get("sync", {}).get("every_minutes", 15)
        ),
        future_hours=positive("[sync].future_hours",
                              sections.get("sync", {}).get("future_hours", 24)),
        quote_rules=_quote_rules(sections.get("quotes", {})),
        quote_cadence=_quote_cadence(sections),
        calendar=_calendar(sections.get("calendar", {}), zone(owner["timezone"])),
        templates=_templates(base, sections.get("drafts", {}).get("templates", "")),
        raw=sections,
        digest=_digest(sections.get("digest", {}), addresses, "smtp" in sections),
        smtp=_smtp(base, sections["smtp"], grants) if "smtp" in sections else None,
        plans=plans_of(sections),
    )


def _quote_rules(body: dict[str, Any]) -> QuoteRules:
    words = body.get("words") or DEFAULT_QUOTE_WORDS
    price_words = body.get("price_words") or DEFAULT_PRICE_WORDS
    if (most := body.get("mass_mailing", MASS_MAILING)) < 1:
        raise ConfigError(f"[quotes].mass_mailing is {most}", "set it to a number from 1")
    return QuoteRules.build(words, price_words, mass_mailing=most)


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
    draft_time = time_of_day("[calendar].draft_time", body.get("draft_time", "08:30"))
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


def _store_path(base: Path, value: str | None, env: Mapping[str, str] | None) -> Path:
    """[store].path from the config's folder; unset: the XDG state folder, unless the store
    is still at the old default place beside the config (then that, with a notice)."""
    if value:
        return _resolve(base, value)
    new, old = default_state_dir(env) / STORE_FILE, base / OLD_STORE
    if not new.exists() and old.is_file():
        files = old.parent / f"{old.stem}*"  # the store file and its messages file
        LOG.warning("using the store at %s, the old default place; the new one is %s: stop "
                    "inboxfollow, then `mkdir -p %s && mv %s %s/` (or set [store].path)",
                    old, new, new.parent, files, new.parent)
        return old
    return new


def _templates(base: Path, value: str) -> Path | None:
    if not value:
        return None
    path = _resolve(base, value)
    if not path.is_dir():
        raise ConfigError(f"[drafts].templates {path} is not a folder", "point it at the templates")
    return path


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _imap(base: Path, body: dict[str, Any], grants: GrantLookup | None) -> ImapConfig:
    security = body["security"]
    port = port_of("imap", body, {"ssl": 993, "starttls": 143, "none": 143}, "the password")
    return ImapConfig(
        host=body["host"],
        port=port,
        security=security,
        username=body["username"],
        secret=login_of("imap", body, grants),
        timeout=float(body["timeout"]),
        ca_file=str(_resolve(base, body["ca_file"])) if body["ca_file"] else "",
        sent_folder=body["sent_folder"],
        drafts_folder=body["drafts_folder"],
        folders_include=folder_patterns("imap", "folders_include", body),
        folders_exclude=folder_patterns("imap", "folders_exclude", body),
    )


def _maildir(base: Path, body: dict[str, Any]) -> MaildirConfig:
    return MaildirConfig(
        _resolve(base, body["path"]),
        body["sent_folder"],
        body["drafts_folder"],
        folder_patterns("maildir", "folders_include", body),
        folder_patterns("maildir", "folders_exclude", body),
    )


def _capture(body: dict[str, Any], imap: ImapConfig | None,
             grants: GrantLookup | None) -> CaptureConfig:
    address = body["address"].strip().lower()
    if "@" not in address:
        raise ConfigError(f"[capture].address {address!r} is not an email address")
    trusted = tuple(t.strip().lower() for t in body["trusted_authserv_id"] if t.strip())
    delimiter = body["plus_delimiter"]
    if len(delimiter) != 1 or delimiter.isalnum() or delimiter in "@ \t":
        raise ConfigError(f"[capture].plus_delimiter {delimiter!r} is not one sign",
                          'use "+" (the usual) or "-"')
    if not body["username"]:
        return CaptureConfig(address, "", None, trusted_authserv_ids=trusted,
                             plus_delimiter=delimiter)
    if imap is None:
        raise ConfigError(
            "[capture].username needs an [imap] section", "the capture mailbox is polled over IMAP"
        )
    return CaptureConfig(address, body["username"], login_of("capture", body, grants),
                         folder_patterns("capture", "folders_include", body),
                         folder_patterns("capture", "folders_exclude", body), trusted, delimiter)


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
        send_time=time_of_day("[digest].time", body["time"]),
        quiet_days=positive("[digest].quiet_days", body["quiet_days"]),
        quiet_limit=positive("[digest].quiet_limit", body["quiet_limit"]),
        waiting_days=waiting_days("[digest].waiting_days", body["waiting_days"]),
        daily_checklist=body["daily_checklist"],
        checklist_time=time_of_day("[digest].checklist_time", body["checklist_time"]),
        delivery=body["delivery"],
        to=to,
    )


def _smtp(base: Path, body: dict[str, Any], grants: GrantLookup | None) -> SmtpConfig:
    security = body["security"]
    port = port_of("smtp", body, {"starttls": 587, "ssl": 465, "none": 25},
                 "the password and the digest")
    username = body["username"]
    if not username and (body["auth"] == "oauth2" or body["password_env"]
                         or body["password_cmd"] or body["token_cmd"]):
        raise ConfigError("[smtp] has a login source but no username", "set [smtp].username")
    return SmtpConfig(
        host=body["host"],
        port=port,
        security=security,
        username=username,
        secret=login_of("smtp", body, grants) if username else None,
        timeout=float(positive("[smtp].timeout", body["timeout"])),
        ca_file=str(_resolve(base, body["ca_file"])) if body["ca_file"] else "",
    )
