"""Build test messages and configs, deliver them over IMAP, run the CLI as a user would.

Messages are raw bytes with CRLF line ends, as a mail server stores them.
Names and subjects outside ASCII are RFC 2047 encoded by the stdlib (SMTP policy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.dovecot import ImapAccount
from tests.storefile import store_tables

ROOT = Path(__file__).resolve().parent.parent
PASSWORD_ENV = "INBOXFOLLOW_TEST_PASSWORD"
CAPTURE_PASSWORD_ENV = "INBOXFOLLOW_TEST_CAPTURE_PASSWORD"

OWNER_NAME = "Dana Reyes"
OWNER = "dana@reyes-joinery.example"
CAPTURE = "dana+crm@reyes-joinery.example"
# the capture provider's authserv-id, and what it writes on the owner's genuine BCC copies
CAPTURE_AUTHSERV = "mx.reyes-joinery.example"
CAPTURE_AUTH = ("Authentication-Results", f"{CAPTURE_AUTHSERV}; dkim=pass"
                " header.d=reyes-joinery.example; dmarc=pass header.from=reyes-joinery.example")

Person = tuple[str, str]  # (display name, address)
ME: Person = (OWNER_NAME, OWNER)


def tagged(tag: str) -> str:
    """The capture address with a +tag: `crm+3d@...` (the command the owner BCCs)."""
    local, _, domain = CAPTURE.partition("@")
    return f"{local}+{tag}@{domain}"


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _address(person: Person) -> Address:
    name, addr = person
    local, _, domain = addr.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def message(
    sender: Person,
    to: Sequence[Person],
    subject: str,
    date: datetime | None,
    message_id: str | None,
    body: str = "Hello.",
    *,
    cc: Sequence[Person] = (),
    reply_to: str | Sequence[str] = (),
    headers: Iterable[tuple[str, str]] = (),
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    """One message as raw CRLF bytes. `reply_to` sets In-Reply-To (last) and References."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address(sender)
    msg["To"] = [_address(p) for p in to]
    if cc:
        msg["Cc"] = [_address(p) for p in cc]
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    if message_id is not None:
        msg["Message-ID"] = message_id
    refs = [reply_to] if isinstance(reply_to, str) else list(reply_to)
    if refs:
        msg["In-Reply-To"] = refs[-1]
        msg["References"] = " ".join(refs)
    for name, value in headers:
        msg[name] = value
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    if attachment is not None:
        filename, data = attachment
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return crlf(msg.as_bytes())


