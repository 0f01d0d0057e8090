"""Web-form notifications: which mail is one, and the lead it carries (pure).

The owner names the lead sources in `[leads]` (sender addresses, subject patterns);
`lead_source` matches them before the rules for automatic mail, which would set a
form tool's no-reply notification aside as a robot's. `read_lead` reads the fields
the common tools write: "Name: / Email: / Phone: / Message:" lists in plain text,
HTML tables (`mail.form_body` makes them "label: value" lines), a label on its own
line above its value, in English, German, French and Spanish; and a Reply-To the
tool set to the lead. The lead is always the person who filled in the form, never
the form service: a notification that names no other address is unreadable, with
the reason, and is kept for the owner to look at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from fnmatch import fnmatchcase
from typing import Any

from inboxfollow.mail.form_body import form_texts
from inboxfollow.model import Address, LeadSource, Owner, ParsedMessage
from inboxfollow.rules.contacts import is_robot

MESSAGE_CHARS = 300  # of the lead's message, kept for the digest and the draft's context

_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("name", "your name", "full name", "contact name", "ihr name", "vollstandiger name",
             "nom", "nom complet", "votre nom", "nom et prenom", "nombre", "su nombre",
             "tu nombre", "nombre completo", "nombre y apellidos", "name des absenders"),
    "first_name": ("first name", "firstname", "given name", "vorname", "prenom",
                   "nombre de pila"),
    "last_name": ("last name", "lastname", "surname", "family name", "nachname",
                  "familienname", "nom de famille", "apellido", "apellidos"),
    "email": ("email", "e-mail", "e mail", "mail", "email address", "e-mail address",
              "your email", "your e-mail", "e-mail-adresse", "emailadresse", "ihre e-mail",
              "ihre e-mail-adresse", "adresse e-mail", "adresse email", "adresse mail",
              "courriel", "votre e-mail", "votre email", "votre adresse e-mail", "correo",
              "correo electronico", "su correo", "tu correo", "email de contacto"),
    "phone": ("phone", "telephone", "tel", "tel.", "phone number", "mobile", "mobile number",
              "your phone", "telefon", "telefonnummer", "handy", "mobilnummer",
              "ihre telefonnummer",
              "numero de telephone", "portable", "votre telephone", "telefono", "movil",
              "celular", "su telefono", "numero de telefono"),
    "company": ("company", "company name", "organisation", "organization", "firma",
                "unternehmen", "societe", "entreprise", "empresa", "compania"),
    "message": ("message", "your message", "comments", "comment", "enquiry", "inquiry",
                "details", "how can we help", "how can we help?", "project details",
                "nachricht", "ihre nachricht", "anfrage", "ihre anfrage", "mitteilung",
                "kommentar", "votre message", "commentaire", "commentaires", "demande",
                "votre demande", "mensaje", "su mensaje", "tu mensaje", "consulta",
                "comentarios", "comentario", "message body", "corps du message",
                "cuerpo del mensaje"),
}
LABEL_OF: dict[str, str] = {}
_LINE = re.compile(r"^[\s>*•·-]*\**\s*([^:：\n]{1,40}?)\s*\**\s*[:：]\s*(.*)$")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_FOOTER = re.compile(r"^\s*(?:--|—|__|sent from|this (?:e-?mail|message) was sent|"
                     r"diese e-?mail wurde|ce message a ete envoye|este mensaje se ha enviado|"
                     r"este correo)", re.IGNORECASE)


def normal_label(text: str) -> str:
    """A label as the table knows it: lower case, no accents, no marks around it."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    plain = re.sub(r"\((?:required|optional|obligatoire|pflichtfeld|obligatorio)\)", "",
                   plain.lower())
    return " ".join(plain.strip(" *:?¿\t").split())


LABEL_OF.update({normal_label(label): field for field, labels in _LABELS.items()
                 for label in labels})


def lead_source(sender: str, subject: str, sources: tuple[LeadSource, ...]) -> LeadSource | None:
    """The first configured source this notification matches, if any."""
    sender, subject = sender.lower(), subject.lower()
    for source in sources:
        by_sender = not source.senders or any(fnmatchcase(sender, p.lower())
                                              for p in source.senders)
        by_subject = not source.subjects or any(fnmatchcase(subject, p.lower())
                                                for p in source.subjects)
        if (source.senders or source.subjects) and by_sender and by_subject:
            return source
    return None


def _label_line(line: str) -> tuple[str, str] | None:
    """(field, value) for "Label: value" or a bare label line ("Email")."""
    match = _LINE.match(line)
    if match and normal_label(match.group(1)) in LABEL_OF:
        return LABEL_OF[normal_label(match.group(1))], match.group(2).strip(" *\t")
    if normal_label(line) in LABEL_OF and len(line) <= 40:
        return LABEL_OF[normal_label(line)], ""
    return None


