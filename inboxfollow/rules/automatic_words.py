"""The words and header names the automatic-mail rules look for, one entry a line.

Pure data, read by `inboxfollow.rules.automatic`. Every entry has a table row of
its own in tests/test_automatic_*.py, so dropping one makes a test fail.

Subject and text phrases are compared without case or accents (so "Réponse
automatique" also finds "REPONSE AUTOMATIQUE"). In a subject phrase any run of
spaces, hyphens or underscores may stand between two words, so "Auto reply"
also finds "Auto-Reply" and "AutoReply". Entries named *_PATTERNS are regular
expressions, written lower-case and without accents.
"""

from __future__ import annotations

# Auto-reply subjects, by language. The phrase opens the subject and is followed by a
# colon or a closing bracket, or it is the whole subject ("Automatic reply: Quote 42").
AUTO_REPLY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Automatic reply",  # Outlook, Exchange
        "Auto reply",  # Apple iCloud; also Auto-Reply, AutoReply
        "Auto response",  # Yahoo; also Auto-Response
        "Automatic response",
        "Out of Office",
        "Out of the office",
        "Out of Office AutoReply",  # Outlook 2003, Exchange 2003
        "Out of Office Reply",
        "Vacation reply",
    ),
    "de": (
        "Automatische Antwort",  # Outlook
        "Abwesend",
        "Nicht im Büro",
    ),
    "fr": (
        "Réponse automatique",  # Outlook
        "Absence",
        "Absence du bureau",
        "Absent du bureau",
        "Message d'absence",
    ),
    "es": (
        "Respuesta automática",  # Outlook
        "Fuera de la oficina",
        "Fuera de oficina",
        "Ausente",
    ),
    "nl": (
        "Automatisch antwoord",  # Outlook
        "Afwezig",
    ),
    "it": (
        "Risposta automatica",  # Outlook
        "Fuori sede",
        "Fuori ufficio",
        "Assente",
    ),
    "other": (
        "Autosvar",  # Danish, Norwegian
        "Automatiskt svar",  # Swedish Outlook
        "Automatyczna odpowiedź",  # Polish Outlook
        "Resposta automática",  # Portuguese Outlook
        "Automaattinen vastaus",  # Finnish Outlook
        "Ārpus biroja",  # Latvian
        "Ārpus biroja atrašanās automātiskā atbilde",  # Latvian Exchange
        "자동 응답",  # Korean
    ),
}

# Words that end an auto-reply word of their own: German and Dutch compounds
# ("Urlaubsabwesenheit", "Büroabwesenheit") and Chinese or Japanese ones ("来信自动回复").
# The word opens the subject (or follows a one-word tag such as "Yahoo!").
AUTO_REPLY_WORD_ENDINGS: tuple[str, ...] = (
    "abwesenheit",
    "abwesenheitsnotiz",  # Outlook, older versions
    "abwesenheitsmeldung",
    "abwesenheitsnachricht",
    "afwezigheid",
    "afwezigheidsbericht",
    "afwezigheidsmelding",
    "自动回复",  # Chinese (simplified)
    "自動回覆",  # Chinese (traditional)
    "自動応答",  # Japanese
    "自動返信",  # Japanese
)

# Delivery failure subjects, by language; anchored as the auto-reply subjects are.
BOUNCE_SUBJECTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Undeliverable",  # Exchange, Outlook: "Undeliverable: <subject>"
        "Undeliverable mail",
        "Undeliverable message",  # Lotus Notes
        "Undelivered Mail Returned to Sender",  # Postfix
        "Delivery Status Notification (Failure)",  # Gmail, IIS
        "Mail delivery failed",  # Exim: "Mail delivery failed: returning message to sender"
        "Returned mail",  # Sendmail: "Returned mail: see transcript for details"
        "failure notice",  # qmail
        "Delivery failure",  # Domino: "DELIVERY FAILURE: User ... not listed"
        "Email Delivery Failure",  # Mimecast: "[Postmaster] Email Delivery Failure"
        "Mail System Error - Returned Mail",  # au EZweb
        "Delivery Notification: Delivery has failed",  # Oracle Messaging Server
        "Message status - undeliverable",  # GroupWise
    ),
    "de": (
        "Unzustellbar",  # Exchange
        "Nicht zustellbar",
    ),
    "fr": ("Non remis",),  # Exchange: "Non remis : <subject>"
    "es": ("No se puede entregar",),  # Exchange
    "nl": ("Onbestelbaar",),  # Exchange
    "it": ("Non recapitabile",),  # Exchange
    "other": (
        "Olevererbart",  # Swedish Exchange
        "Não entregue",  # Portuguese Exchange
        "Не удается доставить",  # Russian Exchange
        "メールエラー通知",  # KDDI
        "メッセージを配信できません",  # Trend Micro InterScan
    ),
}

