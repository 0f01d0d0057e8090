"""Quotes and replies, end to end: one Dovecot mailbox with a loop in every situation.

The mailbox is built over IMAP (INBOX and Sent, dates relative to a fixed --now), synced with
`inboxfollow sync`, and read back with `quotes --json` and `explain`, as the owner would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.config import load_config
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.store import open_store
from tests.dovecot import ImapAccount
from tests.mailgen import (
    CAPTURE,
    CAPTURE_AUTH,
    ME,
    Delivery,
    bounce,
    calendar_reply,
    cli_env,
    deliver_all,
    message,
    ok,
    ok_json,
    read_receipt,
    run_cli,
    store_path,
    write_config,
)
from tests.storefile import store_tables

pytestmark = pytest.mark.dovecot

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Berlin
NOW = "2026-03-20T12:00:00+01:00"

ALICE = ("Alice Archer", "alice@alpha.example")
BOB = ("Bob Baker", "bob@bravo.example")
CARLA = ("Carla Cruz", "carla@charlie.example")
CHRIS = ("Chris Cole", "chris@charlie.example")  # Carla's colleague
DORA = ("Dora Diaz", "dora@gmail.com")
GUS = ("Gus Green", "gus@gmail.com")  # another gmail user, not Dora's colleague
EMIL = ("Emil Engel", "emil@echo.example")
FAY = ("Fay Fox", "fay@foxtrot.example")
GIL = ("Gil Grant", "gil@golf.example")
HANA = ("Hana Hill", "hana@hotel.example")
IVO = ("Ivo Ivanov", "ivo@india.example")
JANA = ("Jana Jung", "jana@juliet.example")
KIM = ("Kim Kato", "kim@kilo.example")
LEA = ("Lea Lund", "lea@lima.example")
ZOE = ("Zoë Müller", "zoe@mueller-kuechen.example")
MAX = ("Max Moor", "max@mike.example")
NINA = ("Nina Nash", "nina@november.example")
NOAH = ("Noah Nye", "noah@oscar.example")
OLGA = ("Olga Ortiz", "olga@papa.example")


def at(days: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def mid(ref: str) -> str:
    return f"<{ref}@e2e.example>"


def mailbox() -> list[tuple[str, Delivery]]:
    """Every message of the test mailbox, by a short name, in no particular order."""
    out: list[tuple[str, Delivery]] = []

    def sent(ref: str, to: list, subject: str, day: float, body: str = "", **kw: Any) -> None:
        raw = message(ME, to, subject, at(day), mid(ref), body or "Best regards, Dana", **kw)
        out.append((ref, Delivery("Sent", raw, at(day))))

    def received(ref: str, sender: tuple, subject: str, day: float, minutes: float = 0,
                 body: str = "Thanks.", **kw: Any) -> None:
        raw = message(sender, [ME], subject, at(day, minutes), mid(ref), body, **kw)
        out.append((ref, Delivery("INBOX", raw, at(day, minutes))))

    def raw_in(ref: str, raw: bytes, day: float, minutes: float) -> None:
        out.append((ref, Delivery("INBOX", raw, at(day, minutes))))

    # A: answered in the thread (the quote also has a BCC copy to the capture address)
    sent("a-q", [ALICE], "Quote: oak table", 0, "Our price for the oak table is EUR 1,800.")
    bcc = message(ME, [ALICE], "Quote: oak table", at(0), mid("a-q"),
                  "Our price for the oak table is EUR 1,800.",
                  headers=[("Delivered-To", CAPTURE)])
    out.append(("a-q-bcc", Delivery("INBOX", bcc, at(0))))
    received("a-r", ALICE, "Re: Quote: oak table", 1, body="Looks good, go ahead.",
             reply_to=mid("a-q"))
    # B: answered with a new subject, no threading headers
    sent("b-q", [BOB], "Estimate: kitchen shelves", 0, "The estimate is EUR 950.")
    received("b-r", BOB, "about the shelves", 2, body="Can they be 10 cm deeper?")
    # C: answered by a colleague at the same company, in the thread
    sent("c-q", [CARLA], "Proposal: reception desk", 0, "Price: EUR 5,200.")
    received("c-r", CHRIS, "Re: Proposal: reception desk", 1, body="Carla is away; yes please.",
             reply_to=mid("c-q"))
    # D: a free-mail contact; another gmail user writes in the thread: outside the
    # owner's side, in the thread, so an answer
    sent("d-q", [DORA], "Quote: garden bench", 0, "EUR 400 including delivery.")
    received("d-x", GUS, "Re: Quote: garden bench", 1, body="Dora forwarded this to me.",
             reply_to=mid("d-q"))
    # E: only an out-of-office in the thread (Auto-Submitted)
    sent("e-q", [EMIL], "Quote: bookcase", 1, "The bookcase comes to EUR 700.")
    received("e-ooo", EMIL, "Out of Office: Quote: bookcase", 1, 2,
             body="I am out of the office until 30 March.", reply_to=mid("e-q"),
             headers=[("Auto-Submitted", "auto-replied")])
    # F: an Exchange auto-reply with nothing but its subject to tell
    sent("f-q", [FAY], "Quote: wardrobe", 2, "The wardrobe is EUR 2,100.")
    received("f-ooo", FAY, "Automatic reply: Quote: wardrobe", 2, 1,
             body="I'm currently away with limited access to email.")
    # G: a bounce naming the contact, with a Diagnostic-Code
    sent("g-q", [GIL], "Quote: shop counter", 2, "The counter comes to EUR 1,250.")
    raw_in("g-bounce", bounce(ME, GIL[1], at(2, 1), mid("g-bounce"), mid("g-q")), 2, 1)
    # H: a read receipt is no answer
    sent("h-q", [HANA], "Quote: staircase", 3, "The staircase is EUR 6,800.")
    raw_in("h-mdn", read_receipt(HANA, ME, at(3, 30), mid("h-mdn"), mid("h-q"),
                                 "Quote: staircase"), 3, 30)
    # I: a calendar reply (METHOD:REPLY) from the contact is an answer
    sent("i-q", [IVO], "Quote: pergola", 3, "The pergola is EUR 3,000.")
    raw_in("i-cal", calendar_reply(IVO, ME, at(4), mid("i-cal"), "Site visit"), 4, 0)
    # J: a quote seen only as the BCC copy in INBOX (sent from the phone: no Sent copy)
    jana = message(ME, [JANA], "Angebot Eichenregal", at(4), mid("j-q"),
                   "Hallo Jana, anbei das Angebot.",
                   headers=[("Delivered-To", CAPTURE), CAPTURE_AUTH])  # the provider vouches
    out.append(("j-q", Delivery("INBOX", jana, at(4))))
    # K: an HTML-only quote; no quote word in the subject, "Angebot" and a price in the HTML
    sent("k-q", [KIM], "Ihre neue Küche", 7,
         html="<html><body><p>Hallo Kim,</p><p>unser <b>Angebot</b> f&uuml;r die K&uuml;che:"
              " <i>Preis EUR 3.400</i> inklusive Montage.</p></body></html>")
    # L: a quote known by its attachment's name only
    sent("l-q", [LEA], "Documents", 7, "Please find the documents attached.",
         attachment=("quote.pdf", b"%PDF-1.4 quote\n"))
    # Z: non-ASCII name and subject (RFC 2047 encoded on the wire)
    sent("z-q", [ZOE], "Angebot für Küche", 8, "Liebe Zoë, der Preis beträgt EUR 9.900.")
    # M: a revised quote in the same thread: two touches, one loop
    sent("m-q", [MAX], "Quote: loft bed", 0, "EUR 1,100.")
    sent("m-q2", [MAX], "Re: Quote: loft bed (revised)", 3, "Revised: EUR 990.",
         reply_to=mid("m-q"))
    # N: one quote to two contacts: one loop for the conversation
    sent("n-q", [NINA, NOAH], "Quotation: office fit-out", 8, "The fit-out is EUR 24,000.")
    # O: a follow-up with a new subject is a touch in the loop
    sent("o-q", [OLGA], "Quote: shelving", 1, "Shelving at EUR 640.")
    sent("o-f", [OLGA], "checking in", 7, "Did the shelving quote reach you?")
    # plain outbound mail that is no quote, after Alice's loop was answered
    sent("hello", [ALICE], "Thank you", 9, "Thanks for the order, see you Monday.")
    return out


def berlin(day: float, hour: int = 10, minute: int = 0) -> str:
    """A day relative to T0 at a local time in Berlin (+01:00 in March), as ISO 8601."""
    d = (T0 + timedelta(days=day)).date()
    return f"{d.isoformat()}T{hour:02d}:{minute:02d}:00+01:00"


def due(date: str) -> str:
    return f"{date}T08:30:00+01:00"


# contact -> (status, touches, quote ref, sent day, last touch day, next due, answered by)
EXPECTED: dict[str, tuple[str, int, str, float, float, str | None, str | None]] = {
    "alice@alpha.example": ("replied", 1, "a-q", 0, 0, None, "a-r"),
    "bob@bravo.example": ("replied", 1, "b-q", 0, 0, None, "b-r"),
    "carla@charlie.example": ("replied", 1, "c-q", 0, 0, None, "c-r"),
    "dora@gmail.com": ("replied", 1, "d-q", 0, 0, None, "d-x"),
    "emil@echo.example": ("awaiting_reply", 1, "e-q", 1, 1, due("2026-03-05"), None),
    "fay@foxtrot.example": ("awaiting_reply", 1, "f-q", 2, 2, due("2026-03-06"), None),
    "gil@golf.example": ("bounced", 1, "g-q", 2, 2, None, None),
    "hana@hotel.example": ("awaiting_reply", 1, "h-q", 3, 3, due("2026-03-09"), None),
    "ivo@india.example": ("replied", 1, "i-q", 3, 3, None, "i-cal"),
    "jana@juliet.example": ("awaiting_reply", 1, "j-q", 4, 4, due("2026-03-10"), None),
    "kim@kilo.example": ("awaiting_reply", 1, "k-q", 7, 7, due("2026-03-11"), None),
    "lea@lima.example": ("awaiting_reply", 1, "l-q", 7, 7, due("2026-03-11"), None),
    "zoe@mueller-kuechen.example": ("awaiting_reply", 1, "z-q", 8, 8, due("2026-03-12"), None),
    "max@mike.example": ("awaiting_reply", 2, "m-q", 0, 3, due("2026-03-10"), None),
    "nina@november.example": ("awaiting_reply", 1, "n-q", 8, 8, due("2026-03-12"), None),
    "olga@papa.example": ("awaiting_reply", 2, "o-q", 1, 7, due("2026-03-12"), None),
}


@pytest.fixture
def synced(imap_account: ImapAccount, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The whole test mailbox delivered and synced once with `inboxfollow sync`."""
    deliver_all(imap_account, [d for _, d in mailbox()])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = ok(run_cli("sync", config=config, env=env, now=NOW))
    assert line.startswith(f"sync: {len(mailbox()) - 1} new message(s), 1 already known"), line
    return config, env