def read_fields(text: str) -> dict[str, str]:
    """The known fields of a notification's text; a field's first occurrence counts."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        found = _label_line(line) if line else None
        if found is not None:
            name, value = found
            current = fields.setdefault(name, []) if name not in fields else None
            if current is not None and value:
                current.append(value)
            continue
        if _FOOTER.match(line):
            current = None
        elif current is not None and line:
            current.append(line)
        elif current is not None and fields and not line and _done(fields, current):
            current = None
    return {name: _joined(name, lines) for name, lines in fields.items() if lines}


def _done(fields: dict[str, list[str]], current: list[str]) -> bool:
    """A blank line ends every field but the message once it has a value."""
    return bool(current) and current is not fields.get("message")


def _joined(name: str, lines: list[str]) -> str:
    if name == "message":
        return "\n".join(lines)
    return lines[0]


@dataclass(frozen=True)
class LeadReading:
    source: str
    email: str = ""
    name: str = ""
    phone: str = ""
    company: str = ""
    message: str = ""
    via: str = ""  # "its fields" or "its Reply-To"
    problem: str = ""  # why it is unreadable; "" when it was read

    def as_record(self) -> dict[str, Any]:
        return {"source": self.source, "email": self.email, "name": self.name,
                "phone": self.phone, "company": self.company,
                "message": self.message[:MESSAGE_CHARS], "via": self.via,
                "problem": self.problem}


def _address_in(value: str) -> str:
    match = _EMAIL.search(value)
    return match.group(0).lower().rstrip(".") if match else ""


def read_lead(texts: tuple[str, ...], source: str, sender: Address | None,
              reply_to: Address | None, owner: Owner) -> LeadReading:
    """The lead a notification carries, or why it cannot be read."""
    fields: dict[str, str] = {}
    for text in texts:
        fields = read_fields(text)
        if "email" in fields:
            break
    service = sender.email.lower() if sender else ""
    email, via = _address_in(fields.get("email", "")), "its fields"
    if not _is_lead(email, service, owner) and reply_to is not None:
        email, via = reply_to.email.lower(), "its Reply-To"
    if not _is_lead(email, service, owner):
        return LeadReading(source, problem=_why_unreadable(fields, email, service))
    name = fields.get("name") or " ".join(
        v for v in (fields.get("first_name"), fields.get("last_name")) if v)
    if not name and reply_to is not None and reply_to.email.lower() == email:
        name = reply_to.name
    return LeadReading(source, email, name.strip(), fields.get("phone", ""),
                       fields.get("company", ""), fields.get("message", ""), via)


def _is_lead(email: str, service: str, owner: Owner) -> bool:
    return bool(email) and email != service and not owner.is_owner(email) \
        and not owner.is_capture(email) and not is_robot(email)


def _why_unreadable(fields: dict[str, str], email: str, service: str) -> str:
    if email and email == service:
        return f"the only address it names is the form service's own ({service})"
    if email:
        return f"the address it names ({email}) is the owner's or a robot's, not a lead's"
    if not fields:
        return "no form fields found (no 'Name:', 'Email:' ... lines or table rows) " \
               "and no Reply-To naming the lead"
    return (f"no e-mail field among the fields found ({', '.join(sorted(fields))}) and no "
            "Reply-To naming the lead")


def lead_source_of(parsed: ParsedMessage, owner: Owner) -> LeadSource | None:
    sender = parsed.sender.email if parsed.sender else ""
    return lead_source(sender, parsed.subject, owner.lead_sources)


def lead_facts(parsed: ParsedMessage, raw: bytes, owner: Owner) -> dict[str, Any]:
    """What the store keeps of a lead notification (`lead`); {} for other mail."""
    if not owner.lead_sources or parsed.sender is None or owner.is_owner(parsed.sender.email):
        return {}
    lead = notification_lead(parsed, raw, owner)
    return {"lead": lead.as_record()} if lead is not None else {}


def notification_lead(parsed: ParsedMessage, raw: bytes, owner: Owner) -> LeadReading | None:
    """The lead of a message from a configured lead source; None for any other message."""
    source = lead_source_of(parsed, owner)
    if source is None:
        return None
    name, address = parseaddr(parsed.headers.get("reply-to", ""))
    reply_to = Address(name, address.lower()) if "@" in address else None
    texts = form_texts(raw) or (parsed.text,)
    return read_lead(texts, source.name, parsed.sender, reply_to, owner)
