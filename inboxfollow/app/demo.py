"""The embedded default: a sample Maildir mailbox, synced and shown, no server needed."""

from __future__ import annotations

import mailbox
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from inboxfollow.app.digest import digest_command
from inboxfollow.app.drafter import run_drafts
from inboxfollow.app.explain import quote_table
from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.config import load_config
from inboxfollow.errors import InboxfollowError
from inboxfollow.rules.contacts import all_touches, build_contacts
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.store import open_store
from inboxfollow.textui import table

MARKER = ".inboxfollow-demo"
OWNER = ("Dana Reyes", "dana@reyes-joinery.example")
CAPTURE = "dana+crm@reyes-joinery.example"
# what the capture mailbox's provider writes on the owner's BCC from the phone (capture trust)
CAPTURE_AUTHSERV = "mx.reyes-joinery.example"
CAPTURE_AUTH = (f"{CAPTURE_AUTHSERV}; dkim=pass header.d=reyes-joinery.example;"
                " dmarc=pass header.from=reyes-joinery.example")

CONFIG = f"""\
# Written by `inboxfollow demo`: a sample mailbox in a folder of its own.
[owner]
name = "{OWNER[0]}"
addresses = ["{OWNER[1]}"]
timezone = "Europe/Berlin"
signature = "Dana Reyes\\nReyes Joinery"

[maildir]
path = "mail"

[capture]
address = "{CAPTURE}"
trusted_authserv_id = ["{CAPTURE_AUTHSERV}"]

[store]
path = "state/inboxfollow.json"
"""


@dataclass(frozen=True)
class Sample:
    """One message of the sample mailbox; `ref` names it for replies."""

    ref: str
    days_ago: float
    sender: tuple[str, str]
    to: tuple[str, str]
    subject: str
    body: str
    folder: str = "INBOX"
    reply_to: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    attachment: str = ""


PRIYA = ("Priya Shah", "priya@lakeside-cafe.example")
TOMAS = ("Tomás Ortega", "tomas@ortega-build.example")
MEI = ("Mei Lin", "mei.lin@gmail.com")
JONAS = ("Jonas Weber", "j.weber@weber-haus.example")
OLU = ("Olu Adebayo", "olu@adebayo-events.example")
SARA = ("Sara Adebayo", "sara@adebayo-events.example")
SAM = ("Sam Carter", "sam@old-carter-shop.example")

SAMPLES = (
    Sample("priya-q", 9, OWNER, PRIYA, "Quote: oak shelving for the café",
           "Hi Priya,\n\nas promised, our quote for the oak shelving: EUR 2,400 including "
           "fitting.\n\nBest,\nDana", folder="Sent", attachment="quote-2031.pdf"),
    Sample("tomas-q", 20, OWNER, TOMAS, "Estimate for the staircase",
           "Hello Tomás,\n\nour estimate for the staircase is EUR 6,800.\n\nDana", folder="Sent"),
    Sample("tomas-r", 18, TOMAS, OWNER, "Re: Estimate for the staircase",
           "Dana, thanks, that works for us. When can you start?\n\nTomás", reply_to="tomas-q"),
    Sample("mei-q", 5, OWNER, MEI, "Proposal: built-in wardrobe",
           "Hi Mei,\n\nmy proposal for the wardrobe is attached; the price is EUR 3,150.\n\nDana",
           folder="Sent", attachment="proposal-wardrobe.pdf"),
    Sample("mei-ooo", 5, MEI, OWNER, "Automatic reply: Proposal: built-in wardrobe",
           "I am out of the office until Monday.", reply_to="mei-q",
           headers=(("Auto-Submitted", "auto-replied"),)),
    Sample("jonas-q", 14, OWNER, JONAS, "Angebot: Eichentisch",
           "Hallo Herr Weber,\n\nanbei unser Angebot über EUR 1.900.\n\nDana Reyes",
           folder="Sent"),
    Sample("jonas-f1", 7, OWNER, JONAS, "Re: Angebot: Eichentisch",
           "Hallo Herr Weber,\n\nhaben Sie unser Angebot erhalten?\n\nDana", folder="Sent",
           reply_to="jonas-q"),
    Sample("olu-q", 4, OWNER, OLU, "Quotation: stage platforms",
           "Hi Olu,\n\nquotation for six stage platforms: EUR 4,200.\n\nDana", folder="Sent"),
    Sample("sara-r", 3, SARA, OWNER, "Re: Quotation: stage platforms",
           "Hi Dana, Olu is travelling; we would like to go ahead.\n\nSara", reply_to="olu-q"),
    Sample("sam-q", 6, OWNER, SAM, "Quote for shop counter",
           "Hi Sam,\n\nthe counter comes to EUR 1,250.\n\nDana", folder="Sent"),
    Sample("sam-bounce", 6, ("Mail Delivery System", "mailer-daemon@reyes-joinery.example"),
           OWNER, "Undelivered Mail Returned to Sender",
           "This is the mail system.\n\n<sam@old-carter-shop.example>: host not found",
           reply_to="sam-q"),
    Sample("news", 2, ("Timber Weekly", "news@timber-weekly.example"), OWNER,
           "This week in timber prices", "Oak is up 4% this month.",
           headers=(("List-Id", "<weekly.timber-weekly.example>"),
                    ("List-Unsubscribe", "<mailto:leave@timber-weekly.example>"))),
    Sample("priya-bcc", 1, OWNER, PRIYA, "Oak samples",
           "Hi Priya, I left three oak samples at the café for you.\n\nDana",
           headers=(("Delivered-To", CAPTURE), ("Authentication-Results", CAPTURE_AUTH))),
)


