"""Commands written as +tags on the capture address (pure): `capture+quote+1w@example.com`.

Tags, case-insensitive, joined by the delimiter (a setting, "+" by default):

| tag                         | what it does                                                |
| --------------------------- | ----------------------------------------------------------- |
| quote                       | open a quote loop on this message, even without quote words |
| noquote                     | record only: this message is never a quote                  |
| stop, won, lost             | close the loop of this conversation (won: a customer)       |
| 3d, 5bd, 2w                 | a reminder: days, business days, weeks after the Date       |
| friday (fri, ...)           | a reminder on the next such weekday after the Date          |
| dec15, 15dec (december15)   | a reminder on the next such date after the Date             |
| 2026-12-15                  | a reminder on that date                                     |
| call, note                  | log a call, meeting or note as a touch carrying the text    |
| pending                     | the digest now, in the owner's INBOX                        |

Valid combinations (at most one tag of each group):

| group      | combines with                                                    |
| ---------- | ---------------------------------------------------------------- |
| quote      | a date (`quote+1w`: a quote loop whose first follow-up is then)  |
| noquote    | a date (a plain reminder on a message that is no quote)          |
| a date     | quote or noquote, call or note                                   |
| call, note | a date (`call+3d`: log the call, follow up in 3 days); stop, won, |
|            | lost (`call+won`: log the call that closed the sale)             |
| stop, won, | call or note                                                     |
| lost       |                                                                  |
| pending    | nothing: alone                                                   |

Dates count from the message's Date in the owner's zone; a day off rolls forward to
the next working day of the calendar; `bd` counts working days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Calendar, Step, add_step
from inboxfollow.rules.capture_trust import (
    DEFAULT_DELIMITER,
    TRUSTED_COPIES,
    calendar_of,
    capture_tag,
    delimiter_of,
)

QUOTE_TAGS = ("quote", "noquote")
CLOSE_TAGS = ("stop", "won", "lost")
LOG_TAGS = ("call", "note")
VALID_TAGS = ("quote", "noquote", "stop", "won", "lost", "3d", "5bd", "2w", "friday", "dec15",
              "2026-12-15", "call", "note", "pending")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_OFFSET = re.compile(r"^(\d{1,3})(bd|d|w)$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})(\d{1,2})$|^(\d{1,2})([a-z]{3,9})$")
# which groups may stand together (see the table above)
_COMBINES = {
    frozenset({"quote", "date"}), frozenset({"date", "log"}), frozenset({"close", "log"}),
}


@dataclass(frozen=True)
class Command:
    """What one tag asks for; `problem` says why it cannot be done (then nothing is)."""

    tag: str
    quote: bool | None = None  # True: +quote, False: +noquote
    close: str = ""  # "stop", "won" or "lost"
    due: date | None = None  # a reminder's day
    log: str = ""  # "call" or "note"
    pending: bool = False
    problem: str = ""
    words: tuple[str, ...] = field(default=())  # the tag's words, lower-case

    @property
    def valid(self) -> bool:
        return not self.problem

    def describe(self) -> str:
        """What it does, in a few words (for notes and `explain`)."""
        done = []
        if self.quote is not None:
            done.append("open a quote loop" if self.quote else "never a quote")
        if self.log:
            done.append(f"log a {self.log}")
        if self.close:
            done.append({"won": "close the loop as won", "lost": "close the loop as lost",
                         "stop": "stop following up"}[self.close])
        if self.due is not None:
            done.append(f"remind on {self.due.isoformat()}")
        if self.pending:
            done.append("the digest now")
        return ", ".join(done)


def _words(tag: str, delimiter: str) -> list[str]:
    words = [w for w in tag.lower().strip().split(delimiter)]
    if delimiter == "-":  # an ISO date is written with the delimiter itself
        joined, i = [], 0
        while i < len(words):
            if i + 2 < len(words) and re.fullmatch(r"\d{4}", words[i]):
                joined.append("-".join(words[i:i + 3]))
                i += 3
            else:
                joined.append(words[i])
                i += 1
        words = joined
    return words


def _group(word: str) -> str:
    if word in QUOTE_TAGS:
        return "quote"
    if word in CLOSE_TAGS:
        return "close"
    if word in LOG_TAGS:
        return "log"
    if word == "pending":
        return "pending"
    return "date"


def _name(text: str, names: Iterable[str]) -> int | None:
    """The index of the name `text` abbreviates (at least three letters), else None."""
    found = [i for i, n in enumerate(names) if len(text) >= 3 and n.startswith(text)]
    return found[0] if len(found) == 1 else None


def resolve_date(word: str, sent: datetime, calendar: Calendar) -> date | None:
    """The day a date tag names, counted from `sent` in the owner's zone, rolled forward
    to a working day; None when `word` is no date tag (or names no such day)."""
    start = sent.astimezone(calendar.tz).date()
    offset = _OFFSET.match(word)
    if offset:
        amount = int(offset.group(1))
        return add_step(start, Step(amount, offset.group(2)), calendar) if amount else None
    day = _weekday(word, start) or _month_day(word, start) or _iso(word)
    return None if day is None else calendar.next_working_day(day)


def _weekday(word: str, start: date) -> date | None:
    index = _name(word, WEEKDAYS) if word.isalpha() else None
    if index is None:
        return None
    return start + timedelta(days=(index - start.weekday() - 1) % 7 + 1)


def _month_day(word: str, start: date) -> date | None:
    match = _MONTH_DAY.match(word)
    if not match:
        return None
    month_text, day_text = (match.group(1), match.group(2)) if match.group(1) else (
        match.group(4), match.group(3))
    month = _name(month_text, MONTHS)
    if month is None:
        return None
    for year in range(start.year, start.year + 9):  # 29 February: the next leap year
        try:
            day = date(year, month + 1, int(day_text))
        except ValueError:
            continue
        if day > start:
            return day
    return None


def _iso(word: str) -> date | None:
    match = _ISO.match(word)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_tag(tag: str, sent: datetime, calendar: Calendar,
              delimiter: str = DEFAULT_DELIMITER) -> Command:
    """The command a tag writes (`quote+1w`), or one with a `problem` for an unknown or
    ambiguous tag."""
    words = _words(tag, delimiter)
    if not tag or not all(words):
        return Command(tag, problem=f"{tag!r} has an empty tag", words=tuple(words))
    fields: dict[str, Any] = {}
    groups: list[str] = []
    for word in words:
        group = _group(word)
        if group == "date":
            due = resolve_date(word, sent, calendar)
            if due is None:
                return Command(tag, problem=f"unknown tag {word!r}", words=tuple(words))
            if due <= sent.astimezone(calendar.tz).date():
                return Command(tag, problem=f"{word!r} is not after the message's date",
                               words=tuple(words))
            fields["due"] = due
        elif group == "quote":
            fields["quote"] = word == "quote"
        elif group == "pending":
            fields["pending"] = True
        else:
            fields[group] = word
        if group in groups:
            return Command(tag, problem=f"{tag!r} has two tags of one kind", words=tuple(words))
        groups.append(group)
    if len(groups) > 1 and not _combines(groups):
        return Command(tag, problem=f"{tag!r} combines tags that do not go together",
                       words=tuple(words))
    return Command(tag, words=tuple(words), **fields)


def _combines(groups: list[str]) -> bool:
    if "pending" in groups or len(groups) > 2:
        return False
    return frozenset(groups) in _COMBINES


def tags_in(addresses: Iterable[str], capture: str, delimiter: str = DEFAULT_DELIMITER) -> set[str]:
    """The tags of every address among `addresses` that is the capture address ("": none)."""
    found = {capture_tag(a, capture, delimiter) for a in addresses}
    return {t for t in found if t is not None}


_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+\w")


def record_addresses(record: dict[str, Any]) -> list[str]:
    """Every address a stored record names as a recipient or delivery address."""
    found = [a[1] for a in record.get("to", []) + record.get("cc", []) if a]
    found += _ADDRESS.findall(record.get("headers", {}).get("bcc", ""))
    found += record.get("delivered_to", [])
    return [f.lower() for f in found]


def tags_of_record(record: dict[str, Any], capture: str,
                   delimiter: str = DEFAULT_DELIMITER) -> set[str]:
    """The capture tags a stored record shows (its To, Cc, Bcc and delivery headers)."""
    return tags_in(record_addresses(record), capture, delimiter)


def logged_kinds(copies: Iterable[dict[str, Any]], owner: Owner) -> list[str]:
    """"call" and "note" for the valid +call / +note commands on a message (any of its
    copies the capture trust rule vouched for: the owner's Sent copy may lack the Bcc the
    capture copy's delivery headers show), each once, in the order call, note."""
    if not owner.capture_address:
        return []
    calendar, delimiter = calendar_of(owner), delimiter_of(owner)
    found: set[str] = set()
    for record in copies:
        if record.get("trust") not in TRUSTED_COPIES or record.get("direction") != "out":
            continue
        sent = datetime.fromisoformat(record["date"])
        for tag in tags_of_record(record, owner.capture_address, delimiter):
            words = tag.lower().split(delimiter)
            if any(w in LOG_TAGS for w in words):
                command = parse_tag(tag, sent, calendar, delimiter)
                if command.valid and command.log:
                    found.add(command.log)
    return [kind for kind in LOG_TAGS if kind in found]
