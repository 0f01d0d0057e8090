"""The fast FETCH reader: tables of responses, and agreement with imapclient on real server data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from imapclient.datetime_util import datetime_to_INTERNALDATE, parse_to_datetime

from inboxfollow.sources.imap.bodystructure import parts_from_bodystructure, parts_from_text
from inboxfollow.sources.imap.fetch import HEADER_ITEMS, aware, fetch_data, fetch_fast
from inboxfollow.sources.imap.responses import (
    FetchParseError,
    internaldate,
    parse_fetch,
    read_value,
    split_header_fetch,
)
from tests.corpus import corpus_dir
from tests.dovecot import ImapAccount


def test_a_response_with_a_literal_header_and_a_structure() -> None:
    data = [
        (b'7 (UID 42 RFC822.SIZE 1234 FLAGS (\\Seen $Junk) INTERNALDATE "02-Mar-2026 10:00:00 '
         b'+0100" BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL '
         b'NIL NIL)("application" "pdf" ("name" "q \\"1\\".pdf") NIL NIL "base64" 300 NIL '
         b'("attachment" ("filename" "q.pdf")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL) '
         b"BODY[HEADER] {14}", b"Subject: hi\r\n\r\n"),
        b")",
    ]
    (uid, items), = parse_fetch(data).items()
    assert uid == 42 and b"UID" not in items and items[b"RFC822.SIZE"] == 1234
    assert items[b"FLAGS"] == (b"\\Seen", b"$Junk")
    assert items[b"INTERNALDATE"] == datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=1)))
    assert items[b"BODY[HEADER]"] == b"Subject: hi\r\n\r\n"
    structure = items[b"BODYSTRUCTURE"]
    assert structure.is_multipart and structure[1] == b"mixed"
    assert structure[0][1][2] == (b"name", b'q "1".pdf')


@pytest.mark.parametrize(
    "data",
    [
        [b"7 (UID 1 FLAGS (\\Seen)"],  # unbalanced
        [b"(UID 1)"],  # no message number
        [b"7 (1 2)"],  # no item names
        [(b"7 (UID 1 BODY[HEADER] {3}", b"abc")],  # ends inside the message
        [b"7 (UID 1 BODY[HEADER] {3}"],  # a literal marker without its data
        [b'7 (UID 1 X "unterminated)'],
    ],
)
def test_unreadable_responses_raise_so_imapclient_takes_over(data: list[Any]) -> None:
    with pytest.raises(FetchParseError):
        parse_fetch(data)


def _own_samples() -> list[bytes]:
    """Shapes a server answers with literals and escapes: non-ASCII names, quotes, reports."""
    from email.message import EmailMessage

    samples = []
    for filename in ("Angebot für Küche.pdf", 'quote "final".pdf', "devis\\2026.pdf"):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "Zoë <z@x.example>", "d@y.example", filename
        msg.set_content("Hello")
        msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                           filename=filename)
        samples.append(msg.as_bytes())
    invite = EmailMessage()
    invite["From"], invite["To"], invite["Subject"] = "a@x.example", "d@y.example", "Invite"
    invite.set_content("See the invite")
    invite.add_alternative("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                           subtype="calendar", params={"method": "REQUEST"})
    samples.append(invite.as_bytes())
    return samples


def _samples() -> list[bytes]:
    samples = _own_samples()
    corpus = corpus_dir()
    if corpus is not None:  # the real-world corpus, when it is there, adds hundreds more
        samples += [p.read_bytes() for p in sorted(corpus.rglob("*.eml"))]
    return samples


def test_fast_reader_agrees_with_imapclient_on_every_message(
    imap_account: ImapAccount, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.mailgen import crlf
    from tests.test_sync_imap import MALFORMED, basic_mailbox

    raws = [d.raw for d in basic_mailbox()] + [crlf(r) for r in MALFORMED.values()] + _samples()
    client = imap_account.client()
    client.normalise_times = False  # as ImapMailbox reads them
    caplog.set_level("DEBUG", logger="inboxfollow.sources.imap.fetch")
    try:
        for raw in raws:
            client.append("INBOX", raw)
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        assert len(uids) == len(raws)
        quick = 0
        for start in range(0, len(uids), 100):
            chunk = uids[start:start + 100]
            slow = client.fetch(chunk, HEADER_ITEMS)
            fast = fetch_fast(client, chunk, HEADER_ITEMS)
            assert set(fast) == set(slow)
            for uid in chunk:
                expected = {k: v for k, v in slow[uid].items() if k != b"SEQ"}
                assert fast[uid] == expected, uid
            # the quicker split: same facts, the structure read later from its text
            split, rest = split_header_fetch(fetch_data(client, chunk, HEADER_ITEMS))
            assert sorted([m.uid for m in split] + list(parse_fetch(rest) if rest else [])) == chunk
            quick += len(split)
            for m in split:
                items = slow[m.uid]
                assert m.header == items[b"BODY[HEADER]"]
                assert m.size == items[b"RFC822.SIZE"]
                assert m.internaldate == aware(items[b"INTERNALDATE"])
                assert m.flags == tuple(f.decode() for f in items[b"FLAGS"]
                                        if f != b"\\Recent")  # as _fetched_message has them
                assert parts_from_text(m.structure) == parts_from_bodystructure(
                    items[b"BODYSTRUCTURE"]), m.uid
        # the fast reader read every response itself: imapclient's parser was not needed
        assert "read by imapclient instead" not in caplog.text
        assert quick >= 0.9 * len(uids), (quick, len(uids))  # most messages take the split
    finally:
        client.logout()


SPLIT_HEAD = b'3 (UID 9 INTERNALDATE "02-Mar-2026 10:00:00 +0100" RFC822.SIZE 50 FLAGS (\\Seen) '
STRUCTURE = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)'


def test_the_split_reads_dovecots_shape() -> None:
    data = [(SPLIT_HEAD + b"BODY[HEADER] {15}", b"Subject: hi\r\n\r\n"),
            b" BODYSTRUCTURE " + STRUCTURE + b")"]
    (m,), rest = split_header_fetch(data)
    assert rest == []
    assert (m.uid, m.size, m.flags, m.header) == (9, 50, ("\\Seen",), b"Subject: hi\r\n\r\n")
    assert m.internaldate == datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=1)))
    assert m.structure == STRUCTURE
    assert parts_from_text(m.structure)[0].content_type == "text/plain"


@pytest.mark.parametrize(
    "data",
    [
        # BODYSTRUCTURE before the header: another server's order
        [(SPLIT_HEAD + b"BODYSTRUCTURE " + STRUCTURE + b" BODY[HEADER] {3}", b"a\r\n"), b")"],
        # the literal's length does not match its data
        [(SPLIT_HEAD + b"BODY[HEADER] {9}", b"a\r\n"), b" BODYSTRUCTURE " + STRUCTURE + b")"],
        # a literal inside BODYSTRUCTURE: imaplib splits the line there
        [(SPLIT_HEAD + b"BODY[HEADER] {3}", b"a\r\n"), (b' BODYSTRUCTURE ("text" {5}', b"plain"),
         b" NIL NIL NIL NIL))"],
        # an unbalanced structure (a parenthesis in a quoted name)
        [(SPLIT_HEAD + b"BODY[HEADER] {3}", b"a\r\n"), b' BODYSTRUCTURE ("text" "pl(ain"))'],
    ],
)
def test_other_shapes_are_left_to_the_general_reader(data: list[Any]) -> None:
    quick_one = [(SPLIT_HEAD.replace(b"UID 9", b"UID 10") + b"BODY[HEADER] {3}", b"b\r\n"),
                 b" BODYSTRUCTURE " + STRUCTURE + b")"]
    quick, rest = split_header_fetch(data + quick_one)
    assert [m.uid for m in quick] == [10]  # the message around the odd one still splits
    assert rest == data


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_internaldate_reads_what_imapclient_reads(moment: datetime, minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    text = datetime_to_INTERNALDATE(moment.replace(microsecond=0, tzinfo=zone)).encode()
    assert internaldate(text) == aware(parse_to_datetime(text, normalise=False))


@pytest.mark.parametrize("text", [b"", b"yesterday", b"31-Feb-2026 10:00:00 +0000",
                                  b"02-Foo-2026 10:00:00 +0000", b"02-Mar-2026 10:00 +0000"])
def test_internaldate_that_is_not_one_gives_none(text: bytes) -> None:
    assert internaldate(text) is None


def _render(value: Any) -> bytes:
    if value is None:
        return b"NIL"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, tuple):
        return b"(" + b" ".join(_render(v) for v in value) + b")"
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


_VALUES = st.recursive(
    st.none() | st.integers(min_value=0, max_value=10**9)
    | st.binary(max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b),
    lambda inner: st.lists(inner, max_size=5).map(tuple),
    max_leaves=30,
)


@given(_VALUES)
def test_read_value_reads_what_the_general_reader_reads(value: Any) -> None:
    text = _render(value)
    items = parse_fetch([b"1 (UID 1 X " + text + b")"])[1]
    assert read_value(text) == items[b"X"] == value


def test_fetch_data_is_what_imaplib_reads_with_other_responses_in_between(
    imap_account: ImapAccount,
) -> None:
    """The sync's own reading of FETCH lines gives imaplib's elements; what another session
    did meanwhile (a new message, a flag) still reaches imaplib's records, in order."""
    raws = _own_samples()
    reader, writer = imap_account.client(), imap_account.client()
    try:
        for raw in raws:
            writer.append("INBOX", raw)
        reader.select_folder("INBOX", readonly=True)
        uids = sorted(reader.search(["ALL"]))
        items = [*HEADER_ITEMS, b"BODY.PEEK[TEXT]<0.100>"]
        typ, plain = reader._imap.uid("FETCH", ",".join(map(str, uids)),
                                      "(" + " ".join(i.decode() for i in items) + ")")
        assert typ == "OK"
        assert fetch_data(reader, uids, items) == list(plain)

        writer.select_folder("INBOX")
        writer.add_flags([uids[0]], [b"\\Flagged"])  # this session hears of it as a FETCH
        writer.append("INBOX", raws[0])  # ... and of this as EXISTS
        reader._imap.untagged_responses.clear()
        data = fetch_data(reader, uids[1:], HEADER_ITEMS)
        assert b"EXISTS" not in b" ".join(d for d in data if isinstance(d, bytes))
        assert reader._imap.untagged_responses["EXISTS"] == [str(len(uids) + 1).encode()]
        flagged = [d for d in data if isinstance(d, bytes) and b"\\Flagged" in d]
        assert len(flagged) == 1 and flagged[0].startswith(b"1 (")  # where imaplib puts it
        quick, rest = split_header_fetch(data)
        assert sorted(m.uid for m in quick) == uids[1:]
        assert rest == flagged  # left for imapclient's reader, which knows unsolicited FETCH
    finally:
        reader.logout()
        writer.logout()
