"""parse_message and own_text: tables of raw bytes in, values out; it never raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.mail.headers import message_ids
from inboxfollow.mail.parse import parse_message
from inboxfollow.mail.text import own_text
from inboxfollow.model import FetchedMessage, Location, Part


def fetched(raw: bytes, has_text: bool = False, parts: tuple[Part, ...] = ()) -> FetchedMessage:
    return FetchedMessage(Location("owner", "INBOX", 1, 1), raw, parts, None, len(raw), has_text)


HEAD = (
    b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <Joerg@Example.DE>\r\n"
    b"To: Owner <owner@example.com>, b@x.org\r\n"
    b'Cc: "Smith, Al" <AL@y.org>\r\n'
    b"Subject: Re: =?utf-8?q?Angebot_f=C3=BCr?=\r\n   Dach\r\n"
    b"Date: Tue, 1 Oct 2024 10:00:00 +0200\r\n"
    b"Message-ID:  <abc@x.de> \r\n"
    b"In-Reply-To: <q1@example.com>\r\n"
    b"References: <q0@example.com>\r\n <q1@exa\r\n mple.com> garbage <>\r\n"
    b"\r\n"
)


def test_header_block_fields() -> None:
    msg = parse_message(fetched(HEAD))
    assert msg.sender is not None
    assert (msg.sender.name, msg.sender.email) == ("Jörg Müller", "joerg@example.de")
    assert [a.email for a in msg.to] == ["owner@example.com", "b@x.org"]
    assert [(a.name, a.email) for a in msg.cc] == [("Smith, Al", "al@y.org")]
    assert msg.subject == "Re: Angebot für Dach"
    assert msg.date == datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
    assert msg.message_id == "<abc@x.de>"
    assert msg.in_reply_to == ("<q1@example.com>",)
    assert msg.references == ("<q0@example.com>", "<q1@example.com>")
    assert msg.headers["subject"] == "Re: Angebot für   Dach"  # unfolded, not collapsed
    assert msg.text == "" and not msg.has_text
    assert msg.parts == (Part("text/plain"),)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Date: Tue, 1 Oct 2024 10:00:00 +0000", datetime(2024, 10, 1, 10, tzinfo=UTC)),
        (b"Date: 1 Oct 2024 10:00 GMT", datetime(2024, 10, 1, 10, tzinfo=UTC)),
        (b"Date: Tue, 01 Oct 2024 10:00:00", datetime(2024, 10, 1, 10, tzinfo=UTC)),
        (b"Date: yesterday at noon", None),
        (b"Date: Wed, 15 Dec 2010    59:10 -0500", None),
        (b"X-No-Date: 1", None),
    ],
)
def test_dates(header: bytes, expected: datetime | None) -> None:
    msg = parse_message(fetched(b"From: a@b.c\r\n" + header + b"\r\n\r\n"))
    assert msg.date == expected
    assert msg.date is None or msg.date.tzinfo is not None


@pytest.mark.parametrize(
    ("raw", "defect"),
    [
        (b"From: a@b.c\n\nbody", "no message-id"),
        (b"Subject: hi\n\n", "no sender"),
        (b"From: J\xf6rg <j@x.de>\nSubject: gr\xfc\xdfe\n\n", "8-bit header"),
        (b"\r\n \r\nFrom: a@b.c\r\n\r\n", "blank lines before headers"),
    ],
)
def test_defects_in_plain_words(raw: bytes, defect: str) -> None:
    assert defect in parse_message(fetched(raw)).defects


def test_eight_bit_header_falls_back_to_windows_1252() -> None:
    msg = parse_message(fetched(b"From: J\xf6rg <j@x.de>\nSubject: gr\xfc\xdfe\n\n"))
    assert msg.subject == "grüße"
    assert msg.sender is not None and msg.sender.name == "Jörg"


def test_bare_cr_line_endings() -> None:
    raw = b"From: a@b.c\rSubject: Out of office\rMessage-ID: <m@b.c>\r\rback soon\r"
    msg = parse_message(fetched(raw, has_text=True))
    assert (msg.subject, msg.message_id) == ("Out of office", "<m@b.c>")
    assert msg.text.strip() == "back soon"


def test_mbox_from_line_is_skipped() -> None:
    raw = b"From someone Mon Dec 24 08:52:33 2\n001\nFrom: a@b.c\nSubject: s\n\n"
    assert parse_message(fetched(raw)).subject == "s"


MULTIPART = (
    b"From: a@b.c\nContent-Type: multipart/mixed; boundary=XX\n\n"
    b"--XX\nContent-Type: text/html; charset=iso-8859-1\n\n<p>Gr\xfc&szlig;e<br>Anna</p>"
    b"<style>p{}</style>\n"
    b"--XX\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\n\nBEGIN:VCALENDAR\n"
    b'--XX\nContent-Type: application/pdf; name="quote.pdf"\n'
    b'Content-Disposition: attachment; filename="quote.pdf"\n\nJVBERi0=\n'
    b"--XX--\n"
)


def test_parts_derived_and_html_text() -> None:
    msg = parse_message(fetched(MULTIPART, has_text=True))
    assert msg.content_type == "multipart/mixed"
    assert [p.content_type for p in msg.parts] == ["text/html", "text/calendar", "application/pdf"]
    assert dict(msg.parts[1].params)["method"] == "REQUEST"
    assert (msg.parts[2].filename, msg.parts[2].disposition) == ("quote.pdf", "attachment")
    assert msg.text == "Grüße\nAnna"


def test_given_parts_are_kept() -> None:
    given_parts = (Part("text/plain"), Part("application/pdf", filename="q.pdf"))
    assert parse_message(fetched(b"From: a@b.c\n\n", parts=given_parts)).parts == given_parts


def test_text_is_capped() -> None:
    raw = b"From: a@b.c\nContent-Type: text/plain\n\n" + b"x" * 40_000
    assert len(parse_message(fetched(raw, has_text=True)).text) == 16 * 1024


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("<a@b>", ("<a@b>",)),
        ("<a@b> <c@d>", ("<a@b>", "<c@d>")),
        ("junk <a@b>, (comment) <c@\r\n d>", ("<a@b>", "<c@d>")),
        ("no ids here", ()),
        ("<a@b> <a@b>", ("<a@b>",)),
    ],
)
def test_message_ids(value: str, ids: tuple[str, ...]) -> None:
    assert message_ids(value) == ids


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Sounds good.\n\n> Can you do Friday?\n", "Sounds good."),
        ("Yes.\n\nOn Tue, 1 Oct 2024 at 10:00, Owner <o@x.com> wrote:\n> quote", "Yes."),
        ("Yes.\nOn Tue, 1 Oct 2024, Owner\n<o@x.com> wrote:\n> q", "Yes."),
        ("Ja.\n\nAm 01.10.2024 um 10:00 schrieb Owner:\n> q", "Ja."),
        ("Oui.\n\nLe mar. 1 oct. 2024, Owner a écrit :\n> q", "Oui."),
        ("Sí.\n\nEl mar, 1 oct 2024, Owner escribió:\n> q", "Sí."),
        ("Fine\n\n-----Original Message-----\nFrom: o@x.com", "Fine"),
        ("Fine\n\n----- Original Message -----\nFrom: o@x.com", "Fine"),
        ("Fine\n\nFrom: Owner <o@x.com>\nSent: Tuesday\nTo: me\nSubject: q", "Fine"),
        ("Fine\n\n________________________________\nFrom: Owner", "Fine"),
        ("No quote at all.\nSecond line.", "No quote at all.\nSecond line."),
        ("> only a quote", ""),
        ("", ""),
    ],
)
def test_own_text(text: str, own: str) -> None:
    assert own_text(text) == own


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.booleans())
def test_never_raises_on_bytes(raw: bytes, has_text: bool) -> None:
    parse_message(fetched(raw, has_text=has_text))


header_line = st.tuples(
    st.sampled_from(
        [
            "From",
            "To",
            "Cc",
            "Date",
            "Subject",
            "Message-ID",
            "References",
            "In-Reply-To",
            "Content-Type",
            "X-Foo",
            "Return-Path",
        ]
    ),
    st.text(max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(header_line, max_size=12), st.text(max_size=300), st.sampled_from(["\r\n", "\n", "\r"])
)
def test_never_raises_on_header_text(headers: list[tuple[str, str]], body: str, eol: str) -> None:
    text = eol.join(f"{name}: {value}" for name, value in headers) + eol + eol + body
    msg = parse_message(fetched(text.encode("utf-8", "surrogatepass"), has_text=True))
    assert msg.date is None or msg.date.tzinfo is not None
    assert all(mid.startswith("<") and mid.endswith(">") for mid in msg.references)


@given(st.text(max_size=500))
def test_own_text_is_a_prefix(text: str) -> None:
    own = own_text(text)
    assert own in text.replace("\r\n", "\n").replace("\r", "\n")


HEADER_BLOCKS = [
    b"From: a@b.example\r\nSubject: hi\r\n\r\n",
    b"From: a@b.example\nSubject: folded\n  over two\n\tand three lines\n\n",
    b"From: a@b.example\rSubject: old Mac\r\r",
    b"From: J\xf6rg <j@x.de>\r\nSubject: gr\xfc\xdfe\r\n\r\n",
    b"From: a@b.example\r\nSubject: stray blank lines after\r\n\r\n\r\n",
    b"From: a@b.example\r\nSubject: no blank line at the end\r\n",
    b"  leading continuation\r\nFrom: a@b.example\r\n\r\n",
    b"From a@b.example Mon Jan 1 00:00:00 2026\r\nFrom: a@b.example\r\n\r\n",
    b"From: a@b.example\r\nnot a header line\r\nSubject: x\r\n\r\n",
    b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n",
    b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n",
    b"From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n",
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nTo: x@y.example,\r\n z@w.example\r\n\r\n",
]


def _corpus_header_blocks() -> list[bytes]:
    from inboxfollow.sources.maildir import split_header
    from tests.corpus import corpus_dir

    root = corpus_dir()
    if root is None:
        return []
    return [split_header(p.read_bytes())[0] for p in sorted(root.rglob("*.eml"))]


def test_the_fast_header_reader_gives_what_the_stdlib_parser_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Header blocks read by `_plain_header_block` parse exactly as through BytesHeaderParser."""
    import inboxfollow.mail.parse as parse_module

    blocks = HEADER_BLOCKS + _corpus_header_blocks()
    messages = [FetchedMessage(Location("owner", "INBOX", 1, 1), raw, parts, None, len(raw))
                for raw in blocks for parts in ((), (Part("text/plain"),))]
    fast = [parse_message(m) for m in messages]
    used = [raw for raw in blocks if parse_module._plain_header_block(raw) is not None]
    assert len(used) >= 6  # the fast path is exercised, not only the fallback
    monkeypatch.setattr(parse_module, "_plain_header_block", lambda raw: None)
    assert [parse_message(m) for m in messages] == fast


