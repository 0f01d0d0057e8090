"""Short notes to the owner about their capture commands: the message, and its words.

A note goes into the owner's INBOX, from the owner to the owner, marked as
automatic (RFC 3834) so that no sync takes it for a human touch. Its Message-ID is
made from what it acknowledges, so a note already appended is found again (after a
crash or a resync) and never appended twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from inboxfollow.rules.capture_tags import VALID_TAGS, Command

NOTE_KIND = "note"
DIGEST_HEADER = "X-Inboxfollow-Digest"  # as outbox.digest's (not imported: a poll loads no Jinja)
UNDO = {
    "quote": "to undo: inboxfollow quote --not '{target}'",
    "noquote": "to undo: inboxfollow quote '{target}'",
    "stop": "to undo: send a new quote (or BCC +quote on your next message) to start a new loop",
    "won": "to undo: inboxfollow mark {contact} lost, or send a new quote to start a new loop",
    "lost": "to undo: inboxfollow mark {contact} won, or send a new quote to start a new loop",
    "due": "to cancel: BCC +stop on your next message in this conversation, or delete the "
           "draft when it comes",
    "log": "nothing to undo: the note only adds to the history",
    "pending": "nothing to undo",
}


def note_id(what: str, domain: str) -> str:
    """The Message-ID of the note acknowledging `what` (the same `what`, the same ID)."""
    stamp = hashlib.sha256(what.encode("utf-8", "replace")).hexdigest()[:20]
    return f"<inboxfollow.{NOTE_KIND}.{stamp}@{domain or 'inboxfollow.invalid'}>"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_note(owner_name: str, owner_address: str, subject: str, text: str,
               message_id: str, now: datetime) -> bytes:
    local, _, domain = owner_address.partition("@")
    msg = EmailMessage()
    msg["From"] = Address(display_name=_one_line(owner_name), username=local, domain=domain)
    msg["To"] = Address(username=local, domain=domain)
    msg["Subject"] = _one_line(subject)[:200]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg[DIGEST_HEADER] = NOTE_KIND
    msg.set_content(text)
    return msg.as_bytes(policy=SMTP)


def command_note(command: Command, subject: str, target: str, contacts: Sequence[str]
                 ) -> tuple[str, str]:
    """(subject, text) of the note acknowledging a command on the message `subject`."""
    if not command.valid:
        return invalid_note(command, subject)
    contact = contacts[0] if contacts else "CONTACT"
    undo = [UNDO[name].format(target=target, contact=contact) for name in _parts(command)]
    lines = [f"Done: {command.describe()} for {subject!r} (tag +{command.tag}).", ""]
    if contacts:
        lines.append(f"People: {', '.join(contacts)}")
    lines += [*dict.fromkeys(undo), "", f"Explain: inboxfollow explain '{target}'"]
    return f"inboxfollow: +{command.tag} done: {subject}", "\n".join(lines) + "\n"


def _parts(command: Command) -> list[str]:
    parts = []
    if command.quote is not None:
        parts.append("quote" if command.quote else "noquote")
    if command.close:
        parts.append(command.close)
    if command.due is not None:
        parts.append("due")
    if command.log:
        parts.append("log")
    if command.pending:
        parts.append("pending")
    return parts


def invalid_note(command: Command, subject: str) -> tuple[str, str]:
    text = (f"The tag +{command.tag} on {subject!r} was not understood: {command.problem}.\n"
            "The message is recorded all the same; nothing else was done.\n\n"
            f"Valid tags: {', '.join('+' + t for t in VALID_TAGS)}\n"
            "(any number of days 3d, business days 5bd or weeks 2w; a weekday; a month and "
            "day; a date), combined as +quote+1w, +call+3d or +call+won.\n")
    return f"inboxfollow: tag +{command.tag} not understood: {subject}", text


def unseen_note(subject: str) -> tuple[str, str]:
    text = (f"{subject!r} reached the capture address and is recorded, but none of its "
            "headers (Delivered-To, X-Original-To, Received ... for) shows the address it "
            "was sent to, so a +tag on it could not be read and no command was carried out.\n"
            "To give a command, send from a client that keeps a copy in your Sent folder "
            "(its Bcc shows the tag).\n")
    return f"inboxfollow: no tag could be seen: {subject}", text


def rejected_note(entries: Sequence[dict[str, object]]) -> tuple[str, str]:
    lines = ["Mail to your capture address that claims to be from you was not trusted, so "
             "its commands were not carried out (nothing was sent to anyone):", ""]
    for entry in entries:
        sender = entry.get("sender") or ["", "?"]
        email = sender[1] if isinstance(sender, list) and len(sender) > 1 else "?"
        lines.append(f"- {entry.get('subject', '')!r} from {email}: {entry.get('reason', '')}")
    lines += ["", "If it was you: set [capture] trusted_authserv_id (see `inboxfollow check`), "
              "or send from a client that keeps a copy in your Sent folder."]
    return f"inboxfollow: {len(entries)} capture message(s) not trusted", "\n".join(lines) + "\n"
