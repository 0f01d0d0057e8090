"""Every other capture tag end to end on the real Dovecot (test_capture_commands has +3d,
+quote, +won, an unknown tag and a spoof): +call and +note become touches (also on a
forward to the capture address alone), +noquote, +stop, +lost, +quote+1w and +pending;
and who waits for the owner's answer agrees across `loops --kind waiting`, the digest and
the JSON. Run as the owner runs it: `inboxfollow sync`, `contacts`, `history`, ..."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.rules.cadence import Calendar
from tests.dovecot import ImapAccount
from tests.mailgen import (
    ME,
    Delivery,
    cli_env,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    tagged,
    write_config,
)

pytestmark = pytest.mark.dovecot

FAY = ("Fay Brandt", "fay@brandt-interiors.example")
GUS = ("Gus Moreau", "gus@moreau-bau.example")
HAL = ("Hal Ortiz", "hal@ortiz-cafe.example")
IDA = ("Ida Novak", "ida@novak-dental.example")
JON = ("Jon Berg", "jon@berg-haus.example")
KIM = ("Kim Sato", "kim@sato-studio.example")
SENT_AT = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
BERLIN = ZoneInfo("Europe/Berlin")


def mid(name: str) -> str:
    return f"<{name}@e2e.example>"


def mail() -> list[Delivery]:
    def sent(name: str, to: list[tuple[str, str]], subject: str, body: str, bcc: str = "",
             reply_to: str = "") -> Delivery:
        raw = message(ME, to, subject, SENT_AT, mid(name), body, reply_to=reply_to or (),
                      headers=[("Bcc", bcc)] if bcc else [])
        return Delivery("Sent", raw, SENT_AT)

    asked_at = SENT_AT - timedelta(minutes=30)
    return [
        Delivery("INBOX", message(FAY, [ME], "Shelves for the shop", asked_at, mid("fay-ask"),
                                  "Hi Dana,\nCould you send me the drawings for the shelves?\n"
                                  "Thanks, Fay"), asked_at),
        # a forward of Fay's mail to the capture address alone: a note, with Fay
        sent("fay-note", [("", tagged("note"))], "Fwd: Shelves for the shop",
             "Fay compares two joiners; she decides by the end of the month.",
             reply_to=mid("fay-ask")),
        sent("gus-call", [GUS], "Our call today",
             "Thanks for the call today. As discussed: delivery in March.", tagged("call")),
        sent("hal-nq", [HAL], "Oak table", "Our quote for the oak table: total price EUR 1,900.",
             tagged("noquote")),
        sent("ida-stop", [IDA], "Quote: garden bench", "Our price for the bench is EUR 700.",
             tagged("stop")),
        sent("jon-q", [JON], "Next steps for the kitchen", "Let us do it as discussed.",
             tagged("quote+1w")),
        sent("kim-lost", [KIM], "Quote: reception desk", "Our price for the desk is EUR 3,100.",
             tagged("lost")),
        sent("pending", [("", tagged("pending"))], "digest please", "Send me the digest."),
    ]


def inbox(account: ImapAccount, folder: str = "INBOX") -> list[email.message.EmailMessage]:
    client = account.client()
    try:
        client.select_folder(folder, readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
    finally:
        client.logout()
    return [email.message_from_bytes(v[b"BODY[]"], policy=email.policy.default)  # type: ignore
            for v in fetched.values()]


def test_each_tag_end_to_end(imap_account: ImapAccount, tmp_path: Path) -> None:
    deliver_all(imap_account, mail())
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env))

    subjects = [str(m["Subject"]) for m in inbox(imap_account)]
    for done in ("+note done: Fwd: Shelves", "+call done: Our call today",
                 "+noquote done: Oak table", "+stop done: Quote: garden bench",
                 "+quote+1w done: Next steps", "+lost done: Quote: reception desk",
                 "+pending done: digest please"):
        assert sum(done in s for s in subjects) == 1, (done, subjects)
    assert any(s.startswith("Follow-up digest") for s in subjects), subjects  # +pending
    note = next(m for m in inbox(imap_account) if "+note done" in str(m["Subject"]))
    assert f"People: {FAY[1]}" in note.get_content()  # the forwarded message's people

    # +call and +note are touches: contacts, history and explain count them
    contacts = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                       env=env))}
    fay, gus = contacts[FAY[1]], contacts[GUS[1]]
    assert (fay["touches_in"], fay["touches_out"], fay["touches_logged"]) == (1, 0, 1)
    assert (gus["touches_in"], gus["touches_out"], gus["touches_logged"]) == (0, 1, 1)
    history = ok_json(run_cli("history", FAY[1], "--json", config=config, env=env))
    assert [h["kind"] for h in history] == ["mail", "note"]
    assert "compares two joiners" in history[1]["text"]
    table = ok(run_cli("contacts", config=config, env=env))
    assert "logged" in table.splitlines()[0]
    explained = ok(run_cli("explain", FAY[1], config=config, env=env))
    assert "1 call(s) and note(s) logged" in explained and "compares two joiners" in explained

    loops = {lp["contact"]: lp for lp in ok_json(run_cli(
        "quotes", "--status", "all", "--json", config=config, env=env))}
    assert HAL[1] not in loops  # +noquote: quote words, but no loop
    assert loops[IDA[1]]["status"] == "stopped" and loops[KIM[1]]["status"] == "lost"
    assert loops[JON[1]]["kind"] == "quote" and loops[JON[1]]["status"] == "awaiting_reply"
    week = Calendar(BERLIN).next_working_day(SENT_AT.astimezone(BERLIN).date()
                                             + timedelta(days=7))
    assert loops[JON[1]]["next_due"].startswith(week.isoformat())
    assert FAY[1] not in loops and GUS[1] not in loops  # a call or a note opens no loop

    # Fay asked; the forward to the capture address is no answer to her
    later = SENT_AT + timedelta(days=5)
    waiting = ok_json(run_cli("loops", "--kind", "waiting", "--json", config=config, env=env,
                              now=later.isoformat()))
    assert [w["contact"] for w in waiting] == [FAY[1]]
    assert waiting[0]["question"] == "Could you send me the drawings for the shelves?"
    text = ok(run_cli("loops", "--kind", "waiting", config=config, env=env,
                      now=later.isoformat()))
    assert "1 person is waiting for your answer" in text
    explained = ok(run_cli("explain", FAY[1], config=config, env=env, now=later.isoformat()))
    assert "waiting for your answer since" in explained and "drawings" in explained
    preview = tmp_path / "digest.html"
    out = ok(run_cli("digest", "--preview", str(preview), config=config, env=env,
                     now=later.isoformat()))
    assert "1 person is waiting for your answer" in out
    assert FAY[1] in preview.read_text() and "drawings for the shelves" in preview.read_text()
    out = ok(run_cli("digest", "--checklist", config=config, env=env, now=later.isoformat()))
    assert "1 person is waiting for your answer" in out

    ok(run_cli("drafts", config=config, env=env, now=(SENT_AT + timedelta(days=10)).isoformat()))
    to = " ".join(str(m["To"]) for m in inbox(imap_account, "Drafts"))
    assert JON[1] in to and FAY[1] not in to
    assert not any(p[1] in to for p in (HAL, IDA, KIM))  # no quote, stopped, lost