@pytest.mark.parametrize(
    "raw",
    ["Mon, 2 Mar 2026 10:00:00 +0100", "2 Mar 2026 10:00 -0500", "Tue, 31 Dec 2024 23:59:59 -0000",
     "Wed, 04 Mar 2026 09:05:07 +0530", "Thu, 5 Mar 26 10:00:00 +0000",
     "Fri, 6 Mar 2026 10:00:00 GMT", "Sat, 7 Mar 2026 10:00:00 +0000 (UTC)",
     "Mon, 31 Feb 2026 10:00:00 +0000", "yesterday"],
)
def test_the_quick_date_reader_agrees_with_mail_parser(raw: str) -> None:
    """The common RFC 5322 form is read directly; every other form goes to mail-parser."""
    from mailparser.dates import parse_mail_date

    from inboxfollow.mail.headers import _plain_date, _stdlib_date

    slow = parse_mail_date(raw).value
    quick = _plain_date(raw)
    if quick is not None:
        assert quick == slow and quick.utcoffset() == slow.utcoffset()
    raw_message = f"From: a@b.example\r\nDate: {raw}\r\n\r\n".encode()
    parsed = parse_message(FetchedMessage(Location("owner", "INBOX", 1, 1), raw_message, (),
                                          None, len(raw_message)))
    assert parsed.date == (slow if slow is not None else _stdlib_date(raw))


