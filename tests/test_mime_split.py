"""`split_message` builds exactly the Message the stdlib parser builds, or declines.

The stdlib parser (compat32, as `email.message_from_bytes`) is the reference: every
header, payload, preamble, epilogue, defect and default type must be the same, for
mail as clients write it (whole, or cut short as the sync's 16 KB text prefix cuts
it), for the shapes it declines, and for MIME trees Hypothesis makes up (boundaries
that are prefixes of each other or full of regex characters, lines that nearly look
like delimiters, bare CR and LF line ends, a cut at any byte).
"""

from __future__ import annotations

import base64
import email
from email.message import Message
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxfollow.mail.mime_split import Entity, split_message
from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Location


def dump(message: Message) -> tuple[Any, ...]:
    payload = message._payload  # noqa: SLF001 - the comparison is of the whole tree
    return (
        message._headers,  # noqa: SLF001
        message.get_unixfrom(),
        message.preamble,
        message.epilogue,
        [type(d).__name__ for d in message.defects],
        message.get_default_type(),
        [dump(p) for p in payload] if isinstance(payload, list) else payload,
        message.get_charset(),
    )


def assert_same_as_stdlib(raw: bytes) -> Message | None:
    fast = split_message(raw)
    if fast is not None:
        assert dump(fast) == dump(email.message_from_bytes(raw))
    return fast


PDF = base64.encodebytes(bytes(range(256)) * 40).replace(b"\n", b"\r\n")

GMAIL = (
    b"MIME-Version: 1.0\r\nDate: Mon, 7 Dec 2026 09:12:44 +0100\r\n"
    b"References: <CAB1x@mail.gmail.com>\r\nIn-Reply-To: <CAB1x@mail.gmail.com>\r\n"
    b"Message-ID: <CAC2y@mail.gmail.com>\r\nSubject: Re: Angebot 2026-114\r\n"
    b"From: Jana Krause <jana.krause@gmail.com>\r\nTo: owner@example.com\r\n"
    b'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"\r\n\r\n'
    b"--000000000000a1b2c3d4e5f60718\r\n"
    b'Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
    b"\r\nHallo,\r\n\r\nk=C3=B6nnten Sie mir das Angebot nochmal schicken?\r\n\r\n"
    b"Am Mo., 30. Nov. 2026 um 10:02 Uhr schrieb Owner <owner@example.com>:\r\n"
    b"> anbei unser Angebot.\r\n\r\n"
    b"--000000000000a1b2c3d4e5f60718\r\n"
    b'Content-Type: text/html; charset="UTF-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
    b'\r\n<div dir=3D"ltr">Hallo,<br>k=C3=B6nnten Sie ...</div>\r\n\r\n'
    b"--000000000000a1b2c3d4e5f60718--\r\n"
)

OUTLOOK = (
    b"From: =?iso-8859-1?Q?Jos=E9_Mart=EDnez?= <jmartinez@constructora.es>\r\n"
    b"To: Owner <owner@example.com>\r\nSubject: RE: Presupuesto reforma\r\n"
    b"Thread-Topic: Presupuesto reforma\r\nDate: Mon, 7 Dec 2026 08:01:02 +0000\r\n"
    b"Message-ID: <AM0PR04MB1234@AM0PR04MB1234.eurprd04.prod.outlook.com>\r\n"
    b"Content-Language: es-ES\r\n"
    b'Content-Type: multipart/mixed;\r\n\tboundary="_004_AM0PR04MB1234eurprd04_"\r\n'
    b"MIME-Version: 1.0\r\n\r\n"
    b"--_004_AM0PR04MB1234eurprd04_\r\n"
    b'Content-Type: multipart/alternative;\r\n\tboundary="_000_AM0PR04MB1234eurprd04_"\r\n\r\n'
    b"--_000_AM0PR04MB1234eurprd04_\r\n"
    b'Content-Type: text/plain; charset="iso-8859-1"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Buenos d=EDas,\r\n\r\nDe momento no, escr=EDbame en enero.\r\n\r\n"
    b"________________________________\r\nDe: Owner <owner@example.com>\r\n\r\n"
    b"--_000_AM0PR04MB1234eurprd04_\r\n"
    b'Content-Type: text/html; charset="iso-8859-1"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"<html><body><p>Buenos d=EDas,</p></body></html>\r\n\r\n"
    b"--_000_AM0PR04MB1234eurprd04_--\r\n\r\n"
    b"--_004_AM0PR04MB1234eurprd04_\r\n"
    b"Content-Type: application/pdf; name=\"plano.pdf\"\r\n"
    b"Content-Disposition: attachment; filename=\"plano.pdf\"; size=10240\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF + b"\r\n"
    b"--_004_AM0PR04MB1234eurprd04_--\r\n"
)