def quotes(config: Path, env: dict[str, str], status: str = "all") -> list[dict[str, Any]]:
    return ok_json(run_cli("quotes", "--status", status, "--json", config=config, env=env,
                           now=NOW))


def by_contact(loops: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    result = {lp["contact"]: lp for lp in loops}
    assert len(result) == len(loops), [lp["contact"] for lp in loops]
    return result


def explain(config: Path, env: dict[str, str], ref: str) -> str:
    return ok(run_cli("explain", mid(ref), config=config, env=env, now=NOW))


def test_every_loop_has_the_right_status(synced: tuple[Path, dict[str, str]]) -> None:
    config, env = synced
    loops = by_contact(quotes(config, env))
    assert set(loops) == set(EXPECTED)
    for contact, (status, touches, ref, sent_day, last_day, next_due, answer) in EXPECTED.items():
        loop = loops[contact]
        got = (loop["status"], loop["touches"], loop["message_id"], loop["sent_at"],
               loop["last_touch"], loop["next_due"], loop["answered_by"])
        want = (status, touches, mid(ref), berlin(sent_day), berlin(last_day),
                next_due, mid(answer) if answer else None)
        assert got == want, (contact, loop)
        assert loop["message_id"].startswith("<") and loop["message_id"].endswith(">")
        assert loop["status_reason"], loop
        assert (loop["bounce_reason"] is not None) == (status == "bounced"), loop
    # names and subjects decoded from RFC 2047
    zoe = loops["zoe@mueller-kuechen.example"]
    assert (zoe["name"], zoe["subject"]) == ("Zoë Müller", "Angebot für Küche")
    assert loops["kim@kilo.example"]["subject"] == "Ihre neue Küche"
    # one quote to two people: one loop with both
    assert loops["nina@november.example"]["people"] == ["nina@november.example",
                                                        "noah@oscar.example"]

    # the default view is what still waits for an answer, and the table shows it
    waiting = {lp["contact"] for lp in quotes(config, env, "awaiting_reply")}
    assert waiting == {c for c, e in EXPECTED.items() if e[0] == "awaiting_reply"}
    assert {lp["contact"] for lp in quotes(config, env, "bounced")} == {"gil@golf.example"}
    table = ok(run_cli("quotes", config=config, env=env, now=NOW))
    assert "zoe@mueller-kuechen.example" in table and "Angebot für Küche" in table
    assert "alice@alpha.example" not in table


def test_contacts_count_only_human_touches(synced: tuple[Path, dict[str, str]]) -> None:
    config, env = synced
    contacts = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                        env=env, now=NOW))}
    assert contacts["zoe@mueller-kuechen.example"]["name"] == "Zoë Müller"
    assert (contacts["alice@alpha.example"]["touches_in"],
            contacts["alice@alpha.example"]["touches_out"]) == (1, 2)  # quote, reply, hello
    assert contacts["emil@echo.example"]["touches_in"] == 0  # the out-of-office is no touch
    assert contacts["fay@foxtrot.example"]["touches_in"] == 0
    assert contacts["hana@hotel.example"]["touches_in"] == 0  # nor the read receipt
    assert contacts["ivo@india.example"]["touches_in"] == 1  # a calendar reply is a person's
    assert contacts["gus@gmail.com"]["touches_in"] == 1  # a person, just not Dora's colleague
    assert contacts["max@mike.example"]["touches_out"] == 2
    assert not any("mailer-daemon" in email for email in contacts)
    assert contacts["chris@charlie.example"]["org"] == "charlie.example"
    assert contacts["dora@gmail.com"]["org"] == ""


