"""The digest and the checklist as mail: rendered from their templates, built as a message.

Values from mail are data, never templates; the HTML part is autoescaped
(`outbox.templates`). The HTML templates style by class in one <style>; css-inline
(a maintained Rust inliner with Python wheels) moves those rules into style
attributes, which is what mail clients read, and keeps the at-rules (the dark-scheme
block) in <style> for the clients that honour them. The message is
multipart/alternative and marked as automatic, so that no sync takes it for a human
touch.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import css_inline

from inboxfollow.mail.text import one_line
from inboxfollow.outbox.templates import TemplateSet
from inboxfollow.rules.digest import ChecklistData, DigestData

DIGEST_HEADER = "X-Inboxfollow-Digest"


_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """The <style> rules moved into style attributes; @media rules kept in <style>."""
    inlined = str(_INLINER.inline(html))
    return inlined if inlined.endswith("\n") else inlined + "\n"


def _render_pair(name: str, data: DigestData | ChecklistData,
                 templates_dir: Path | None) -> tuple[str, str, str]:
    templates = TemplateSet(templates_dir)  # the owner's file first, else the shipped one
    subject = one_line(data.subject)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values |= {"subject": subject, "actions": data.actions, "kind": name}
    text = templates.render(templates.get(f"{name}.txt.j2"), values)
    html = templates.render(templates.get(f"{name}.html.j2"), values)
    return subject, text, inline_css(html)


def render_digest(data: DigestData, templates_dir: Path | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the weekly digest."""
    return _render_pair("digest", data, templates_dir)


def render_checklist(
    data: ChecklistData, templates_dir: Path | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of the daily checklist."""
    return _render_pair("checklist", data, templates_dir)


def _address(name: str, email: str) -> Address:
    local, _, domain = email.strip().partition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


def build_digest_message(
    owner_name: str,
    owner_address: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    kind: str = "digest",
) -> bytes:
    """A multipart/alternative message from the owner to `to`, marked as automatic
    (RFC 3834) so that no sync takes it for a human touch and no auto-reply answers it."""
    domain = owner_address.rpartition("@")[2] or "inboxfollow.invalid"
    stamp = hashlib.sha256(f"{kind}\0{now.isoformat()}\0{text}".encode()).hexdigest()[:16]
    msg = EmailMessage()
    msg["From"] = _address(owner_name, owner_address)
    msg["To"] = _address("", to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<inboxfollow.{kind}.{now.strftime('%Y%m%d%H%M')}.{stamp}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg[DIGEST_HEADER] = one_line(kind)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes(policy=SMTP)