APPLE = (
    b"From: =?utf-8?Q?C=C3=A9line_Moreau?= <celine@atelier-moreau.fr>\r\n"
    b"Content-Type: multipart/alternative;\r\n"
    b"\tboundary=\"Apple-Mail=_6F1C2E4A-2B3D-4E5F-8A9B-0C1D2E3F4A5B\"\r\n"
    b"Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\r\n"
    b"Subject: Re: Devis cuisine\r\nDate: Mon, 7 Dec 2026 11:30:00 +0100\r\n"
    b"In-Reply-To: <q-2026-88@example.com>\r\nTo: owner@example.com\r\n"
    b"Message-Id: <0E1F2A3B-4C5D@atelier-moreau.fr>\r\n\r\n\r\n"
    b"--Apple-Mail=_6F1C2E4A-2B3D-4E5F-8A9B-0C1D2E3F4A5B\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain;\r\n"
    b"\tcharset=utf-8\r\n\r\nPas pour le moment, recontactez-moi en septembre.\r\n"
    b"--Apple-Mail=_6F1C2E4A-2B3D-4E5F-8A9B-0C1D2E3F4A5B\r\n"
    b"Content-Transfer-Encoding: 7bit\r\nContent-Type: text/html;\r\n\tcharset=us-ascii\r\n"
    b"\r\n<html><body>Pas pour le moment</body></html>\r\n"
    b"--Apple-Mail=_6F1C2E4A-2B3D-4E5F-8A9B-0C1D2E3F4A5B--\r\n"
)

THUNDERBIRD_LF = (
    b"Message-ID: <5a6b7c8d-tb@example.org>\nDate: Mon, 7 Dec 2026 12:00:00 +0100\n"
    b"MIME-Version: 1.0\nUser-Agent: Mozilla Thunderbird\nSubject: Re: Quote 88\n"
    b"To: owner@example.com\nFrom: Tom Baker <tom@example.org>\n"
    b'Content-Type: multipart/mixed;\n boundary="------------0a1B2c3D4e5F6g7H8i9J0k1L"\n\n'
    b"This is a multi-part message in MIME format.\n"
    b"--------------0a1B2c3D4e5F6g7H8i9J0k1L\n"
    b"Content-Type: text/plain; charset=UTF-8; format=flowed\n"
    b"Content-Transfer-Encoding: 7bit\n\nCould you send the signed copy by Friday?\n\n"
    b"--------------0a1B2c3D4e5F6g7H8i9J0k1L\n"
    b'Content-Type: text/plain; charset=UTF-8; name="notes.txt"\n'
    b'Content-Disposition: attachment; filename="notes.txt"\n'
    b"Content-Transfer-Encoding: base64\n\nbm90ZXM=\n\n"
    b"--------------0a1B2c3D4e5F6g7H8i9J0k1L--\n\nepilogue text\n"
)

PHONE_PLAIN = (
    b"From: Ana <ana@example.es>\r\nTo: owner@example.com\r\nSubject: Re: cita\r\n"
    b"Date: Mon, 7 Dec 2026 13:00:00 +0100\r\nMessage-ID: <phone-1@example.es>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    + "¿Podría enviarme el presupuesto?\r\n\r\nEnviado desde mi iPhone\r\n".encode()
)