def _build_message(sample: Sample, now: datetime, ids: dict[str, str]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{sample.sender[0]} <{sample.sender[1]}>"
    msg["To"] = f"{sample.to[0]} <{sample.to[1]}>"
    msg["Subject"] = sample.subject
    msg["Date"] = format_datetime(now - timedelta(days=sample.days_ago))
    msg["Message-ID"] = ids[sample.ref]
    if sample.reply_to:
        msg["In-Reply-To"] = ids[sample.reply_to]
        msg["References"] = ids[sample.reply_to]
    for name, value in sample.headers:
        msg[name] = value
    msg.set_content(sample.body)
    if sample.attachment:
        msg.add_attachment(b"%PDF-1.4 sample\n", maintype="application", subtype="pdf",
                           filename=sample.attachment)
    return msg


def build_sample_mailbox(root: Path, now: datetime) -> int:
    """Write the sample Maildir under `root`; return how many messages."""
    box = mailbox.Maildir(root, create=True)
    folders = {"INBOX": box}
    for name in ("Sent", "Drafts"):
        folders[name] = box.add_folder(name)
    ids = {s.ref: make_msgid(domain="demo.inboxfollow.example") for s in SAMPLES}
    for sample in sorted(SAMPLES, key=lambda s: -s.days_ago):
        message = mailbox.MaildirMessage(_build_message(sample, now, ids))
        message.set_subdir("cur")
        message.set_flags("S")
        message.set_date((now - timedelta(days=sample.days_ago)).timestamp())
        folders[sample.folder].add(message)
    return len(SAMPLES)


def _fresh_folder(folder: Path) -> None:
    if folder.exists():
        if not (folder / MARKER).exists() and any(folder.iterdir()):
            raise InboxfollowError(
                f"{folder} exists and is not a demo folder", "pass --dir with a new folder"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `inboxfollow demo`; safe to delete\n")


def run_demo(folder: Path, now: datetime | None, emit: Callable[[str], None]) -> int:
    now = now or datetime.now(UTC)
    folder = folder.resolve()
    _fresh_folder(folder)
    (folder / "inboxfollow.toml").write_text(CONFIG, encoding="utf-8")
    count = build_sample_mailbox(folder / "mail", now)
    config = load_config(folder / "inboxfollow.toml")
    emit(f"Built a sample mailbox of {count} messages in {folder / 'mail'}")
    with open_store(config.store_path) as store:
        summary = sync(open_mailboxes(config), store, config.owner)
        records, derivation = derive(store, config, now)
    emit(summary.line())
    contacts = build_contacts(all_touches(records, config.owner))
    tz = config.timezone
    rows = [(c.email, c.name, c.org or "-", str(c.touches),
             c.last_touch.astimezone(tz).strftime("%Y-%m-%d")) for c in contacts]
    emit("\nContacts:")
    emit(table(("contact", "name", "org", "touches", "last touch"), rows))
    emit("\nQuotes:")
    emit(quote_table(derivation.loops, now, tz))
    mailbox = open_mailboxes(config)[0]
    with open_store(config.store_path) as store:
        actions = run_drafts(config, store, mailbox, now, dry_run=False)
    emit(f"\nDrafts ({len(actions)} follow-up(s) due now):")
    for action in actions:
        emit("  " + action.report(tz))
    emit(f"Look at them in {folder / 'mail' / '.Drafts' / 'cur'} (one file per draft).")
    with open_store(config.store_path, readonly=True) as store:
        line = digest_command(config, store, None, now, folder / "digest.html", send=False)
    emit(f"\nThe weekly {line}")
    emit(f"Open {folder / 'digest.html'} in a browser to see it as the owner would.")
    prog, cfg = this_command(), shlex.quote(str(folder / "inboxfollow.toml"))
    emit(f"\nTry: {prog} --config {cfg} quotes --status all")
    emit(f"     {prog} --config {cfg} explain <an id from `quotes --json`, or an address>")
    emit(f"\nYour own mailbox: `{prog} config --example` prints a config to start from;"
         f" `{prog} config` says where it goes.")
    return 0


def this_command() -> str:
    """How to run inboxfollow again from any folder: `inboxfollow` when that is on PATH,
    else the script this process runs (.venv/bin/inboxfollow, absolute), else `python -m`."""
    script = Path(sys.argv[0])
    if script.name == "inboxfollow":
        on_path = shutil.which("inboxfollow")
        if on_path and Path(on_path).absolute() == script.absolute():
            return "inboxfollow"
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m inboxfollow"