def test_explain_gives_the_reasons(synced: tuple[Path, dict[str, str]]) -> None:
    config, env = synced
    text = explain(config, env, "a-q")
    assert "a quote: its subject says 'Quote'" in text
    assert "replied" in text and f"answered by {mid('a-r')}" in text
    assert "answered on 2026-03-03 in the thread: alice@alpha.example wrote in the quote's" in (
        text)

    text = explain(config, env, "b-q")
    assert "with a new subject 'about the shelves'" in text

    text = explain(config, env, "c-q")
    assert "chris@charlie.example wrote in the quote's thread from outside the owner's" in text

    text = explain(config, env, "d-q")
    assert "replied" in text
    assert "gus@gmail.com wrote in the quote's thread from outside the owner's side" in text

    text = explain(config, env, "e-q")
    assert "auto reply from emil@echo.example" in text and "did not count as an answer" in text
    assert "Auto-Submitted: auto-replied" in text
    text = explain(config, env, "e-ooo")
    assert "kind: auto_reply" in text
    assert "did not answer the loop with emil@echo.example" in text

    text = explain(config, env, "f-ooo")
    assert "kind: auto_reply" in text and "Automatic reply" in text

    text = explain(config, env, "g-q")
    assert "gil@golf.example" in text and "bounced: " in text
    text = explain(config, env, "g-bounce")
    assert "kind: bounce" in text and "bounced the loop with gil@golf.example" in text

    text = explain(config, env, "h-q")
    assert "receipt from hana@hotel.example" in text and "did not count" in text
    text = explain(config, env, "i-cal")
    assert "kind: human (calendar reply" in text

    text = explain(config, env, "k-q")
    assert "a quote: its own text names 'Angebot' and an amount" in text
    assert "EUR 3.400" in text
    text = explain(config, env, "l-q")
    assert "a quote: the attachment 'quote.pdf' says 'quote'" in text

    text = explain(config, env, "m-q2")
    assert "counts as touch 2 of the loop with max@mike.example" in text
    text = explain(config, env, "o-f")
    assert "counts as touch 2 of the loop with olga@papa.example" in text

    text = explain(config, env, "hello")
    assert "not a quote: no quote word" in text

    # the id may be given without angle brackets; an unknown one is one line, exit 1
    assert "a quote" in ok(run_cli("explain", "z-q@e2e.example", config=config, env=env,
                                   now=NOW))
    done = run_cli("explain", "<nothing@nowhere>", config=config, env=env, now=NOW)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1