REPORT = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: owner@example.com\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"rep\"\r\n\r\n"
    b"--rep\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    b"--rep\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; x@example.com\r\n"
    b"Action: failed\r\nStatus: 5.1.1\r\n\r\n--rep--\r\n"
)

SAMPLES = {
    "gmail": GMAIL,
    "outlook": OUTLOOK,
    "apple": APPLE,
    "thunderbird-lf": THUNDERBIRD_LF,
    "phone-plain": PHONE_PLAIN,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_client_mail_is_split_as_the_stdlib_does(name: str) -> None:
    assert assert_same_as_stdlib(SAMPLES[name]) is not None


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_cut_of_client_mail_is_the_same_or_declined(name: str) -> None:
    """The sync reads a prefix: a cut inside a part, a header or a delimiter line."""
    raw = SAMPLES[name]
    built = 0
    for cut in range(0, len(raw), 7):
        built += assert_same_as_stdlib(raw[:cut]) is not None
    assert built >= 10  # cuts in the body are built here; in a header block, declined


def test_outlook_prefix_keeps_its_text_and_notes_the_missing_close() -> None:
    message = assert_same_as_stdlib(OUTLOOK[:2500])
    assert message is not None
    assert [type(d).__name__ for d in message.defects] == ["CloseBoundaryNotFoundDefect"]
    inner = message.get_payload()[0]
    assert "De momento no" in inner.get_payload()[0].get_payload(decode=True).decode("latin-1")


@pytest.mark.parametrize(
    "raw",
    [
        REPORT,  # message/delivery-status: the stdlib's blocks of fields
        b"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\nno delimiter at all\r\n',
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n--b\r\n\r\ntext\r\n--b--\r\n',
        b'Content-Type: multipart/digest; boundary="b"\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n',
        b"From someone Mon Dec  7 10:00:00 2026\r\nSubject: x\r\n\r\nbody\r\n",
        b"Subject: x\r\nno colon here\r\n\r\nbody\r\n",
        b" folded first\r\nSubject: x\r\n\r\nbody\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n',
    ],
)
def test_shapes_with_stdlib_defects_are_declined(raw: bytes) -> None:
    assert split_message(raw) is None


def test_parse_message_reads_the_same_text_either_way() -> None:
    location = Location("owner", "INBOX", 1, 1)
    for raw in SAMPLES.values():
        fetched = FetchedMessage(location, raw, (), None, len(raw), has_text=True)
        parsed = parse_message(fetched)
        assert parsed.text and not any("boundary" in d for d in parsed.defects)
    gmail = parse_message(FetchedMessage(location, GMAIL, (), None, len(GMAIL), has_text=True))
    assert "könnten Sie mir das Angebot nochmal schicken?" in gmail.text


# -- Hypothesis: made-up MIME trees -------------------------------------------------

_EOLS = st.sampled_from(["\r\n", "\n", "\r"])
_BOUNDARIES = st.sampled_from(
    ["b", "b1", "bb", "=_Part_1.2+x", "----=_NextPart_000_0012", "(a)?*[x]", "Apple-Mail=_1",
     "000000000000a1b2"]
)
_WORD = st.text(st.sampled_from("abcXYZ -=_.:é\t"), max_size=8)


@st.composite
def _line(draw: st.DrawFn, boundaries: list[str]) -> str:
    """A body line, sometimes one that nearly (or really) looks like a delimiter."""
    kind = draw(st.integers(0, 9))
    if kind == 0 and boundaries:
        b = draw(st.sampled_from(boundaries))
        tail = draw(st.sampled_from(["", "--", " ", "-- \t", "x", "--x", " --", "---"]))
        lead = draw(st.sampled_from(["", "", " ", "x"]))
        return f"{lead}--{b}{tail}"
    if kind == 1:
        return ""
    return draw(_WORD)


@st.composite
def _entity(draw: st.DrawFn, depth: int, eol: str, outer: list[str]) -> str:
    fields = []
    if draw(st.booleans()):
        fields.append(f"Content-Transfer-Encoding: {draw(st.sampled_from(['7bit', 'base64']))}")
    multipart = depth > 0 and draw(st.booleans())
    boundary = draw(_BOUNDARIES)
    if multipart:
        sub = draw(st.sampled_from(["mixed", "alternative", "related"]))
        fold = draw(st.sampled_from(["; ", f";{eol}\t"]))
        fields.append(f'Content-Type: multipart/{sub}{fold}boundary="{boundary}"')
    elif draw(st.booleans()):
        fields.append(f"Content-Type: {draw(st.sampled_from(['text/plain', 'text/html']))}; "
                      f"charset={draw(st.sampled_from(['utf-8', 'iso-8859-1']))}")
    if draw(st.booleans()):
        fields.append("X-Note: value" + draw(st.sampled_from(["", f"{eol} folded"])))
    head = "".join(f + eol for f in draw(st.permutations(fields)))
    if not multipart:
        lines = draw(st.lists(_line(outer + [boundary]), max_size=5))
        return head + eol + "".join(line + eol for line in lines)
    inner = outer + [boundary]
    preamble = draw(st.lists(_line(inner), max_size=2))
    parts = draw(st.lists(_entity(depth - 1, eol, inner), min_size=1, max_size=3))
    body = "".join(p + eol for p in preamble)
    for part in parts:
        body += f"--{boundary}{eol}{part}"
        if not part.endswith(("\r", "\n")):
            body += eol
    if draw(st.booleans()):
        body += f"--{boundary}--{draw(st.sampled_from(['', ' ', eol, eol + eol + 'after' + eol]))}"
    return head + eol + body


@st.composite
def _messages(draw: st.DrawFn) -> bytes:
    eol = draw(_EOLS)
    text = "Subject: made up" + eol + "From: a@example.com" + eol + draw(_entity(2, eol, []))
    raw = text.encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_messages())