# Subjects of delay warnings: the mail system is still trying (never a bounce).
DELAY_SUBJECT_PATTERNS: tuple[str, ...] = (
    r"delivery status notification \(delay\)",  # Gmail
    r"delayed mail \(still being retried\)",  # Postfix
    r"delivery delayed",  # Exchange: "Delivery delayed: <subject>"
    r"warning: could not send message for past \d+ \w+",  # Sendmail
    r"warning: message \S+ delayed \d+ \w+",  # Exim
    r"warning: message delayed at .+",  # PP, Smail
    r"delivery notification: delivery has been delayed",  # Oracle Messaging Server
)

# Subjects of success notices: delivered or relayed (never a bounce, never an answer).
DELIVERED_SUBJECT_PATTERNS: tuple[str, ...] = (
    r"delivery status notification \(success\)",
    r"delivery status notification \(relay\)",
    r"successful mail delivery report",  # Postfix
)

# Answer prefixes mail programs put before a subject ("Re[2]:" included).
REPLY_PREFIXES: tuple[str, ...] = (
    "re",
    "aw",  # German Outlook
    "sv",  # Scandinavian
    "vs",  # Finnish
    "antw",  # Dutch
    "r",  # Italian Outlook
    "ris",  # Italian
    "wg",  # German Outlook, a forward
)

# Forward prefixes: a person passing a message on, also never an auto reply.
FORWARD_PREFIXES: tuple[str, ...] = (
    "fw",
    "fwd",
    "tr",  # French Outlook
    "rv",  # Spanish Outlook
    "i",  # Italian Outlook
    "doorst",  # Dutch Outlook
)

# DSN Action values (RFC 3464) that say the message was not lost.
DSN_NOT_FAILED: tuple[str, ...] = (
    "delayed",
    "delivered",
    "relayed",
    "expanded",
)

# iTIP methods by which an attendee answers an invitation (RFC 5546).
CALENDAR_ANSWERS: tuple[str, ...] = (
    "reply",
    "counter",
)

# Body text of out-of-office replies (checked only on mail the headers leave open).
AUTO_REPLY_TEXT_PATTERNS: tuple[str, ...] = (
    r"out of (?:the )?office",
    r"i am (?:currently )?(?:away|out|on leave|on vacation)",
    r"i'm (?:currently )?(?:away|out)",
    r"away until",
    r"back (?:in the office )?on",
    r"will be back",
    r"automatic(?:ally generated)? (?:reply|response|message)",
    r"auto-?reply",
    r"limited access to (?:my )?e-?mail",
    r"thank you for your (?:e-?mail|message)",
    r"nicht im buro",
    r"bin ich (?:nicht erreichbar|abwesend)",
    r"je suis absente?",
    r"absente? du bureau",
    r"fuera de la oficina",
    r"estoy (?:ausente|de vacaciones)",
)

# Body text of delivery failures.
BOUNCE_TEXT_PATTERNS: tuple[str, ...] = (
    r"could not be delivered",
    r"couldn't be delivered",
    r"undeliverable",
    r"delivery (?:has )?failed",
    r"permanent (?:error|fatal)",
    r"user unknown",
    r"mailbox (?:unavailable|full|not found)",
    r"no such (?:user|recipient)",
    r"recipient address rejected",
    r"delivery to the following",
    r"could not deliver",
    r"returned to sender",
    r"unrouteable",
    r"\b5\.\d\.\d+\b",
    r"\b550\b",
    r"konnte nicht zugestellt werden",
    r"n'a pas pu etre (?:remis|distribue)",
    r"no (?:se )?(?:pudo|puede) (?:ser )?entregar",
)

# Body text of delay warnings: the mail system is still trying.
DELAY_TEXT_PATTERNS: tuple[str, ...] = (
    r"has been delayed",
    r"will (?:retry|keep trying|continue trying)",
    r"still being retried",
    r"delivery attempts will continue",
)

# Subject words a mail system's own message (daemon sender, empty Return-Path) uses.
DELIVERY_SUBJECT_WORDS: tuple[str, ...] = (
    r"deliver",
    r"bounced",
    r"returned",
    r"failure",
    r"failed",
    r"rejected",
    r"error",
)

# Mail system senders: local parts (without "-" and "_") and display names.
DAEMON_LOCALS: tuple[str, ...] = (
    "mailerdaemon",
    "maildaemon",
    "postmaster",
    "mdaemon",
    "mailadmin",
)
DAEMON_NAME_PATTERNS: tuple[str, ...] = (
    r"mail delivery (?:sub)?system",
    r"mail administrator",
    r"mailer[- ]daemon",
    r"postmaster",
)

# Local parts of robot senders (without ".", "-", "_" or a +tag): nobody reads replies.
NO_REPLY_LOCALS: tuple[str, ...] = (
    "noreply",
    "donotreply",
    "donotrespond",
    "notifications",
    "notification",
    "notify",
)

