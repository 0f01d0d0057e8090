"""Readers of a message's headers shared by the rules for automatic and bulk mail.

Pure: each looks at a parsed message, or folds a text for matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from inboxfollow.model import Classification, Kind, ParsedMessage
from inboxfollow.rules import automatic_words as words


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain."""
    if text.isascii():  # nothing to decompose: the same result, without a pass per character
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def phrase(text: str) -> str:
    """A subject phrase as a pattern: any run of spaces, hyphens or underscores between words."""
    return r"[\s_-]*".join(re.escape(word) for word in fold(text).split())


def any_of(patterns: Iterable[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


def search(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(any_of(patterns), re.IGNORECASE)


PREFIX = any_of(words.REPLY_PREFIXES) + r"\s*(?:\[\d+\])?\s*:"
REPLY_SUBJECT_RE = re.compile(r"^\s*" + PREFIX, re.IGNORECASE)


def header(msg: ParsedMessage, name: str) -> str:
    return msg.headers.get(name, "").strip()


def has_part(msg: ParsedMessage, *types: str) -> bool:
    """A part of one of `types`; parts always list the top level too (parse_message)."""
    return any(part.content_type in types for part in msg.parts)


def sender_local(msg: ParsedMessage) -> str:
    """The sender's local part without a +tag, dots, hyphens or underscores."""
    local = msg.sender.email.partition("@")[0] if msg.sender else ""
    return re.sub(r"[._-]", "", local.partition("+")[0])


def no_reply_sender(msg: ParsedMessage) -> bool:
    return sender_local(msg) in words.NO_REPLY_LOCALS


def is_reply(msg: ParsedMessage) -> bool:
    return bool(msg.in_reply_to or msg.references or REPLY_SUBJECT_RE.match(msg.subject))


def by_subject(msg: ParsedMessage, kind: Kind, what: str) -> Classification:
    return worded(kind, f"{what} subject {msg.subject[:60]!r}")


def worded(kind: Kind, reason: str) -> Classification:
    return Classification(kind, reason, by_headers=False)
