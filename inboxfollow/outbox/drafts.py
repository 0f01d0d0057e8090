"""Render a follow-up from a template and build it as a threaded draft message.

Templates are named `{kind}/{lang}/{step}.txt.j2` (`quote/de/3.txt.j2`, and
`quote/de/last.txt.j2` for the cadence's last step); a step without its own text
takes the nearest lower step's, and a language without one takes English. The
owner's templates folder replaces shipped files one at a time. Their files under
the old names (followup_N, followup, followup_last) keep working, with a notice on
how to rename them, until the folder holds a `quote/` folder of its own.

The template writes the greeting, the message and the closing; the signature
(never twice) and the quote's own text, quoted as mail clients quote, go below.
Values taken from mail (names, subjects, the quote's text) are passed in as data
and never evaluated as a template. The message is built with the standard email
package's modern policy: names and subjects are folded and encoded, and no header
can be injected through them. Drafts are plain text.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Template

from inboxfollow.errors import ConfigError
from inboxfollow.mail.text import one_line
from inboxfollow.outbox.templates import TemplateSet
from inboxfollow.rules import draft_words as words
from inboxfollow.rules.signature import sign
from inboxfollow.rules.steps import followup_label

LOG = logging.getLogger(__name__)

# The header drafts of earlier versions carried. It would reach the contact when the
# owner sent the draft, so drafts no longer have it; it is kept to name it (bench).
LOOP_HEADER = "X-Inboxfollow-Loop"
DOCUMENT_TYPES = (".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".pages", ".rtf")


def loop_ref(loop_id: str) -> str:
    return hashlib.sha256(loop_id.encode("utf-8")).hexdigest()[:20]


def draft_message_id(loop_id: str, step: int, domain: str) -> str:
    """An opaque Message-ID in the shape mail clients write (a UUID at the owner's
    domain). The same loop and step always give the same one, so a crash between
    APPEND and saving state cannot make a second draft; nothing in it says "inboxfollow"."""
    digest = hashlib.sha256(f"draft\0{loop_id}\0{step}".encode()).hexdigest()
    uuid = "-".join((digest[:8], digest[8:12], "4" + digest[13:16], digest[16:20], digest[20:32]))
    return f"<{uuid}@{domain}>"


def legacy_message_id(loop_id: str, step: int, domain: str) -> str:
    """The Message-ID earlier versions gave a draft: still found and adopted."""
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
    signature: str  # from [owner] signature, else learned from Sent mail; "" for neither
    tz: tzinfo = UTC  # the owner's zone: the Date header and every date in the text
    language: str = "en"
    quote_text: str = ""  # the quote's own text, without its quoted history
    attachments: tuple[str, ...] = ()  # the quote's attached file names
    to: tuple[tuple[str, str], ...] = ()  # (name, address) as in the quote; () for contact
    cc: tuple[tuple[str, str], ...] = ()
    total: int = 0  # follow-ups in the cadence
    kind: str = "quote"  # the kind of loop: the templates' folder
    now: datetime | None = None  # when it is written ("3 March" this year, with a year else)
    their_words: str = ""  # a resumed "not now": the date phrase they wrote ("in January")
    their_sentence: str = ""  # ... the sentence it stood in
    their_date: datetime | None = None  # ... when they wrote it


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

    @property
    def legacy_message_id(self) -> str:
        """The Message-ID an earlier version gave this draft: adopted when found."""
        domain = self.facts.owner_address.rpartition("@")[2] or "inboxfollow.invalid"
        return legacy_message_id(self.facts.loop_id, self.facts.step, domain)


LEGACY_NAMES = {"followup_last.txt.j2": "{kind}/en/last.txt.j2",
                "followup.txt.j2": "{kind}/en/1.txt.j2 (and each step it should stand for)"}


class Templates:
    """The Jinja2 templates for drafts, by kind, language and step, with fallbacks.

    The shipped templates, each replaceable by a file of the same name in `folder`
    ([drafts].templates); None uses the shipped ones alone.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.templates = TemplateSet(folder)
        self.folder = folder
        self.env = self.templates.env
        self._noticed: set[str] = set()

    def names_for(self, facts: DraftFacts) -> list[str]:
        """The template names tried, in order: the language's own step, its nearest
        lower step, then the same in English."""
        names = []
        for lang in dict.fromkeys((facts.language, "en")):
            if facts.last_step:
                names.append(f"{facts.kind}/{lang}/last.txt.j2")
            names += [f"{facts.kind}/{lang}/{n}.txt.j2" for n in range(facts.step, 0, -1)]
        return names

    def legacy_names(self, facts: DraftFacts) -> list[str]:
        names = [f"followup_{facts.step}.txt.j2", "followup.txt.j2"]
        return ["followup_last.txt.j2", *names] if facts.last_step else names

    def choose(self, facts: DraftFacts) -> Template:
        legacy = self._legacy(facts)
        if legacy is not None:
            return legacy
        template = self.templates.first_found(self.names_for(facts))
        if template is None:
            raise ConfigError(
                f"no template for {followup_label(facts.step, facts.total or facts.step)} in "
                f"{self.folder or 'the shipped templates'}",
                f"add {facts.kind}/en/1.txt.j2 (see docs/templates.md)",
            )
        return template

    def _legacy(self, facts: DraftFacts) -> Template | None:
        """The owner's template under an old name, while they have no `{kind}/` folder."""
        if self.templates.owner_has_folder(facts.kind):
            old = [n for n in self.legacy_names(facts) if self.templates.owner_has(n)]
            if old and old[0] not in self._noticed:
                self._noticed.add(old[0])
                LOG.warning("templates folder %s: %s is not read, since the folder has a %s/ "
                            "folder: move it there (docs/templates.md)", self.folder, old[0],
                            facts.kind)
            return None
        for name in self.legacy_names(facts):
            if self.templates.owner_has(name):
                self._notice(name, facts.kind)
                return self.templates.get(name)
        return None

    def _notice(self, name: str, kind: str) -> None:
        if name in self._noticed:
            return
        self._noticed.add(name)
        step = name.removeprefix("followup_").removesuffix(".txt.j2")
        new = LEGACY_NAMES.get(name, f"{{kind}}/en/{step}.txt.j2").format(kind=kind)
        LOG.warning("templates folder %s: %s is an old name, still used; rename it to %s "
                    "(one folder per language: docs/templates.md)", self.folder, name, new)

    def render(self, facts: DraftFacts) -> tuple[str, str]:
        template = self.choose(facts)
        name = template.name or self.names_for(facts)[-1]
        return name, self.templates.render(template, template_values(facts))


