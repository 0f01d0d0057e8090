"""The capture trust rule (issue 16 point 1) as a table: genuine phone BCCs and spoofs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Location
from inboxfollow.rules.capture_tags import tags_in
from inboxfollow.rules.capture_trust import (
    UNVERIFIED,
    CaptureOwner,
    authserv_ids,
    capture_tag,
    delivery_addresses,
    parse_authentication_results,
    trust_problem,
)

ME = "dana@reyes-joinery.example"
ME_GMAIL = "dana.reyes@gmail.com"
CAPTURE = "dana+crm@reyes-joinery.example"


def owner(*trusted: str) -> CaptureOwner:
    return CaptureOwner("Dana Reyes", frozenset({ME, ME_GMAIL}), CAPTURE, frozenset(), trusted)


GMAIL_AR = (
    "Authentication-Results: mx.google.com;\n"
    "       dkim=pass header.i=@reyes-joinery.example header.s=google header.b=AbC12345;\n"
    "       spf=pass (google.com: domain of dana@reyes-joinery.example designates 209.85.220.41"
    " as permitted sender) smtp.mailfrom=dana@reyes-joinery.example;\n"
    "       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=reyes-joinery.example\n"
)
GMAIL_USER_AR = (  # the owner's own Gmail address, DKIM only (no DMARC result written)
    "Authentication-Results: mx.google.com;\n"
    "       dkim=pass header.i=@gmail.com header.s=20230601 header.b=Qw3rTy;\n"
    "       spf=pass (google.com: domain of dana.reyes@gmail.com designates 209.85.220.65 as"
    " permitted sender) smtp.mailfrom=dana.reyes@gmail.com\n"
)
OUTLOOK_AR = (  # sent from Outlook (Microsoft 365), captured at Fastmail; Microsoft's own below
    "Authentication-Results: mx4.messagingengine.com;\n"
    "    dkim=pass (2048-bit rsa key sha256) header.d=reyes-joinery.example\n"
    "     header.i=@reyes-joinery.example header.b=Xy7 header.a=rsa-sha256\n"
    "     header.s=selector1 x-bits=2048;\n"
    "    dmarc=pass policy.published-domain-policy=reject\n"
    "     policy.applied-disposition=none (p=reject,d=none,d.eval=none)\n"
    "     policy.policy-from=p header.from=reyes-joinery.example;\n"
    "    spf=pass smtp.mailfrom=dana@reyes-joinery.example\n"
    "Authentication-Results: spf=pass (sender IP is 40.107.22.61)\n"
    " smtp.mailfrom=reyes-joinery.example; dkim=pass (signature was verified)\n"
    " header.d=reyes-joinery.example;dmarc=pass action=none\n"
    " header.from=reyes-joinery.example;compauth=pass reason=100\n"
)
ICLOUD_AR = (
    "Authentication-Results: dmarc.icloud.com; dmarc=pass header.from=reyes-joinery.example\n"
    "Authentication-Results: dkim-verifier.icloud.com; dkim=pass (2048-bit key)"
    " header.d=mail.reyes-joinery.example header.i=@mail.reyes-joinery.example header.b=Zx\n"
    "Authentication-Results: spf.icloud.com; spf=pass (spf.icloud.com: domain of"
    " dana@reyes-joinery.example designates 17.58.6.40 as permitted sender)"
    " smtp.mailfrom=dana@reyes-joinery.example\n"
)


def mail(extra: str, sender: str = ME, to: str = "ann@acme.example",
         delivered: str = CAPTURE) -> bytes:
    return (f"{extra}Delivered-To: {delivered}\n"
            f"Received: from mail-sor-f41.google.com by mx.google.com for <{delivered}>;"
            " Mon, 07 Dec 2026 09:00:01 -0800 (PST)\n"
            f"From: Dana Reyes <{sender}>\nTo: {to}\nSubject: Your table\n"
            "Date: Mon, 07 Dec 2026 18:00:00 +0100\nMessage-ID: <phone-1@reyes-joinery.example>\n"
            "\nSent from my iPhone\n").encode()


def problem(raw: bytes, who: CaptureOwner, source: str = "capture") -> str:
    fetched = FetchedMessage(Location(source, "INBOX", 1, 1), raw, (),
                             datetime(2026, 12, 7, tzinfo=UTC), len(raw), has_text=True)
    return trust_problem(parse_message(fetched), source, who, raw)


TRUSTED = {
    "gmail: dmarc=pass from the listed mx.google.com": (mail(GMAIL_AR), ("mx.google.com",)),
    "gmail user: dkim=pass, header.i=@gmail.com aligned with From": (
        mail(GMAIL_USER_AR, sender=ME_GMAIL), ("mx.google.com",)),
    "outlook via fastmail: the listed id's dmarc=pass": (
        mail(OUTLOOK_AR), ("mx4.messagingengine.com",)),
    "iphone via icloud: the topmost listed id decides (dmarc)": (
        mail(ICLOUD_AR), ("dmarc.icloud.com", "dkim-verifier.icloud.com")),
    "iphone via icloud: dkim of a subdomain aligns": (
        mail(ICLOUD_AR), ("dkim-verifier.icloud.com",)),
    "authserv-id listed in another case": (mail(GMAIL_AR), ("MX.Google.com",)),
    "a Sender: that is the owner's other address": (
        mail("Sender: " + ME_GMAIL + "\n" + GMAIL_AR), ("mx.google.com",)),
}


@pytest.mark.parametrize("name", TRUSTED)
def test_genuine_capture_mail_is_trusted(name: str) -> None:
    raw, trusted = TRUSTED[name]
    assert problem(raw, owner(*trusted)) == ""


FORGED_ABOVE = ("Authentication-Results: mx.evil.example; dmarc=pass"
                " header.from=reyes-joinery.example\n")
FORGED_BELOW = ("Authentication-Results: mx.google.com; dkim=pass header.d=reyes-joinery.example;"
                " dmarc=pass header.from=reyes-joinery.example\n")
PROVIDER_NONE = ("Authentication-Results: mx.google.com; dkim=none; spf=softfail (google.com:"
                 " domain of transitioning dana@reyes-joinery.example does not designate"
                 " 203.0.113.9 as permitted sender) smtp.mailfrom=dana@reyes-joinery.example;"
                 " dmarc=none header.from=reyes-joinery.example\n")
UNALIGNED = ("Authentication-Results: mx.google.com; dkim=pass header.i=@evil.example"
             " header.s=s1; spf=pass smtp.mailfrom=bounce@evil.example;"
             " dmarc=fail (p=NONE) header.from=reyes-joinery.example\n")
LOOKALIKE = ("Authentication-Results: mx.google.com; dkim=pass"
             " header.d=reyes-joinery.example.evil.example; dmarc=fail\n")

SPOOFS = {
    "no Authentication-Results at all": (mail(""), ("mx.google.com",), UNVERIFIED),
    "the provider says dkim=none": (mail(PROVIDER_NONE), ("mx.google.com",), UNVERIFIED),
    "an attacker's Sender:": (mail("Sender: mallory@evil.example\n" + GMAIL_AR),
                             ("mx.google.com",), "Sender"),
    "a forged header above the provider's, unlisted id": (
        mail(FORGED_ABOVE + PROVIDER_NONE), ("mx.google.com",), UNVERIFIED),
    "a forged header with the listed id below the provider's": (
        mail(PROVIDER_NONE + FORGED_BELOW), ("mx.google.com",), UNVERIFIED),
    "a forged header alone, unlisted id": (mail(FORGED_ABOVE), ("mx.google.com",), UNVERIFIED),
    "dkim=pass for an unaligned d=": (mail(UNALIGNED), ("mx.google.com",), UNVERIFIED),
    "dkim=pass for a look-alike domain": (mail(LOOKALIKE), ("mx.google.com",), UNVERIFIED),
    "an ARC-Authentication-Results is no Authentication-Results": (
        mail(GMAIL_AR.replace("Authentication-Results", "ARC-Authentication-Results: i=1")),
        ("mx.google.com",), UNVERIFIED),
    "genuine headers, but no trusted id configured": (mail(GMAIL_AR), (), UNVERIFIED),
    "a stranger's From": (mail(GMAIL_AR, sender="mallory@evil.example"), ("mx.google.com",),
                          "trusted only from the owner"),
    "the capture address as From": (mail(GMAIL_AR, sender=CAPTURE), ("mx.google.com",),
                                    "trusted only from the owner"),
}


@pytest.mark.parametrize("name", SPOOFS)
def test_spoofed_capture_mail_is_not_trusted(name: str) -> None:
    raw, trusted, expected = SPOOFS[name]
    found = problem(raw, owner(*trusted))
    assert found and (found.startswith(expected) or expected in found), found


def test_in_the_owner_mailbox_only_capture_bound_mail_is_checked() -> None:
    # an ordinary message to the owner is none of the capture rule's business
    raw = mail("", sender="ann@acme.example", to=ME, delivered=ME)
    assert problem(raw, owner(), source="owner") == ""
    # the owner's BCC to the capture address (a +address of the owner's mailbox) is
    assert problem(mail(""), owner(), source="owner").startswith(UNVERIFIED)
    assert problem(mail(GMAIL_AR), owner("mx.google.com"), source="owner") == ""


def test_a_sent_folder_copy_is_rule_a_itself() -> None:
    raw = mail("", to=CAPTURE)
    fetched = FetchedMessage(Location("owner", "Sent", 1, 1), raw, (), None, len(raw))
    assert trust_problem(parse_message(fetched), "owner", owner(), raw, in_sent=True) == ""


@pytest.mark.parametrize(("value", "authserv", "methods"), [
    (GMAIL_AR.split(":", 1)[1], "mx.google.com", ["dkim", "spf", "dmarc"]),
    ("spf=pass (sender IP is 40.107.22.61) smtp.mailfrom=x.example; dkim=pass header.d=x.example",
     "", ["spf", "dkim"]),
    ("mx.example.org 1; none", "mx.example.org", []),
    ("mx.example.org; dkim=pass (good (nested) comment) header.d=a.example", "mx.example.org",
     ["dkim"]),
])
def test_authentication_results_parse(value: str, authserv: str, methods: list[str]) -> None:
    result = parse_authentication_results(value)
    assert result.authserv_id == authserv
    assert [m for m, _, _ in result.results] == methods


def test_authserv_ids_topmost_first() -> None:
    assert authserv_ids(mail(ICLOUD_AR)) == ["dmarc.icloud.com", "dkim-verifier.icloud.com",
                                             "spf.icloud.com"]


@pytest.mark.parametrize(("address", "capture", "delimiter", "tag"), [
    ("crm@x.example", "crm@x.example", "+", ""),
    ("CRM+3D@X.example", "crm@x.example", "+", "3d"),
    ("crm+quote+1w@x.example", "crm@x.example", "+", "quote+1w"),
    ("dana+crm+won@x.example", "dana+crm@x.example", "+", "won"),
    ("dana+crm@x.example", "dana+crm@x.example", "+", ""),
    ("dana@x.example", "dana+crm@x.example", "+", None),
    ("dana+other@x.example", "dana+crm@x.example", "+", None),
    ("crm-friday@x.example", "crm@x.example", "-", "friday"),
    ("crm+friday@x.example", "crm@x.example", "-", None),
    ("crm+3d@y.example", "crm@x.example", "+", None),
    ("crmx@x.example", "crm@x.example", "+", None),
])
def test_capture_tag(address: str, capture: str, delimiter: str, tag: str | None) -> None:
    assert capture_tag(address, capture, delimiter) == tag


def test_delivery_headers_name_the_tag() -> None:
    headers = {
        "delivered-to": "dana+crm+3d@reyes-joinery.example",
        "x-original-to": "dana+crm+3d@reyes-joinery.example",
        "received": "from a by b with ESMTPS id x\n\tfor <dana+crm+call@reyes-joinery.example>;"
                    " Mon, 7 Dec 2026 10:00:00 +0000\nfrom c by d for dana@reyes-joinery.example;"
                    " Mon, 7 Dec 2026 10:00:00 +0000",
    }
    found = delivery_addresses(headers)
    assert "dana+crm+call@reyes-joinery.example" in found
    assert tags_in(found, CAPTURE) == {"3d", "call"}
