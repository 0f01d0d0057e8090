"""What the config file may hold: every key once, with its type, default and a hint.

`check_schema` fills in defaults and raises a ConfigError naming the first
unknown section or key, missing key or wrong type, and what would be right.
The value checks below it (zones, ports, times of day) do the same for values
that need more than a type.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inboxfollow.errors import ConfigError
from inboxfollow.rules.waiting import DEFAULT_WAITING_DAYS

REQUIRED = object()


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    default: Any = None
    choices: tuple[str, ...] = ()
    hint: str = ""


def _list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


FOLDERS_INCLUDE_HINT = (
    'folder names or patterns (* any characters, ? one) to read, e.g. ["Archive", "Kunden/*"]; '
    "[] reads every folder but trash, junk and drafts"
)
FOLDERS_EXCLUDE_HINT = 'folder names or patterns never to read, e.g. ["Newsletters", "Lists/*"]'

WAITING_DAYS_HINT = ("working days a contact's question or request may go unanswered before "
                     "the digest and the checklist list it as waiting for your answer, e.g. 2")
MAX_WAITING_DAYS = 60
AUTH_CHOICES = ("password", "oauth2")  # oauth2: an access token from token_cmd
TOKEN_CMD_HINT = 'a command that prints a fresh OAuth2 access token, e.g. "oama access me@x.com"'

# How a login is made, the same in [imap], [capture] and [smtp]: a password from an
# environment variable or a command, or an OAuth2 access token from a command.
LOGIN_KEYS = {
    "auth": Key(str, "password", choices=AUTH_CHOICES),
    "password_env": Key(str, ""),
    "password_cmd": Key(str, ""),
    "token_cmd": Key(str, "", hint=TOKEN_CMD_HINT),
}

# section -> key -> Key. A kind of `list` means a list of strings.
SCHEMA: dict[str, dict[str, Key]] = {
    "owner": {
        "name": Key(str, REQUIRED, hint='the owner\'s name, e.g. name = "Dana Reyes"'),
        "addresses": Key(list, REQUIRED, hint='every owner address, e.g. ["me@example.com"]'),
        "timezone": Key(str, "UTC", hint='an IANA zone name such as "Europe/Berlin"'),
        "signature": Key(str, "", hint="the lines under a draft's closing; empty: learned "
                                       "from the signature of your recent Sent mail"),
        "team_domains": Key(list, [], hint='the team\'s other domains, e.g. ["acme-group.de"]'),
    },
    "imap": {
        "host": Key(str, REQUIRED, hint='the IMAP server, e.g. host = "imap.example.com"'),
        "port": Key(int, 0, hint="a TCP port number such as 993"),
        "security": Key(str, "ssl", choices=("ssl", "starttls", "none")),
        "username": Key(str, REQUIRED, hint="the login name"),
        **LOGIN_KEYS,
        "timeout": Key((int, float), 30.0, hint="seconds, e.g. 30"),
        "ca_file": Key(str, ""),
        "sent_folder": Key(str, "", hint="the Sent folder, when SPECIAL-USE does not say"),
        "drafts_folder": Key(str, "", hint="the Drafts folder, when SPECIAL-USE does not say"),
        "folders_include": Key(list, [], hint=FOLDERS_INCLUDE_HINT),
        "folders_exclude": Key(list, [], hint=FOLDERS_EXCLUDE_HINT),
    },
    "maildir": {
        "path": Key(str, REQUIRED, hint="the Maildir++ folder, e.g. \"~/Mail/work\""),
        "sent_folder": Key(str, ""),
        "drafts_folder": Key(str, ""),
        "folders_include": Key(list, [], hint=FOLDERS_INCLUDE_HINT),
        "folders_exclude": Key(list, [], hint=FOLDERS_EXCLUDE_HINT),
    },
    "capture": {
        "address": Key(str, REQUIRED, hint='the address the owner BCCs, e.g. "me+crm@example.com"'),
        "trusted_authserv_id": Key(list, [], hint='the authserv-ids of the capture mailbox\'s '
                                   'provider in Authentication-Results, e.g. ["mx.google.com"]'),
        "plus_delimiter": Key(str, "+", hint='what joins a command tag to the address: "+" '
                                             '(capture+3d@) or "-" (capture-3d@)'),
        "username": Key(str, ""),
        **LOGIN_KEYS,
        "folders_include": Key(list, [], hint=FOLDERS_INCLUDE_HINT),
        "folders_exclude": Key(list, [], hint=FOLDERS_EXCLUDE_HINT),
    },
    "store": {
        "path": Key(str, "state/inboxfollow.json"),
    },
    "sync": {
        "batch_size": Key(int, 500, hint="messages fetched per request, e.g. 500"),
        "every_minutes": Key(int, 15, hint="how often `inboxfollow run` syncs, e.g. 15"),
        "future_hours": Key(int, 24, hint="a Date more than this many hours after the "
                            "message arrived is replaced by the arrival time, e.g. 24"),
    },
    "quotes": {
        "words": Key(list, [], hint='words that name an offer, e.g. ["quote", "angebot"]'),
        "price_words": Key(list, [], hint='words that make an amount a price, e.g. ["price"]'),
        "cadence": Key(str, "quote", hint="the name of a cadence under [cadences]"),
        "mass_mailing": Key(int, 10, hint="sent to more recipients than this is no quote, e.g. 10"),
    },
    "drafts": {
        "templates": Key(str, "", hint="the folder of the Jinja2 draft templates"),
        "language": Key(str, "auto", choices=("auto", "en", "de", "fr", "es")),
        "languages": Key(dict, {}, hint='a table [drafts.languages] of "address or domain" = '
                                        '"de", e.g. "ana@example.es" = "es"'),
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
        "waiting_days": Key(int, DEFAULT_WAITING_DAYS, hint=WAITING_DAYS_HINT),
        "daily_checklist": Key(bool, False, hint="true mails a checklist every working day"),
        "checklist_time": Key(str, "07:30", hint='local time of day for it, e.g. "07:30"'),
        "delivery": Key(str, "imap", choices=("imap", "smtp")),
        "to": Key(str, "", hint="where the digest goes; default: the owner's first address"),
    },
    # the customers' touch-point plans and web-form leads (config_plans checks the tables)
    "customers": {
        "cadence": Key(str, "customer", hint="the name of a cadence under [cadences]; the "
                                             "built-in customer plan: 2w, then 4w and 5w"),
        "window_days": Key(int, 3, hint="days before a planned check-in from which your own "
                                        "touch counts as it, e.g. 3"),
        "quiet_days": Key(int, 30, hint="days without a touch before a customer is quiet"),
        "quiet_ahead_days": Key(int, 7, hint="a check-in planned within this many days keeps "
                                             "a customer off the quiet list, e.g. 7"),
        "from_mail_days": Key(int, 365, hint="an invoice or order confirmation older than "
                                             "this makes no customer on its own, e.g. 365"),
        "cadence_for": Key(dict, {}, hint='a table [customers.cadence_for] of "domain or '
                                          'address" = "cadence name"'),
    },
    "leads": {
        "cadence": Key(str, "lead", hint="the name of a cadence under [cadences]; the "
                                         "built-in lead cadence: 1bd, 3bd, 1w, 2w"),
        "sources": Key(dict, {}, hint="tables [leads.sources.NAME] with senders, subjects "
                                      "and reply_subject"),
    },
    "smtp": {
        "host": Key(str, REQUIRED, hint='the SMTP server, e.g. host = "smtp.example.com"'),
        "port": Key(int, 0, hint="a TCP port number: 587 for starttls, 465 for ssl"),
        "security": Key(str, "starttls", choices=("starttls", "ssl", "none")),
        "username": Key(str, "", hint="the login name; empty: no login"),
        **LOGIN_KEYS,
        "timeout": Key((int, float), 30.0, hint="seconds, e.g. 30"),
        "ca_file": Key(str, ""),
    },
    # OAuth2 without a token helper: the user's own registered client, for `inboxfollow
    # auth login` and the grant it stores (inboxfollow/oauth/).
    "oauth": {
        "provider": Key(str, REQUIRED, choices=("google", "microsoft", "custom"),
                        hint='"google", "microsoft" or "custom" (then set the endpoints)'),
        "client_id": Key(str, REQUIRED, hint="the client id of the OAuth client you registered"),
        "client_secret_cmd": Key(str, "", hint='a command that prints the client secret'),
        "tenant": Key(str, "common", hint='Microsoft: "common", "organizations" or a tenant id'),
        "authorize_url": Key(str, ""),
        "token_url": Key(str, ""),
        "device_url": Key(str, ""),
        "scopes": Key(list, [], hint='e.g. ["https://mail.google.com/"]; [] the preset\'s'),
        "token_store": Key(str, "file", choices=("file", "keyring")),
    },
}
# Sections whose keys are names the owner chooses: name -> list of strings.
NAMED_LISTS = {"cadences": 'steps such as ["2bd", "5d", "1w"]'}


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


def positive(name: str, value: int) -> int:
    if value <= 0:
        raise ConfigError(f"{name} must be above zero, not {value}")
    return value


def waiting_days(name: str, value: int) -> int:
    """N working days, 0 (listed the same day) to MAX_WAITING_DAYS."""
    if not 0 <= value <= MAX_WAITING_DAYS:
        raise ConfigError(f"{name} is {value}, not a number of working days from 0 to "
                          f"{MAX_WAITING_DAYS}", f"set {name} = 2 (the default), or leave it out")
    return value


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(
            f"[owner].timezone {name!r} is not a known time zone",
            'use an IANA name such as "Europe/Berlin" or "UTC"',
        ) from err


def is_loopback(host: str) -> bool:
    """True for a host on this machine: localhost, 127.0.0.0/8, ::1 (also in brackets)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def port_of(section: str, body: dict[str, Any], defaults: dict[str, int], what: str) -> int:
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


def time_of_day(name: str, text: str) -> time:
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return time(hour, minute)
    except ValueError as err:
        raise ConfigError(f"{name} {text!r} is not a time of day", 'write it as "HH:MM"') from err


def folder_patterns(section: str, key: str, body: dict[str, Any]) -> tuple[str, ...]:
    """Folder names or globs (`*`, `?`); what would silently match nothing is refused."""
    name = f"[{section}].{key}"
    for pattern in body[key]:
        if not pattern.strip():
            raise ConfigError(f"{name} has an empty name", 'remove it, or write a folder name')
        if pattern != pattern.strip():
            raise ConfigError(
                f"{name} has {pattern!r}, with spaces around the name",
                f"write {pattern.strip()!r}",
            )
        if "%" in pattern:
            star = pattern.replace("%", "*")
            raise ConfigError(
                f"{name} has {pattern!r}: % is not a wildcard here",
                f"use * for any characters, e.g. {star!r} (and ? for a % in a name)",
            )
        if key == "folders_exclude" and pattern.upper() == "INBOX":
            raise ConfigError(f"{name} has INBOX, which is always read", "remove it")
    return tuple(body[key])