def bounce(
    to: Person, failed: str, date: datetime, message_id: str, original_id: str,
    diagnostic: str = "smtp; 550 5.1.1 <{failed}>: Recipient address rejected: User unknown",
) -> bytes:
    """An RFC 3464 delivery status notification for `failed`."""
    diag = diagnostic.format(failed=failed)
    return crlf(f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.reyes-joinery.example>
To: {to[1]}
Subject: Undelivered Mail Returned to Sender
Date: {format_datetime(date)}
Message-ID: {message_id}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN-B1"

--DSN-B1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.reyes-joinery.example.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{failed}>: host mx.example said: 550 5.1.1 user unknown

--DSN-B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.reyes-joinery.example

Final-Recipient: rfc822; {failed}
Original-Recipient: rfc822;{failed}
Action: failed
Status: 5.1.1
Diagnostic-Code: {diag}

--DSN-B1
Content-Type: text/rfc822-headers

From: {OWNER_NAME} <{OWNER}>
To: <{failed}>
Message-ID: {original_id}
Subject: Quote

--DSN-B1--
""".encode())


def read_receipt(sender: Person, to: Person, date: datetime, message_id: str,
                 original_id: str, subject: str) -> bytes:
    """An RFC 8098 disposition notification ("Read: ...")."""
    return crlf(f"""\
From: {sender[0]} <{sender[1]}>
To: {to[1]}
Subject: Read: {subject}
Date: {format_datetime(date)}
Message-ID: {message_id}
In-Reply-To: {original_id}
References: {original_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="MDN-B1"

--MDN-B1
Content-Type: text/plain; charset=us-ascii

Your message was displayed on the recipient's screen.

--MDN-B1
Content-Type: message/disposition-notification

Reporting-UA: mail.example; Mail Client
Final-Recipient: rfc822; {sender[1]}
Original-Message-ID: {original_id}
Disposition: manual-action/MDN-sent-manually; displayed

--MDN-B1--
""".encode())


def calendar_reply(sender: Person, to: Person, date: datetime, message_id: str,
                   subject: str) -> bytes:
    """An iMIP REPLY: the contact accepted an invitation."""
    return crlf(f"""\
From: {sender[0]} <{sender[1]}>
To: {to[1]}
Subject: Accepted: {subject}
Date: {format_datetime(date)}
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="CAL-B1"

--CAL-B1
Content-Type: text/plain; charset=utf-8

{sender[0]} has accepted this invitation.

--CAL-B1
Content-Type: text/calendar; method=REPLY; charset=utf-8

BEGIN:VCALENDAR
METHOD:REPLY
BEGIN:VEVENT
ATTENDEE;PARTSTAT=ACCEPTED:mailto:{sender[1]}
SUMMARY:{subject}
END:VEVENT
END:VCALENDAR

--CAL-B1--
""".encode())


# -- delivery ------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    folder: str  # "INBOX" or "Sent"
    raw: bytes
    date: datetime | None  # INTERNALDATE; None: now
    flags: tuple[str, ...] = ("\\Seen",)


def deliver_all(account: ImapAccount, deliveries: Iterable[Delivery]) -> int:
    """APPEND many messages over one connection; returns how many."""
    client = account.client()
    count = 0
    try:
        for item in deliveries:
            client.append(item.folder, item.raw, flags=list(item.flags), msg_time=item.date)
            count += 1
    finally:
        client.logout()
    return count


# -- config and CLI ----------------------------------------------------------------


def write_config(
    directory: Path,
    account: ImapAccount,
    *,
    port: int | None = None,
    capture: ImapAccount | None = None,
    batch_size: int | None = None,
    timezone: str = "Europe/Berlin",
    name: str = "inboxfollow.toml",
    extra: str = "",
) -> Path:
    """A config for `account` (security none on loopback); the store is a real file beside it."""
    lines = [
        "[owner]",
        f'name = "{OWNER_NAME}"',
        f'addresses = ["{OWNER}"]',
        f'timezone = "{timezone}"',
        "",
        "[imap]",
        f'host = "{account.host}"',
        f"port = {port or account.port}",
        'security = "none"',
        f'username = "{account.username}"',
        f'password_env = "{PASSWORD_ENV}"',
        "timeout = 10",
        "",
        "[capture]",
        f'address = "{CAPTURE}"',
        f'trusted_authserv_id = ["{CAPTURE_AUTHSERV}"]',
    ]
    if capture is not None:
        lines += [f'username = "{capture.username}"', f'password_env = "{CAPTURE_PASSWORD_ENV}"']
    lines += ["", "[store]", 'path = "state/inboxfollow.json"']
    if batch_size is not None:
        lines += ["", "[sync]", f"batch_size = {batch_size}"]
    path = directory / name
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def store_path(config: Path) -> Path:
    return config.parent / "state" / "inboxfollow.json"


def cli_env(account: ImapAccount | None = None, capture: ImapAccount | None = None,
            password: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (PASSWORD_ENV, CAPTURE_PASSWORD_ENV)}
    env["PYTHONPATH"] = str(ROOT)
    if password is not None:
        env[PASSWORD_ENV] = password
    elif account is not None:
        env[PASSWORD_ENV] = account.password
    if capture is not None:
        env[CAPTURE_PASSWORD_ENV] = capture.password
    return env


def run_cli(
    *args: str,
    config: Path | None = None,
    env: dict[str, str] | None = None,
    now: str | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m inboxfollow [--config C] [--now N] ARGS...`, captured."""
    argv = [sys.executable, "-m", "inboxfollow"]
    if config is not None:
        argv += ["--config", str(config)]
    if now is not None:
        argv += ["--now", now]
    argv += list(args)
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout,
        env=env if env is not None else cli_env(), cwd=cwd or ROOT, check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    """stdout of a command that must have succeeded (stderr shown when it did not)."""
    assert done.returncode == 0, (
        f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done.stdout


def ok_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(done))


def snapshot(path: Path) -> dict[str, Any]:
    """What a sync leaves in a store file: messages (kind, direction, locations), checkpoints."""
    data = store_tables(path)
    messages = {
        doc["key"]: (doc["kind"], doc["direction"], sorted(map(tuple, doc["locations"])))
        for doc in data.get("messages", {}).values()
    }
    checkpoints = sorted(
        (c["mailbox"], c["folder"], c["uidvalidity"], c["last_uid"])
        for c in data.get("checkpoints", {}).values()
    )
    set_aside = sorted(tuple(e["location"]) for e in data.get("set_aside", {}).values())
    return {"messages": messages, "checkpoints": checkpoints, "set_aside": set_aside}