def first_name(name: str, email: str) -> str:
    name = full_name(name)
    return name.split(" ")[0] if name else email.partition("@")[0].split(".")[0].title()


def full_name(name: str) -> str:
    """A display name as a person is addressed: "Weber, Jonas" is Jonas Weber."""
    name = one_line(name).strip("\"' ")
    if "@" in name:
        return ""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}"
    return name


def quote_file(facts: DraftFacts) -> str:
    """The quote's document when it goes by its file: attached, and the subject does
    not name the quote ("Documents for next week", or only "Angebot")."""
    documents = [a for a in facts.attachments if a.lower().endswith(DOCUMENT_TYPES)]
    if not documents:
        return ""
    subject = facts.quote_subject
    noun = words.NOUNS[facts.language]
    if not words.names_quote(subject) or words.quote_ref(subject, facts.language) == noun:
        return documents[0]
    return ""


def quoted_original(facts: DraftFacts) -> str:
    """The quote's own text as `> ` lines under its attribution; "" without text."""
    block = words.quoted_block(facts.quote_text)
    if not block:
        return ""
    when = facts.quote_date.astimezone(facts.tz)
    line = words.attribution(when, facts.owner_name, facts.owner_address, facts.language)
    return f"{line}\n{block}"


def template_values(facts: DraftFacts) -> dict[str, Any]:
    lang = facts.language
    now = (facts.now or facts.quote_date).astimezone(facts.tz)
    file = quote_file(facts)
    noun = (words.english_noun(file, facts.quote_subject, facts.quote_text) if lang == "en"
            else words.NOUNS[lang])
    total = facts.total or facts.step
    return {
        "contact_name": one_line(facts.contact_name) or facts.contact,
        "first_name": first_name(facts.contact_name, facts.contact),
        "full_name": full_name(facts.contact_name) or first_name("", facts.contact),
        "contact_email": facts.contact,
        "quote_subject": words.base_subject(facts.quote_subject),
        "quote_ref": (words.attachment_ref(file, lang, noun) if file
                      else words.quote_ref(facts.quote_subject, lang, noun)),
        "quote_noun": noun,
        "quote_file": file,
        "quote_date": words.short_date(facts.quote_date.astimezone(facts.tz), now, lang),
        "quote_word": noun,  # the old name of quote_noun
        "days_since": facts.days_since,
        "step": facts.step,
        "total": total,
        "followup": followup_label(facts.step, total),
        "contact_number": facts.step + 1,
        "last_step": facts.last_step,
        "language": lang,
        "owner_name": facts.owner_name,
        "owner_first_name": first_name(facts.owner_name, facts.owner_address),
        "signature": facts.signature or facts.owner_name,
        "quoted": quoted_original(facts),
        "their_words": one_line(facts.their_words),
        "their_sentence": one_line(facts.their_sentence),
        "their_date": (words.short_date(facts.their_date.astimezone(facts.tz), now, lang)
                       if facts.their_date else ""),
    }


