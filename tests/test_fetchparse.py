"""The fast FETCH reader: tables of responses, and agreement with imapclient on real server data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from inboxfollow.fetchparse import FetchParseError, parse_fetch
from inboxfollow.imap import HEADER_ITEMS, fetch_fast
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
    caplog.set_level("DEBUG", logger="inboxfollow.imap")
    try:
        for raw in raws:
            client.append("INBOX", raw)
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        assert len(uids) == len(raws)
        for start in range(0, len(uids), 100):
            chunk = uids[start:start + 100]
            slow = client.fetch(chunk, HEADER_ITEMS)
            fast = fetch_fast(client, chunk, HEADER_ITEMS)
            assert set(fast) == set(slow)
            for uid in chunk:
                expected = {k: v for k, v in slow[uid].items() if k != b"SEQ"}
                assert fast[uid] == expected, uid
        # the fast reader read every response itself: imapclient's parser was not needed
        assert "read by imapclient instead" not in caplog.text
    finally:
        client.logout()
