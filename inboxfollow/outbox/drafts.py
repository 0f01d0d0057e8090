"""Render a follow-up from a template and build it as a threaded draft message (pure).

Templates come only from the templates folder; values taken from mail (names,
subjects) are passed in as data and never evaluated as a template. The message
is built with the standard email package's modern policy: names and subjects
are folded and encoded, and no header can be injected through them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from inboxfollow.errors import ConfigError
from inboxfollow.mail.text import base_subject, one_line
from inboxfollow.outbox.templates import TemplateSet

LOOP_HEADER = "X-Inboxfollow-Loop"


def loop_ref(loop_id: str) -> str:
    return hashlib.sha256(loop_id.encode("utf-8")).hexdigest()[:20]


def draft_message_id(loop_id: str, step: int, domain: str) -> str:
    """The same loop and step always give the same Message-ID: a crash cannot make two."""
    return f"<inboxfollow.{loop_ref(loop_id)}.{step}@{domain}>"


@dataclass(frozen=True)
class DraftFacts:
    """Everything a draft is made of, gathered from a loop."""

    loop_id: str
    step: int  # follow-up number: 1 is the first follow-up after the quote
    last_step: bool
    contact: str
    contact_name: str
    quote_subject: str
    quote_date: datetime
    days_since: int
    thread: tuple[str, ...]  # message ids of the thread, oldest first
    owner_name: str
    owner_address: str
    signature: str


@dataclass(frozen=True)
class Draft:
    facts: DraftFacts
    message_id: str
    subject: str
    text: str
    html: str | None
    template: str

    def to_bytes(self, now: datetime) -> bytes:
        return build_message(self, now)


class Templates:
    """The Jinja2 templates for drafts: one per step, with a fallback.

    The shipped templates, each replaceable by a file of the same name in `folder`
    ([drafts].templates); None uses the shipped ones alone.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.templates = TemplateSet(folder)
        self.folder = folder
        self.env = self.templates.env

    def names_for(self, facts: DraftFacts, suffix: str) -> list[str]:
        names = [f"followup_{facts.step}.{suffix}.j2", f"followup.{suffix}.j2"]
        if facts.last_step:
            names.insert(0, f"followup_last.{suffix}.j2")
        return names

    def render(self, facts: DraftFacts, suffix: str, required: bool) -> tuple[str, str] | None:
        template = self.templates.first(self.names_for(facts, suffix))
        if template is not None:
            name = template.name or self.names_for(facts, suffix)[-1]
            return name, self.templates.render(template, template_values(facts))
        if required:
            raise ConfigError(
                f"no template for step {facts.step} in {self.folder or 'the shipped templates'}",
                f"add {self.names_for(facts, suffix)[-1]}",
            )
        return None


def first_name(name: str, email: str) -> str:
    name = one_line(name).strip("\"' ")
    if "," in name:  # "Weber, Jonas"
        name = name.split(",", 1)[1].strip()
    return name.split(" ")[0] if name else email.partition("@")[0].split(".")[0].title()


def template_values(facts: DraftFacts) -> dict[str, Any]:
    return {
        "contact_name": one_line(facts.contact_name) or facts.contact,
        "first_name": first_name(facts.contact_name, facts.contact),
        "contact_email": facts.contact,
        "quote_subject": base_subject(facts.quote_subject),
        "quote_date": facts.quote_date.strftime("%d %B %Y").lstrip("0"),
        "quote_word": "quote",
        "days_since": facts.days_since,
        "step": facts.step,
        "contact_number": facts.step + 1,
        "last_step": facts.last_step,
        "owner_name": facts.owner_name,
        "signature": facts.signature or facts.owner_name,
    }


def render_draft(facts: DraftFacts, templates: Templates) -> Draft:
    name, text = templates.render(facts, "txt", required=True)  # type: ignore[misc]
    html = templates.render(facts, "html", required=False)
    domain = facts.owner_address.rpartition("@")[2] or "inboxfollow.invalid"
    return Draft(
        facts=facts,
        message_id=draft_message_id(facts.loop_id, facts.step, domain),
        subject=f"Re: {base_subject(facts.quote_subject)}",
        text=text,
        html=html[1] if html else None,
        template=name,
    )


def _address(name: str, email: str) -> Address:
    local, _, domain = email.partition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, with the work every draft repeats done once.

    `HeaderRegistry.__getitem__` builds a new class with `type()` on every header set
    or read; every header is parsed and folded anew, although the drafts of a run share
    From, Date, MIME-Version, Content-Type and Content-Transfer-Encoding. That was over
    half of the time to build a draft. Here each class is made once, and a header made
    from the same name and value is reused with its folded form (header objects are
    immutable, and the email package itself reuses them when a message is generated
    twice). The messages are byte for byte the ones the standard registry gives.
    """

    MAX_MADE = 512  # made headers kept; the table starts afresh when it is full

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        self._made: dict[tuple[Any, ...], Any] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            made = super().__getitem__(name)
            cls = self._classes[key] = type(made.__name__, (_FoldOnce, made), {})
        return cls

    def __call__(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            key: tuple[Any, ...] = (name, value)
        elif isinstance(value, Address):
            key = (name, Address, value.display_name, value.username, value.domain)
        else:
            return super().__call__(name, value)
        header = self._made.get(key)
        if header is None:
            if len(self._made) >= self.MAX_MADE:
                self._made.clear()
            header = self._made[key] = super().__call__(name, value)
        return header

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.clear()
        self._made.clear()


class _FoldOnce:
    """A header folds the same way every time for one policy: keep what it gave."""

    def fold(self, *, policy: Any) -> str:
        folded = self.__dict__.setdefault("_folded", {})
        text = folded.get(policy)
        if text is None:
            text = folded[policy] = super().fold(policy=policy)  # type: ignore[misc]
        return text  # type: ignore[no-any-return]


_POLICY = default_policy.clone(header_factory=_HeaderClasses())


def build_message(draft: Draft, now: datetime) -> bytes:
    facts = draft.facts
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _address(facts.owner_name, facts.owner_address)
    msg["To"] = _address(facts.contact_name, facts.contact)
    msg["Subject"] = one_line(draft.subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = draft.message_id
    if facts.thread:
        msg["In-Reply-To"] = facts.thread[-1]
        msg["References"] = " ".join(facts.thread[-20:])
    msg[LOOP_HEADER] = f"{loop_ref(facts.loop_id)}; step={facts.step}"
    msg.set_content(draft.text)
    if draft.html is not None:
        msg.add_alternative(draft.html, subtype="html")
    raw = msg.as_bytes(policy=SMTP)
    _check_header_names(raw)
    return raw


EXPECTED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references",
    LOOP_HEADER.lower(), "content-type", "content-transfer-encoding", "mime-version",
}


def _check_header_names(raw: bytes) -> None:
    """A last guard: the header block holds exactly the headers we set, once each."""
    header = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    names = [line.split(":", 1)[0].lower() for line in header.split("\r\n")
             if line and not line[0].isspace()]
    if len(names) != len(set(names)) or not set(names) <= EXPECTED_HEADERS:
        raise ValueError(f"draft header block is not what was built: {sorted(names)}")