def test_bounce_reason_is_the_diagnostic_code(synced: tuple[Path, dict[str, str]]) -> None:
    """An RFC 3464 report: the reason is its Diagnostic-Code, not the prose before it."""
    config, env = synced
    (gil,) = quotes(config, env, "bounced")
    assert gil["contact"] == "gil@golf.example"
    assert "550 5.1.1" in gil["bounce_reason"], gil
    assert "Recipient address rejected: User unknown" in gil["bounce_reason"], gil
    assert "550 5.1.1" in gil["status_reason"]
    text = explain(config, env, "g-q")
    assert "Recipient address rejected: User unknown" in text, text


def test_owner_commands_change_the_loops(synced: tuple[Path, dict[str, str]]) -> None:
    config, env = synced

    def cli(*args: str) -> str:
        return ok(run_cli(*args, config=config, env=env, now=NOW))

    # `quote --not` removes the loop a quote opened
    assert "is no longer a quote" in cli("quote", "--not", mid("l-q"))
    loops = by_contact(quotes(config, env))
    assert "lea@lima.example" not in loops
    assert "the owner unmarked it" in cli("explain", mid("l-q"))
    # `quote` makes an ordinary message a quote: a new loop for Alice
    assert "is now a quote" in cli("quote", mid("hello"))
    alice = [lp for lp in quotes(config, env) if lp["contact"] == "alice@alpha.example"]
    assert sorted((lp["message_id"], lp["status"]) for lp in alice) == [
        (mid("a-q"), "replied"), (mid("hello"), "awaiting_reply")]
    # an inbound message is never a quote
    done = run_cli("quote", mid("a-r"), config=config, env=env, now=NOW)
    assert done.returncode == 1 and "not sent by the owner" in done.stderr
    # stop a contact, mark another won, stop a quote by its id
    assert "stopped follow-ups for dora@gmail.com" in cli("stop", "Dora@Gmail.com")
    assert "marked bob@bravo.example won" in cli("mark", "bob@bravo.example", "won")
    assert "stopped" in cli("stop", mid("n-q"))
    loops = by_contact([lp for lp in quotes(config, env)
                        if lp["message_id"] != mid("hello")])
    assert loops["dora@gmail.com"]["status"] == "stopped"
    assert loops["dora@gmail.com"]["next_due"] is None
    assert "the owner marked it stopped" in loops["dora@gmail.com"]["status_reason"]
    assert loops["bob@bravo.example"]["status"] == "won"
    assert loops["nina@november.example"]["status"] == "stopped"
    unchanged = set(EXPECTED) - {"dora@gmail.com", "bob@bravo.example", "nina@november.example",
                                 "lea@lima.example"}
    for contact in unchanged:
        assert loops[contact]["status"] == EXPECTED[contact][0], contact
    # the commands live in the store: a new sync keeps them
    ok(run_cli("sync", config=config, env=env, now=NOW))
    again = by_contact([lp for lp in quotes(config, env) if lp["message_id"] != mid("hello")])
    assert {c: lp["status"] for c, lp in again.items()} == {
        c: lp["status"] for c, lp in loops.items()}
    # a contact without any loop cannot be stopped
    done = run_cli("stop", "nobody@nowhere.example", config=config, env=env, now=NOW)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1