# Local parts and domain names of newsletter senders (only for mail that answers nothing).
BULK_LOCAL_PATTERNS: tuple[str, ...] = (
    r"e?news(?:letters?)?",
    r"announce(?:ments?)?",
    r"alerts?",
    r"marketing",
    r"promo(?:tions?)?",
    r"campaigns?",
    r"mailings?",
    r"offers?",
    r"deals",
    r"digest",
    r"bulk",
    r"updates",
)
BULK_DOMAIN_PATTERNS: tuple[str, ...] = (
    r"(?:^|[.-])e?news(?:letters?)?[.-]",
    r"eblast",
    r"newsletter",
    r"mailings?\.",
    r"campaign",
    r"marketing",
    r"(?:^|\.)yahoogroups\.",
    r"(?:^|\.)googlegroups\.",
    r"(?:^|\.)groups\.io$",
    r"(?:^|\.)lists?\.",
)

# X-Mailer values of bulk-mail software (an email service provider alone is not one).
BULK_MAILER_PATTERNS: tuple[str, ...] = (
    r"mailchimp",
    r"constant ?contact",
    r"campaign",
    r"newsletter",
    r"mass ?mail",
    r"bulk",
    r"lyris",
    r"listserv",
    r"mailman",
    r"ezmlm",
    r"sympa",
    r"majordomo",
    r"exacttarget",
    r"phplist",
    r"marketo",
)

# List servers' own addresses in Sender, Return-Path or Errors-To.
LIST_SERVER_ADDRESS_PATTERNS: tuple[str, ...] = (
    r"\bowner-",
    r"-owner@",
    r"-request@",
    r"-bounces?[@+]",
    r"-return-",
    r"-admin@",
    r"-errors@",
    r"\blistserv@",
)

# Subjects a list manager uses to refuse a post.
LIST_REFUSAL_PATTERNS: tuple[str, ...] = (
    r"\bnot\s+(?:a\s+)?(?:member|subscribed|subscriber)\b",
    r"\bposting\s+(?:rejected|refused)\b",
    r"\bmessage\s+(?:rejected|refused)\b",
)

# Header names.
LIST_HEADERS: tuple[str, ...] = (
    "list-id",
    "list-post",
    "list-unsubscribe",
    "x-mailing-list",
    "list-help",
    "list-subscribe",
    "x-list",
    "x-loop",
)
LIST_MANAGERS: tuple[str, ...] = (
    "x-mlserver",
    "x-ml-info",
    "mailing-list",
    "list-id",
)
AUTO_REPLY_HEADERS: tuple[str, ...] = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-auto-reply",
)
CHALLENGE_HEADERS: tuple[str, ...] = (
    "x-boxbe",
    "x-bluebottle-request",
    "x-spam-arrest",
    "x-challenge",
)

# Bulk relays: not bulk alone (people write through their company's provider too),
# but they make the opt-out footer below decide. MTAs built for bulk sending, named
# in their Received lines:
BULK_MTA_PATTERNS: tuple[str, ...] = (
    r"PowerMTA",
    r"GreenArrow",
    r"MailerQ",
    r"ecelerity",  # Momentum
    r"StrongMail",
)
# Headers an email service provider adds to every message it relays.
ESP_HEADERS: tuple[str, ...] = (
    "x-ses-outgoing",
    "x-mailgun-sid",
    "x-sg-eid",
    "x-mc-user",  # Mailchimp Transactional
    "x-pm-message-id",  # Postmark
    "x-mailjet-campaign",
)
# Opt-out footers (folded text: lower case, no accents), en, de, fr, es, nl, it.
OPT_OUT_TEXT_PATTERNS: tuple[str, ...] = (
    r"\bunsubscribe\b",
    r"\bopt[ -]out\b",
    r"wish to be removed from (?:our|the|this)\b",
    r"(?:do not|don't) reply to this (?:e-?mail|message)",
    r"you (?:are receiving|received) this (?:e-?mail|message|newsletter) because",
    r"\bnewsletter (?:abbestellen|abmelden)\b",
    r"\bvom newsletter abmelden\b",
    r"sie erhalten diese (?:e-?mail|nachricht), weil",
    r"\bse desabonner\b|\bdesinscri(?:re|vez|ption)\b",
    r"vous recevez cet (?:e-?mail|email|courriel) car",
    r"\bdarse de baja\b|\bdate de baja\b|\bcancelar (?:la |su |tu )?suscripcion\b",
    r"recibe(?:s)? este (?:correo|mensaje) porque",
    r"\buitschrijven\b|\bafmelden voor (?:de|deze) nieuwsbrief\b",
    r"\bdisiscriviti\b|\bannulla (?:l')?iscrizione\b",
)