def test_property_same_tree_as_the_stdlib_or_declined(raw: bytes) -> None:
    assert_same_as_stdlib(raw)


def _changes() -> list[tuple[str, Any]]:
    return [
        ("set_type", lambda m: m.set_type("text/html")),
        ("replace_header", lambda m: m.replace_header("Content-Type", "image/png")),
        ("__delitem__", lambda m: m.__delitem__("Content-Type")),
        ("__setitem__", lambda m: (m.__delitem__("Content-Type"),
                                   m.__setitem__("Content-Type", "application/pdf"))),
        ("set_raw", lambda m: (m.__delitem__("Content-Type"),
                               m.set_raw("Content-Type", "text/calendar"))),
        ("add_header", lambda m: (m.__delitem__("Content-Type"),
                                  m.add_header("Content-Type", "text/csv"))),
        ("set_param", lambda m: m.set_param("charset", "utf-8", header="Content-Type")),
        ("set_default_type", lambda m: (m.__delitem__("Content-Type"),
                                        m.set_default_type("message/rfc822"))),
    ]


@pytest.mark.parametrize(("name", "change"), _changes(), ids=[n for n, _ in _changes()])
def test_an_entity_forgets_what_it_worked_out_when_a_field_changes(name: str, change: Any) -> None:
    """The content type is worked out once (the rules ask for it often); a change to the
    fields is seen as the stdlib's Message sees it."""
    raw = b"Content-Type: text/plain; charset=us-ascii\r\nSubject: s\r\n\r\nbody\r\n"
    ours, theirs = split_message(raw), email.message_from_bytes(raw)
    assert isinstance(ours, Entity) and ours.get_content_type() == "text/plain"
    assert ours.get("content-type") == theirs.get("content-type")  # fields read by name
    change(ours)
    change(theirs)
    assert ours.get_content_type() == theirs.get_content_type()  # not the one worked out
    assert ours.get("Content-Type") == theirs.get("Content-Type")
    assert ours.first_raw("CONTENT-TYPE") == theirs.get("content-type")
    assert ours.get_content_maintype() == theirs.get_content_maintype()
    assert dump(ours) == dump(theirs)