# -- order and chunking do not matter -----------------------------------------------------


def loop_summary(config_path: Path, now: datetime) -> list[tuple[str, str, str, int]]:
    config = load_config(config_path)
    with open_store(config.store_path) as store:
        _, derivation = derive(store, config, now)
    return sorted((lp.contact, lp.quote["key"], lp.status.value, lp.touches)
                  for lp in derivation.loops)


def sync_in_process(config_path: Path, account: ImapAccount) -> tuple[int, int]:
    config = load_config(config_path)
    box = ImapMailbox(ImapSettings(account.host, account.port, "none", account.username,
                                   account.password, timeout=10), "owner")
    try:
        with open_store(config.store_path) as store:
            summary = sync([box], store, config.owner, batch_size=7)
    finally:
        box.close()
    return summary.new, summary.duplicates


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, dovecot: Any) -> list[tuple]:
    from tests.dovecot import new_account

    account = new_account(dovecot, "reference")
    deliver_all(account, [d for _, d in mailbox()])
    config = write_config(tmp_path_factory.mktemp("reference"), account)
    sync_in_process(config, account)
    return loop_summary(config, datetime.fromisoformat(NOW))


MESSAGES = len(mailbox())


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(order=st.permutations(range(MESSAGES)),
       cuts=st.lists(st.integers(min_value=1, max_value=MESSAGES - 1), max_size=5, unique=True))
def test_order_and_chunking_do_not_change_the_loops(
    make_imap_account: Callable[..., ImapAccount], tmp_path_factory: pytest.TempPathFactory,
    reference: list[tuple], order: list[int], cuts: list[int],
) -> None:
    account = make_imap_account("shuffle")
    config = write_config(tmp_path_factory.mktemp("shuffle"), account)
    deliveries = [d for _, d in mailbox()]
    shuffled = [deliveries[i] for i in order]
    bounds = [0, *sorted(cuts), MESSAGES]
    total_new = 0
    for start, end in zip(bounds, bounds[1:], strict=False):
        deliver_all(account, shuffled[start:end])
        total_new += sync_in_process(config, account)[0]
    assert total_new == MESSAGES - 1  # the BCC copy of the oak table quote is no new message
    assert loop_summary(config, datetime.fromisoformat(NOW)) == reference
    # syncing again changes nothing, not even the file
    before = store_path(config).read_bytes()
    assert sync_in_process(config, account) == (0, 0)
    assert store_path(config).read_bytes() == before
    assert len(store_tables(store_path(config))["messages"]) == MESSAGES - 1