def compose(text: str, signature: str, quoted: str) -> str:
    """The rendered text, signed once, with the quoted original below (unless the
    template placed it itself)."""
    body = sign(text, signature)
    if quoted and quoted.strip() not in text:
        body += "\n" + quoted + "\n"
    return body


def render_draft(facts: DraftFacts, templates: Templates) -> Draft:
    name, text = templates.render(facts)
    values = template_values(facts)
    domain = facts.owner_address.rpartition("@")[2] or "localhost"
    return Draft(
        facts=facts,
        message_id=draft_message_id(facts.loop_id, facts.step, domain),
        subject=words.reply_subject(facts.quote_subject),
        text=compose(text, values["signature"], values["quoted"]),
        html=None,
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
    msg["To"] = [_address(n, a) for n, a in facts.to or ((facts.contact_name, facts.contact),)]
    if facts.cc:
        msg["Cc"] = [_address(n, a) for n, a in facts.cc]
    msg["Subject"] = one_line(draft.subject)
    msg["Date"] = format_datetime(now.astimezone(facts.tz))
    msg["Message-ID"] = draft.message_id
    if facts.thread:
        msg["In-Reply-To"] = facts.thread[-1]
        msg["References"] = " ".join(facts.thread[-20:])
    msg.set_content(draft.text)
    if draft.html is not None:
        msg.add_alternative(draft.html, subtype="html")
    raw = msg.as_bytes(policy=SMTP)
    _check_header_names(raw)
    return raw


EXPECTED_HEADERS = {
    "from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
    "content-type", "content-transfer-encoding", "mime-version",
}


def _check_header_names(raw: bytes) -> None:
    """A last guard: the header block holds exactly the headers we set, once each."""
    header = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    names = [line.split(":", 1)[0].lower() for line in header.split("\r\n")
             if line and not line[0].isspace()]
    if len(names) != len(set(names)) or not set(names) <= EXPECTED_HEADERS:
        raise ValueError(f"draft header block is not what was built: {sorted(names)}")
