"""Customers and leads end to end on the real Dovecot, run as the owner runs the CLI
(`sync`, `mark`, `drafts`, `customers`, `leads`, `digest`) at fixed times with --now."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.dovecot import ImapAccount
from tests.lead_mail import CF7, UNREADABLE
from tests.mailgen import (
    CAPTURE,
    ME,
    OWNER,
    Delivery,
    cli_env,
    crlf,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    write_config,
)

pytestmark = pytest.mark.dovecot

ANN = ("Ann Buyer", "ann@acme.example")
GAIL = ("Gail Moss", "gail.moss@gmail.com")
D0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday: the purchase
PLAN = """
[cadences]
quarterly = ["13w"]

[customers.cadence_for]
"gail.moss@gmail.com" = "quarterly"

[leads.sources.website]
senders = ["wordpress@reyes-joinery.example"]
reply_subject = "Your enquiry at Reyes Joinery"

[leads.sources.jotform]
senders = ["*@jotform.com"]
"""


def mid(name: str) -> str:
    return f"<{name}@reyes-joinery.example>"


def drafts(account: ImapAccount) -> list[EmailMessage]:
    client = account.client()
    try:
        client.select_folder("Drafts", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
    finally:
        client.logout()
    found = [email.message_from_bytes(v[b"BODY[]"], policy=email.policy.default)
             for v in fetched.values()]
    return [m for m in found if isinstance(m, EmailMessage)]


def at(days: float, hour: int = 10) -> str:
    return (D0 + timedelta(days=days)).replace(hour=hour).isoformat()


def sent(name: str, to: tuple[str, str], subject: str, days: float, body: str) -> Delivery:
    when = D0 + timedelta(days=days)
    return Delivery("Sent", message(ME, [to], subject, when, mid(name), body), when)


def test_customer_plan_keeps_its_clock(imap_account: ImapAccount, tmp_path: Path) -> None:
    config = write_config(tmp_path, imap_account, extra=PLAN)
    env = cli_env(imap_account)

    def cli(*args: str, now: str) -> str:
        return ok(run_cli(*args, config=config, env=env, now=now))

    deliver_all(imap_account, [
        sent("quote", ANN, "Quote 2026-114: shelving", -3, "Our price: EUR 4,250 for shelving."),
        sent("invoice", GAIL, "Invoice #1042 for the bookshelf", -21,
             "Dear Gail,\n\nplease find attached invoice #1042 for your bookshelf.\n"),
    ])
    cli("sync", now=at(0, 9))
    assert "marked ann@acme.example won" in cli("mark", "ann@acme.example", "won", now=at(0))
    # the customer writes on day 10: the plan's clock does not move
    when = D0 + timedelta(days=10)
    deliver_all(imap_account, [Delivery("INBOX", message(
        ANN, [ME], "Question about the shelves", when, mid("ann-q"),
        "Can we add a second shelf later?"), when)])
    cli("sync", now=at(10, 11))
    found = {c["customer"]: c for c in ok_json(run_cli("customers", "--json", config=config,
                                                       env=env, now=at(10, 11)))}
    assert found["acme.example"]["next_planned"].startswith("2026-11-16")  # day 14
    assert found["acme.example"]["check_in"] == 1
    assert found["acme.example"]["purchase_date"] == "2026-11-02"
    assert found["acme.example"]["last_touch_direction"] == "in"
    # Gail, who only got an invoice 31 days ago, is a quiet customer
    assert found["gail.moss@gmail.com"]["quiet"] is True
    assert "an invoice" in found["gail.moss@gmail.com"]["why"]
    for checklist in ((), ("--checklist",)):
        page = tmp_path / "page.html"
        cli("digest", *checklist, "--preview", str(page), now=at(10, 11))
        html = page.read_text(encoding="utf-8")
        assert "Customers to check in with" in html and "gail.moss@gmail.com" in html
    # day 14: the check-in draft, to Ann, with a subject of its own
    cli("drafts", now=at(14, 9))
    (draft,) = drafts(imap_account)
    assert draft["To"].addresses[0].addr_spec == ANN[1]
    assert draft["Subject"] == "Checking in" and draft["In-Reply-To"] is None
    # day 15: the owner writes: that is the check-in; the unedited draft leaves Drafts
    deliver_all(imap_account, [sent("ann-photo", ANN, "Photos of your shelves", 15,
                                    "Here are the photos I promised.")])
    out = cli("sync", now=at(15, 12))
    assert "withdrew" in out
    assert drafts(imap_account) == []
    found = {c["customer"]: c for c in ok_json(run_cli("customers", "--json", config=config,
                                                       env=env, now=at(15, 12)))}
    assert found["acme.example"]["check_in"] == 2
    assert_plans_need_only_their_mail(config, at(15, 12))
    why = cli("explain", "ann@acme.example", now=at(15, 12))
    assert "Customer acme.example" in why and "made by the owner's touch" in why
    # and no second draft for check-in 1 at the next draft run
    cli("drafts", now=at(16, 9))
    assert drafts(imap_account) == []
    # lost ends the plan
    cli("mark", "ann@acme.example", "lost", now=at(16))
    found = {c["customer"]: c for c in ok_json(run_cli("customers", "--json", config=config,
                                                       env=env, now=at(60)))}
    assert found["acme.example"]["status"] == "lost"
    assert found["acme.example"]["next_planned"] is None


def test_a_lead_gets_its_first_response_in_one_sync(imap_account: ImapAccount,
                                                    tmp_path: Path) -> None:
    config = write_config(tmp_path, imap_account, extra=PLAN)
    env = cli_env(imap_account)
    came = D0 + timedelta(days=1)
    deliver_all(imap_account, [
        Delivery("INBOX", crlf(CF7.raw(OWNER, came, "<cf7-1@reyes-joinery.example>")), came),
        Delivery("INBOX", crlf(UNREADABLE.raw(OWNER, came, "<jot-1@jotform.example>")), came),
    ])
    now = (came + timedelta(minutes=1)).isoformat()
    ok(run_cli("sync", config=config, env=env, now=now))
    (draft,) = drafts(imap_account)
    assert draft["To"].addresses[0].addr_spec == "priya.n@gmail.com"
    assert draft["Subject"] == "Your enquiry at Reyes Joinery"
    assert draft["In-Reply-To"] is None
    assert "Priya" in draft.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    leads = ok_json(run_cli("leads", "--json", config=config, env=env, now=now))
    lead = next(item for item in leads if item["kind"] == "lead")
    assert lead["contact"] == "priya.n@gmail.com" and lead["source"] == "website"
    assert lead["draft_pending"]
    broken = next(item for item in leads if item["kind"] == "unreadable")
    assert "no form fields found" in broken["reason"]
    # never a contact at the form service, never "waiting for your answer"
    contacts = ok_json(run_cli("contacts", "--json", config=config, env=env, now=now))
    assert not any(c["email"].startswith("wordpress@") for c in contacts)
    waiting = ok_json(run_cli("loops", "--kind", "waiting", "--json", config=config, env=env,
                              now=(came + timedelta(days=5)).isoformat()))
    assert not any("priya" in str(item) for item in waiting)
    page = tmp_path / "digest.html"
    ok(run_cli("digest", "--preview", str(page), config=config, env=env, now=now))
    html = page.read_text(encoding="utf-8")
    assert "New leads, and how fast you answered" in html and "could not be read" in html
    # the owner sends the first response: the digest tells how fast
    deliver_all(imap_account, [sent("priya-1", ("Priya Natarajan", "priya.n@gmail.com"),
                                    "Your enquiry at Reyes Joinery", 1.1, "Happy to help.")])
    later = (D0 + timedelta(days=1, hours=3)).isoformat()
    ok(run_cli("sync", config=config, env=env, now=later))
    leads = ok_json(run_cli("leads", "--json", config=config, env=env, now=later))
    lead = next(item for item in leads if item["kind"] == "lead")
    assert lead["first_response"] is not None and 2.3 < lead["response_hours"] < 2.5
    assert_plans_need_only_their_mail(config, later)


def test_won_by_capture_tag_makes_a_customer(imap_account: ImapAccount, tmp_path: Path) -> None:
    """+won BCC'd on the owner's offer: the offer's people are the customer, `explain` says
    it came from the command; +stop on a later message ends the plan."""
    eve = ("Eve Faure", "eve@faure.example")
    local, _, domain = CAPTURE.partition("@")
    when = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)  # commands are
    # carried out when fresh: a stale +tag is only listed

    def tagged(name: str, subject: str, tag: str, hours: int) -> Delivery:
        moment = when + timedelta(hours=hours)
        raw = message(ME, [eve], subject, moment, mid(name), "Our price for the oak desk is "
                      "EUR 900.", headers=[("Bcc", f"{local}+{tag}@{domain}")])
        return Delivery("Sent", raw, moment)

    deliver_all(imap_account, [tagged("eve-q", "Offer: oak desk", "won", 0)])
    config = write_config(tmp_path, imap_account, extra=PLAN)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env))
    (customer,) = ok_json(run_cli("customers", "--json", config=config, env=env))
    assert customer["customer"] == "faure.example" and "+won" in customer["why"]
    assert customer["purchase_date"] == when.astimezone(ZoneInfo("Europe/Berlin")).date(
    ).isoformat() and customer["check_in"] == 1
    deliver_all(imap_account, [tagged("eve-stop", "Thanks again", "stop", 1)])
    ok(run_cli("sync", config=config, env=env))
    (customer,) = ok_json(run_cli("customers", "--json", config=config, env=env))
    assert customer["status"] == "stopped" and customer["next_planned"] is None


def assert_plans_need_only_their_mail(config: Path, now: str) -> None:
    """The plans and leads derived from the few messages `kept.plan_mail` picks are those
    derived from every stored message (what the kept state relies on)."""
    import inboxfollow.app.kept as kept
    from inboxfollow.app.plans import derive_plans
    from inboxfollow.config import load_config
    from inboxfollow.store import open_store

    settings, when = load_config(config), datetime.fromisoformat(now)
    with open_store(settings.store_path, readonly=True) as store:
        picked = derive_plans(store, settings, when)
        every = store.all_messages()
        assert len(kept.plan_mail(store, settings, when)) < len(every)
        chosen = kept.plan_mail
        kept.plan_mail = lambda *args: every  # type: ignore[assignment]
        try:
            full = derive_plans(store, settings, when)
        finally:
            kept.plan_mail = chosen  # type: ignore[assignment]
    assert (picked.customers, picked.plans, picked.leads, picked.unreadable) == (
        full.customers, full.plans, full.leads, full.unreadable)
