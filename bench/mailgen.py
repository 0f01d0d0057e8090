"""A seeded generator of a small business owner's mailbox, for the benchmark.

Everything is made up from a seeded `random.Random`: names, domains, words,
attachment bytes. Nothing is copied from real mail. The mix (by share of all
messages, roughly):

- 60% inbound mail from people (a few hundred contacts, threads with
  In-Reply-To/References, some with attachments),
- 20% outbound mail in Sent (replies, and quotes: "Quote"/"Angebot" subjects
  with a PDF),
- newsletters with List-Id, notifications from no-reply senders,
- auto-replies, bounces (multipart/report; delivery-status), read receipts
  (multipart/report; disposition-notification), calendar invites,
- about 3% with an attachment of 100-600 KB (random bytes, base64),
- a few malformed messages (no boundary, broken date, 8-bit headers, no
  Message-ID, no From, leading blank lines).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import encoders
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

OWNER_NAME = "Robin Falk"
OWNER_EMAIL = "robin@falk-werkstatt.example"
INBOX = "INBOX"
SENT = "Sent"

_SYLLABLES = (
    "ka ri to mel an sor vel den lo ma ti ber gan ru fes ho lin dra po ve sta kel mur "
    "ja ne qui ol tam bre ish cor fal win dol hu zen pra gor lis ta vo rum sel"
).split()
_FIRST = (
    "Anna Ben Clara David Elif Farid Greta Hugo Ines Jonas Katrin Lars Mira Nils Olga "
    "Paul Rosa Sven Tara Uwe Vera Wim Yara Zeno Alma Bruno Carla Dario Emma Felix"
).split()
_TOPICS = (
    "kitchen cabinet",
    "oak table",
    "window frames",
    "stair railing",
    "bookshelf",
    "garden shed",
    "door repair",
    "floor boards",
    "workbench",
    "wardrobe",
    "desk",
    "counter top",
    "porch",
)


@dataclass
class Generated:
    folder: str  # INBOX or SENT
    raw: bytes  # LF line endings, as Dovecot stores Maildir files
    date: datetime
    seen: bool
    kind: str


class MailGenerator:
    """Messages in date order, reproducible from the seed."""

    def __init__(self, seed: int = 20_000, start: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = start or datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
        self.serial = 0
        rng = self.rng
        domains = [
            self._word(2, 3) + rng.choice((".example", ".example.com", ".example.org"))
            for _ in range(120)
        ]
        self.contacts = []
        for _ in range(300):
            first = rng.choice(_FIRST)
            last = self._word(2, 3).capitalize()
            domain = rng.choice(domains)
            self.contacts.append((f"{first} {last}", f"{first.lower()}.{last.lower()}@{domain}"))
        self.lists = [
            (self._word(2, 3).capitalize() + " News", self._word(2, 2) + ".example")
            for _ in range(15)
        ]
        self.threads: list[dict[str, object]] = []  # open conversations to reply to

    # -- words ------------------------------------------------------------

    def _word(self, low: int = 1, high: int = 3) -> str:
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(low, high)))

    def _sentence(self) -> str:
        words = [self._word() for _ in range(self.rng.randint(5, 14))]
        return " ".join(words).capitalize() + self.rng.choice(".?.!.")

    def _paragraphs(self, count: int) -> str:
        return "\n\n".join(
            " ".join(self._sentence() for _ in range(self.rng.randint(2, 5))) for _ in range(count)
        )

    # -- ids and dates ------------------------------------------------------

    def _msgid(self, domain: str) -> str:
        self.serial += 1
        return f"<{self.serial}.{self.rng.getrandbits(48):012x}@{domain}>"

    def _tick(self) -> datetime:
        self.now += timedelta(seconds=self.rng.randint(60, 3600))
        return self.now

    # -- the mix ------------------------------------------------------------

    def messages(self, count: int) -> Iterator[Generated]:
        kinds = (
            ("human", 60),
            ("sent", 20),
            ("newsletter", 7),
            ("notification", 3.5),
            ("auto_reply", 2.5),
            ("bounce", 2),
            ("receipt", 1.5),
            ("calendar", 2.5),
            ("malformed", 1),
        )
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        for _ in range(count):
            kind = self.rng.choices(names, weights)[0]
            yield getattr(self, f"_{kind}")()

    def _attach(self, msg: MIMEBase, big: bool) -> None:
        rng = self.rng
        size = rng.randint(100_000, 600_000) if big else rng.randint(3_000, 60_000)
        ext, ctype = rng.choice(
            (
                ("pdf", "application/pdf"),
                ("jpg", "image/jpeg"),
                ("zip", "application/zip"),
                ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            )
        )
        part = MIMEBase(*ctype.split("/"))
        part.set_payload(rng.randbytes(size))
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=f"{self._word()}.{ext}")
        msg.attach(part)

    def _attachments(self) -> list[bool]:
        """Attachments of a human message: True for a big one."""
        roll = self.rng.random()
        if roll < 0.04:  # 4% of human mail (~2.4% of all) carries a big one
            return [True]
        if roll < 0.17:
            return [False] * self.rng.randint(1, 2)
        return []

    def _body(
        self,
        text: str,
        html: bool = False,
        attachments: list[bool] | None = None,
        mixed: bool = False,
    ) -> MIMEBase:
        """text/plain, or multipart/alternative with HTML, in multipart/mixed with attachments."""
        content: MIMEBase
        if html:
            content = MIMEMultipart("alternative")
            content.attach(MIMEText(text, "plain", "utf-8"))
            paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            content.attach(MIMEText(f"<html><body>{paras}</body></html>", "html", "utf-8"))
        else:
            content = MIMEText(text, "plain", "utf-8")
        if not attachments and not mixed:
            return content
        msg = MIMEMultipart("mixed")
        msg.attach(content)
        for big in attachments or []:
            self._attach(msg, big)
        return msg

    def _finish(self, msg: MIMEBase, folder: str, kind: str, seen: bool = True) -> Generated:
        raw = msg.as_bytes().replace(b"\r\n", b"\n")
        return Generated(folder, raw, self.now, seen, kind)

    def _headers(
        self, msg: MIMEBase, sender: tuple[str, str], to: tuple[str, str], subject: str, domain: str
    ) -> str:
        mid = self._msgid(domain)
        msg["From"] = f'"{sender[0]}" <{sender[1]}>'
        msg["To"] = f'"{to[0]}" <{to[1]}>'
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self._tick())
        msg["Message-ID"] = mid
        return mid

    def _human(self) -> Generated:
        rng = self.rng
        reply = self.threads and rng.random() < 0.4
        if reply:
            thread = rng.choice(self.threads)
            contact = thread["contact"]
            subject = "Re: " + str(thread["subject"]).removeprefix("Re: ")
        else:
            contact = rng.choice(self.contacts)
            subject = (
                f"{rng.choice(('Question about', 'Request:', 'Price for', ''))} "
                f"{rng.choice(_TOPICS)} {self._word()}".strip()
            )
        html = rng.random() < 0.5
        msg = self._body(self._paragraphs(rng.randint(1, 4)), html, self._attachments())
        domain = str(contact[1]).split("@")[1]  # type: ignore[index]
        if rng.random() < 0.3:
            msg["Cc"] = f"{rng.choice(self.contacts)[1]}"
        mid = self._headers(msg, contact, (OWNER_NAME, OWNER_EMAIL), subject, domain)  # type: ignore[arg-type]
        if reply:
            refs = [*thread["refs"], thread["last"]][-10:]  # type: ignore[misc]
            msg["In-Reply-To"] = str(thread["last"])
            msg["References"] = " ".join(refs)  # type: ignore[arg-type]
            thread.update(last=mid, refs=refs)
        else:
            self._open_thread(contact, subject, mid)  # type: ignore[arg-type]
        msg["Received"] = f"from mx.{domain} by mx.falk-werkstatt.example; {msg['Date']}"
        return self._finish(msg, INBOX, "human", seen=rng.random() < 0.9)

    def _open_thread(self, contact: tuple[str, str], subject: str, mid: str) -> None:
        self.threads.append({"contact": contact, "subject": subject, "last": mid, "refs": []})
        if len(self.threads) > 400:
            self.threads.pop(0)

    def _sent(self) -> Generated:
        rng = self.rng
        quote = rng.random() < 0.25
        if quote:
            contact = rng.choice(self.contacts)
            number = rng.randint(1000, 9999)
            subject = rng.choice(
                (
                    f"Quote {number}: {rng.choice(_TOPICS)}",
                    f"Angebot Nr. {number} - {rng.choice(_TOPICS)}",
                )
            )
            msg = self._body(
                f"Hello {contact[0].split()[0]},\n\nplease find attached our quote.\n\n"
                + self._paragraphs(1)
                + f"\n\nBest regards\n{OWNER_NAME}",
                mixed=True,
            )
            pdf = MIMEBase("application", "pdf")
            big = rng.random() < 0.1
            pdf.set_payload(
                rng.randbytes(rng.randint(100_000, 500_000) if big else rng.randint(20_000, 90_000))
            )
            encoders.encode_base64(pdf)
            pdf.add_header("Content-Disposition", "attachment", filename=f"quote-{number}.pdf")
            msg.attach(pdf)
            mid = self._headers(
                msg, (OWNER_NAME, OWNER_EMAIL), contact, subject, "falk-werkstatt.example"
            )
            self._open_thread(contact, subject, mid)
        elif self.threads:
            thread = rng.choice(self.threads)
            contact = thread["contact"]  # type: ignore[assignment]
            subject = "Re: " + str(thread["subject"]).removeprefix("Re: ")
            text = self._paragraphs(rng.randint(1, 2)) + f"\n\n{OWNER_NAME}\n\n"
            text += f"On some day {contact[0]} wrote:\n> " + self._sentence()
            extra = [rng.random() < 0.3] if rng.random() < 0.05 else []
            msg = self._body(text, html=rng.random() < 0.3, attachments=extra)
            mid = self._headers(
                msg, (OWNER_NAME, OWNER_EMAIL), contact, subject, "falk-werkstatt.example"
            )
            refs = [*thread["refs"], thread["last"]][-10:]  # type: ignore[misc]
            msg["In-Reply-To"] = str(thread["last"])
            msg["References"] = " ".join(refs)  # type: ignore[arg-type]
            thread.update(last=mid, refs=refs)
        else:
            contact = rng.choice(self.contacts)
            msg = self._body(self._paragraphs(1))
            self._headers(
                msg, (OWNER_NAME, OWNER_EMAIL), contact, "Hello", "falk-werkstatt.example"
            )
        return self._finish(msg, SENT, "sent")

    def _newsletter(self) -> Generated:
        name, domain = self.rng.choice(self.lists)
        msg = self._body(self._paragraphs(self.rng.randint(3, 8)), html=True)
        self._headers(
            msg,
            (name, f"news@{domain}"),
            (OWNER_NAME, OWNER_EMAIL),
            f"{name}: {self._sentence()[:50]}",
            domain,
        )
        msg["List-Id"] = f"{name} <news.{domain}>"
        msg["List-Unsubscribe"] = f"<https://{domain}/unsubscribe?u=1>"
        msg["Precedence"] = "bulk"
        return self._finish(msg, INBOX, "newsletter", seen=self.rng.random() < 0.5)

    def _notification(self) -> Generated:
        domain = self.rng.choice(("shop", "bank", "parcel", "cloud")) + ".example"
        msg = MIMEText(self._paragraphs(1), "plain", "utf-8")
        self._headers(
            msg,
            ("Service", f"no-reply@{domain}"),
            (OWNER_NAME, OWNER_EMAIL),
            f"Your order {self.rng.randint(10000, 99999)} has shipped",
            domain,
        )
        return self._finish(msg, INBOX, "notification")

    def _auto_reply(self) -> Generated:
        contact = self.rng.choice(self.contacts)
        msg = MIMEText("I am out of the office until next week.\n\n" + self._sentence())
        domain = contact[1].split("@")[1]
        self._headers(
            msg,
            contact,
            (OWNER_NAME, OWNER_EMAIL),
            f"Automatic reply: {self.rng.choice(_TOPICS)}",
            domain,
        )
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Autoreply"] = "yes"
        return self._finish(msg, INBOX, "auto_reply")

    def _bounce(self) -> Generated:
        contact = self.rng.choice(self.contacts)
        msg = MIMEMultipart("report", report_type="delivery-status")
        msg.attach(
            MIMEText(
                f"This is the mail system.\n\nYour message to {contact[1]} "
                "could not be delivered.\n\n550 5.1.1 user unknown\n"
            )
        )
        status = MIMEBase("message", "delivery-status")
        per_message, per_recipient = Message(), Message()
        per_message["Reporting-MTA"] = "dns; mx.falk-werkstatt.example"
        per_recipient["Final-Recipient"] = f"rfc822; {contact[1]}"
        per_recipient["Action"] = "failed"
        per_recipient["Status"] = "5.1.1"
        status.set_payload([per_message, per_recipient])
        msg.attach(status)
        headers = MIMEBase("text", "rfc822-headers")
        headers.set_payload(
            f"From: {OWNER_EMAIL}\nTo: {contact[1]}\nSubject: Re: "
            f"{self.rng.choice(_TOPICS)}\nMessage-ID: {self._msgid('x.example')}\n"
        )
        msg.attach(headers)
        self._headers(
            msg,
            ("Mail Delivery System", "MAILER-DAEMON@mx.falk-werkstatt.example"),
            (OWNER_NAME, OWNER_EMAIL),
            "Undelivered Mail Returned to Sender",
            "mx.falk-werkstatt.example",
        )
        msg["Return-Path"] = "<>"
        return self._finish(msg, INBOX, "bounce")

    def _receipt(self) -> Generated:
        contact = self.rng.choice(self.contacts)
        msg = MIMEMultipart("report", report_type="disposition-notification")
        msg.attach(MIMEText(f"Your message was displayed by {contact[1]}.\n"))
        mdn = MIMEBase("message", "disposition-notification")
        mdn.set_payload(
            f"Final-Recipient: rfc822; {contact[1]}\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\n"
        )
        msg.attach(mdn)
        self._headers(
            msg,
            contact,
            (OWNER_NAME, OWNER_EMAIL),
            f"Read: {self.rng.choice(_TOPICS)}",
            contact[1].split("@")[1],
        )
        return self._finish(msg, INBOX, "receipt")

    def _calendar(self) -> Generated:
        contact = self.rng.choice(self.contacts)
        msg = MIMEMultipart("alternative")
        msg.attach(MIMEText("You have been invited to a meeting.\n" + self._sentence()))
        start = self.now + timedelta(days=self.rng.randint(1, 20))
        ics = (
            "BEGIN:VCALENDAR\nMETHOD:REQUEST\nVERSION:2.0\nBEGIN:VEVENT\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\nSUMMARY:Site visit\n"
            f"ORGANIZER:mailto:{contact[1]}\nUID:{self.rng.getrandbits(64):x}\n"
            "END:VEVENT\nEND:VCALENDAR\n"
        )
        msg.attach(MIMEText(ics, "calendar", "utf-8"))
        msg.get_payload()[1].set_param("method", "REQUEST")
        self._headers(
            msg,
            contact,
            (OWNER_NAME, OWNER_EMAIL),
            f"Invitation: site visit {start:%d.%m.}",
            contact[1].split("@")[1],
        )
        return self._finish(msg, INBOX, "calendar")

    def _malformed(self) -> Generated:
        rng = self.rng
        contact = rng.choice(self.contacts)
        date = format_datetime(self._tick())
        mid = self._msgid("broken.example")
        body = self._paragraphs(1).encode()
        variant = rng.randrange(6)
        if variant == 0:  # multipart without a boundary
            raw = (
                f"From: {contact[1]}\nTo: {OWNER_EMAIL}\nSubject: no boundary\nDate: {date}\n"
                f"Message-ID: {mid}\nContent-Type: multipart/mixed\n\n"
            ).encode() + body
        elif variant == 1:  # unreadable date
            raw = (
                f"From: {contact[1]}\nTo: {OWNER_EMAIL}\nSubject: odd date\n"
                f"Date: sometime last week\nMessage-ID: {mid}\n\n"
            ).encode() + body
        elif variant == 2:  # raw 8-bit header, Latin-1
            raw = (
                f"From: M\xfcller <{contact[1]}>\nTo: {OWNER_EMAIL}\nSubject: Gr\xfc\xdfe "
                f"und Fr\xe4gen\nDate: {date}\nMessage-ID: {mid}\n\n"
            ).encode("latin-1") + body
        elif variant == 3:  # no Message-ID
            raw = (
                f"From: {contact[1]}\nTo: {OWNER_EMAIL}\nSubject: no id {rng.random()}\n"
                f"Date: {date}\n\n"
            ).encode() + body
        elif variant == 4:  # no From
            raw = (
                f"To: {OWNER_EMAIL}\nSubject: nobody sent this\nDate: {date}\nMessage-ID: {mid}\n\n"
            ).encode() + body
        else:  # leading blank line and an unknown charset
            raw = (
                f"\nFrom: {contact[1]}\nTo: {OWNER_EMAIL}\nSubject: =?x-unknown?q?hallo?=\n"
                f"Date: {date}\nMessage-ID: {mid}\nContent-Type: text/plain; "
                f"charset=x-unknown\n\n"
            ).encode() + body
        return Generated(INBOX, raw + b"\n", self.now, True, "malformed")