# ---- no process-wide logger change; no private writes; 8-bit subjects ---------------------
def test_parse_changes_no_logger_for_the_process(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    helpers = logging.getLogger("mailparser.utils")
    assert logging.getLogger("mailparser").level == logging.NOTSET
    caplog.set_level(logging.DEBUG)
    raw = b"From: a@b.example\r\nSubject: =?utf-8?b?a?=\r\n\r\n"  # mail-parser logs an ERROR
    parse_message(fetched(raw))
    assert not [r for r in caplog.records if r.name.startswith("mailparser")]
    assert helpers.filters == []  # gone after the call
    helpers.error("someone else's mail-parser message")
    assert [r.message for r in caplog.records if r.name == "mailparser.utils"] == [
        "someone else's mail-parser message"]


def test_the_fast_header_block_equals_the_stdlib_parse() -> None:
    import email.parser

    from inboxfollow.mail.parse import _plain_header_block

    message = _plain_header_block(HEAD)
    assert message is not None
    stdlib = email.parser.BytesHeaderParser().parsebytes(HEAD)
    assert message.items() == stdlib.items()


@pytest.mark.parametrize(("raw_subject", "subject"), [
    (b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln", "Grüße aus Köln"),  # UTF-8
    (b"Gr\xfc\xdfe aus K\xf6ln \x80 5", "Grüße aus Köln € 5"),  # cp1252
    (b"Gr\xc3\xbc\xc3\x9fe =?utf-8?q?K=C3=B6ln?= =?utf-8?q?_und_Bonn?=", "Grüße Köln und Bonn"),
    (b"Gr\xfc\xdfe =?iso-8859-1?q?=E9t=E9?=", "Grüße été"),
    (b"=?utf-8?q?Angebot_f=C3=BCr?= Dach", "Angebot für Dach"),
])
@pytest.mark.parametrize("has_text", [False, True])
def test_8bit_subjects_are_read_without_mojibake(
    raw_subject: bytes, subject: str, has_text: bool
) -> None:
    raw = b"From: a@b.example\r\nSubject: " + raw_subject + b"\r\n\r\nHi\r\n"
    assert parse_message(fetched(raw, has_text)).subject == subject


def test_a_huge_header_is_cut_and_stays_quick() -> None:
    import time

    from inboxfollow.mail.headers import MAX_HEADER_CHARS
    from inboxfollow.model import Owner
    from inboxfollow.rules.automatic import classify

    words = b"\r\n ".join([b"=?utf-8?q?Angebot_f=C3=BCr_das_Dach?="] * 6000)
    to = b", ".join(b'"Name (%d), x" <p%d@x.example>' % (i, i) for i in range(6000))
    raw = b"From: a@b.example\r\nTo: " + to + b"\r\nSubject: " + words + b"\r\n\r\nHi\r\n"
    started = time.perf_counter()
    parsed = parse_message(fetched(raw, True))
    classify(parsed, Owner("Me", frozenset({"me@y.example"})))
    assert time.perf_counter() - started < 1.0
    assert len(parsed.subject) <= MAX_HEADER_CHARS
    assert parsed.subject.startswith("Angebot für das Dach")
    assert f"subject header cut to {MAX_HEADER_CHARS} characters" in parsed.defects
    assert len(parsed.to) > 10  # still a mass mailing
