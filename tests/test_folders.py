"""Which folders a sync reads, and which is Sent: tables of real servers' LIST answers (pure).

Each listing is what the server sends, line by line, parsed and decoded from modified
UTF-7 the way imapclient's `list_folders` does, then given to the adapter's rules.
"""

from __future__ import annotations

import pytest
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_response

from inboxfollow.errors import ConfigError
from inboxfollow.sources.folder_plan import (
    Folder,
    FolderChoice,
    bare_name,
    find_role,
    matches,
    plan_folders,
)
from inboxfollow.sources.imap.folders import listed_folders, plan_sync, resolve_folders
from inboxfollow.sources.mailbox import DRAFTS, SENT
from inboxfollow.sources.maildir import decode_folder_name


def listing(raw: str) -> list[tuple[tuple[bytes, ...], bytes | None, str]]:
    """`* LIST (flags) "delim" name` lines as imapclient's list_folders() returns them."""
    rows = []
    for line in raw.strip().splitlines():
        assert line.startswith("* LIST "), line
        flags, delimiter, name = parse_response([line[len("* LIST "):].encode()])
        rows.append((flags, delimiter, decode_utf7(name) if isinstance(name, bytes) else str(name)))
    return rows


GMAIL = r"""
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Kunden"
* LIST (\HasChildren) "/" "Projekte"
* LIST (\HasNoChildren) "/" "Projekte/Anbau"
* LIST (\HasChildren \Noselect) "/" "[Gmail]"
* LIST (\All \HasNoChildren) "/" "[Gmail]/All Mail"
* LIST (\Drafts \HasNoChildren) "/" "[Gmail]/Drafts"
* LIST (\HasNoChildren \Important) "/" "[Gmail]/Important"
* LIST (\HasNoChildren \Sent) "/" "[Gmail]/Sent Mail"
* LIST (\HasNoChildren \Junk) "/" "[Gmail]/Spam"
* LIST (\Flagged \HasNoChildren) "/" "[Gmail]/Starred"
* LIST (\HasNoChildren \Trash) "/" "[Gmail]/Trash"
"""
# A German account from the days of "Google Mail": localized names, same flags.
GMAIL_DE = r"""
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Rechnungen"
* LIST (\HasChildren \Noselect) "/" "[Google Mail]"
* LIST (\All \HasNoChildren) "/" "[Google Mail]/Alle Nachrichten"
* LIST (\Drafts \HasNoChildren) "/" "[Google Mail]/Entw&APw-rfe"
* LIST (\HasNoChildren \Sent) "/" "[Google Mail]/Gesendet"
* LIST (\HasNoChildren \Important) "/" "[Google Mail]/Wichtig"
* LIST (\Flagged \HasNoChildren) "/" "[Google Mail]/Markiert"
* LIST (\HasNoChildren \Junk) "/" "[Google Mail]/Spam"
* LIST (\HasNoChildren \Trash) "/" "[Google Mail]/Papierkorb"
"""
EXCHANGE_ONLINE = r"""
* LIST (\HasNoChildren) "/" Archive
* LIST (\HasChildren) "/" Calendar
* LIST (\HasNoChildren) "/" "Calendar/Birthdays"
* LIST (\HasNoChildren) "/" "Conversation History"
* LIST (\HasNoChildren \Trash) "/" "Deleted Items"
* LIST (\HasNoChildren \Drafts) "/" Drafts
* LIST (\Marked \HasChildren) "/" INBOX
* LIST (\HasNoChildren) "/" "INBOX/Kunden"
* LIST (\HasNoChildren \Junk) "/" "Junk Email"
* LIST (\HasNoChildren) "/" Outbox
* LIST (\HasNoChildren \Sent) "/" "Sent Items"
* LIST (\HasChildren) "/" "Sync Issues"
* LIST (\HasNoChildren) "/" "Sync Issues/Conflicts"
"""
OUTLOOK_COM = r"""
* LIST (\HasNoChildren) "/" Archive
* LIST (\HasNoChildren \Trash) "/" Deleted
* LIST (\HasNoChildren \Drafts) "/" Drafts
* LIST (\Marked \HasNoChildren) "/" Inbox
* LIST (\HasNoChildren \Junk) "/" Junk
* LIST (\HasNoChildren) "/" Notes
* LIST (\HasNoChildren) "/" Outbox
* LIST (\HasNoChildren \Sent) "/" Sent
"""
ICLOUD = r"""
* LIST (\HasNoChildren \Archive) "/" "Archive"
* LIST (\HasNoChildren \Trash) "/" "Deleted Messages"
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren \Junk) "/" "Junk"
* LIST (\HasNoChildren) "/" "Notes"
* LIST (\HasNoChildren \Sent) "/" "Sent Messages"
* LIST (\HasNoChildren) "/" "Kunden"
"""
DOVECOT = r"""
* LIST (\HasNoChildren \Archive) "/" Archive
* LIST (\HasNoChildren \Drafts) "/" Drafts
* LIST (\HasNoChildren) "/" INBOX
* LIST (\HasNoChildren \Junk) "/" Junk
* LIST (\Noselect \HasChildren) "/" Kunden
* LIST (\HasNoChildren) "/" Kunden/Acme
* LIST (\HasNoChildren \Sent) "/" Sent
* LIST (\HasChildren \Trash) "/" Trash
* LIST (\HasNoChildren) "/" Trash/2025
* LIST (\NonExistent \HasChildren) "/" Alt
* LIST (\HasNoChildren) "/" Alt/Projekte
"""
COURIER = r"""
* LIST (\HasChildren) "." "INBOX"
* LIST (\HasNoChildren) "." "INBOX.Sent"
* LIST (\HasNoChildren) "." "INBOX.Drafts"
* LIST (\HasChildren) "." "INBOX.Trash"
* LIST (\HasNoChildren) "." "INBOX.Trash.Alt"
* LIST (\HasNoChildren) "." "INBOX.spam"
* LIST (\HasChildren) "." "INBOX.Kunden"
* LIST (\HasNoChildren) "." "INBOX.Kunden.Acme"
"""
CYRUS = r"""
* LIST (\HasChildren) "." INBOX
* LIST (\HasNoChildren \Sent) "." "INBOX.Sent Items"
* LIST (\HasNoChildren \Drafts) "." INBOX.Drafts
* LIST (\HasNoChildren \Trash) "." INBOX.Trash
* LIST (\HasNoChildren \Junk) "." "INBOX.Junk Mail"
* LIST (\HasNoChildren \Archive) "." INBOX.Archive
* LIST (\HasNoChildren) "." INBOX.Kunden
* LIST (\Noselect \HasChildren) "." "Other Users"
* LIST (\HasNoChildren) "." "Other Users.bob"
* LIST (\Noselect \HasChildren) "." "Shared Folders"
* LIST (\HasNoChildren) "." "Shared Folders.sales"
"""
# Exchange does not flag localized folders: names alone must do.
EXCHANGE_DE = r"""
* LIST (\HasNoChildren) "/" Archiv
* LIST (\HasNoChildren) "/" Aufgaben
* LIST (\HasNoChildren) "/" "Entw&APw-rfe"
* LIST (\HasNoChildren) "/" "Gel&APY-schte Elemente"
* LIST (\HasNoChildren) "/" "Gesendete Elemente"
* LIST (\Marked \HasChildren) "/" INBOX
* LIST (\HasNoChildren) "/" "INBOX/Kunden"
* LIST (\HasNoChildren) "/" "Junk-E-Mail"
* LIST (\HasNoChildren) "/" Postausgang
"""
EXCHANGE_FR = r"""
* LIST (\HasNoChildren) "/" Archives
* LIST (\HasNoChildren) "/" Brouillons
* LIST (\HasNoChildren) "/" "Bo&AO4-te d'envoi"
* LIST (\HasNoChildren) "/" "Courrier ind&AOk-sirable"
* LIST (\HasNoChildren) "/" "&AMk-l&AOk-ments envoy&AOk-s"
* LIST (\HasNoChildren) "/" "&AMk-l&AOk-ments supprim&AOk-s"
* LIST (\Marked \HasNoChildren) "/" INBOX
* LIST (\HasNoChildren) "/" Clients
"""
EXCHANGE_ES = r"""
* LIST (\HasNoChildren) "/" Archivo
* LIST (\HasNoChildren) "/" "Bandeja de salida"
* LIST (\HasNoChildren) "/" Borradores
* LIST (\HasNoChildren) "/" "Correo no deseado"
* LIST (\HasNoChildren) "/" "Elementos eliminados"
* LIST (\HasNoChildren) "/" "Elementos enviados"
* LIST (\Marked \HasNoChildren) "/" INBOX
"""
EXCHANGE_IT = r"""
* LIST (\HasNoChildren) "/" Archivio
* LIST (\HasNoChildren) "/" Bozze
* LIST (\Marked \HasNoChildren) "/" INBOX
* LIST (\HasNoChildren) "/" "Posta eliminata"
* LIST (\HasNoChildren) "/" "Posta in uscita"
* LIST (\HasNoChildren) "/" "Posta indesiderata"
* LIST (\HasNoChildren) "/" "Posta inviata"
"""
EXCHANGE_NL = r"""
* LIST (\HasNoChildren) "/" Archief
* LIST (\HasNoChildren) "/" Concepten
* LIST (\Marked \HasNoChildren) "/" INBOX
* LIST (\HasNoChildren) "/" "Ongewenste e-mail"
* LIST (\HasNoChildren) "/" "Postvak UIT"
* LIST (\HasNoChildren) "/" "Verwijderde items"
* LIST (\HasNoChildren) "/" "Verzonden items"
"""

# server -> (LIST answer, Sent, Drafts, the folders a sync reads in order, some left out)
SERVERS = {
    "gmail": (GMAIL, "[Gmail]/Sent Mail", "[Gmail]/Drafts",
              ["INBOX", "[Gmail]/Sent Mail", "[Gmail]/All Mail"],
              {"Kunden": "a label", "[Gmail]/Starred": "a view", "[Gmail]/Trash": "trash",
               "[Gmail]/Spam": "junk", "[Gmail]/Drafts": "drafts", "[Gmail]": "no messages"}),
    "gmail-de": (GMAIL_DE, "[Google Mail]/Gesendet", "[Google Mail]/Entwürfe",
                 ["INBOX", "[Google Mail]/Gesendet", "[Google Mail]/Alle Nachrichten"],
                 {"Rechnungen": "a label", "[Google Mail]/Papierkorb": "trash"}),
    "exchange-online": (EXCHANGE_ONLINE, "Sent Items", "Drafts",
                        ["INBOX", "Sent Items", "Archive", "Calendar", "Calendar/Birthdays",
                         "Conversation History", "INBOX/Kunden", "Sync Issues",
                         "Sync Issues/Conflicts"],
                        {"Deleted Items": "trash", "Junk Email": "junk", "Outbox": "outbox"}),
    "outlook.com": (OUTLOOK_COM, "Sent", "Drafts", ["INBOX", "Sent", "Archive", "Notes"],
                    {"Deleted": "trash", "Junk": "junk", "Outbox": "outbox"}),
    "icloud": (ICLOUD, "Sent Messages", "Drafts", ["INBOX", "Sent Messages", "Archive", "Kunden",
                                                   "Notes"],
               {"Deleted Messages": "trash", "Junk": "junk"}),
    "dovecot": (DOVECOT, "Sent", "Drafts", ["INBOX", "Sent", "Alt/Projekte", "Archive",
                                            "Kunden/Acme"],
                {"Trash/2025": "trash", "Kunden": "no messages", "Alt": "no messages"}),
    "courier": (COURIER, "INBOX.Sent", "INBOX.Drafts",
                ["INBOX", "INBOX.Sent", "INBOX.Kunden", "INBOX.Kunden.Acme"],
                {"INBOX.Trash.Alt": "trash", "INBOX.spam": "junk", "INBOX.Drafts": "drafts"}),
    "cyrus": (CYRUS, "INBOX.Sent Items", "INBOX.Drafts",
              ["INBOX", "INBOX.Sent Items", "INBOX.Archive", "INBOX.Kunden"],
              {"Other Users.bob": "another user", "Shared Folders.sales": "another user",
               "INBOX.Junk Mail": "junk"}),
    "exchange-de": (EXCHANGE_DE, "Gesendete Elemente", "Entwürfe",
                    ["INBOX", "Gesendete Elemente", "Archiv", "Aufgaben", "INBOX/Kunden"],
                    {"Gelöschte Elemente": "trash", "Junk-E-Mail": "junk",
                     "Postausgang": "outbox", "Entwürfe": "drafts"}),
    "exchange-fr": (EXCHANGE_FR, "Éléments envoyés", "Brouillons",
                    ["INBOX", "Éléments envoyés", "Archives", "Clients"],
                    {"Éléments supprimés": "trash", "Courrier indésirable": "junk",
                     "Boîte d'envoi": "outbox"}),
    "exchange-es": (EXCHANGE_ES, "Elementos enviados", "Borradores",
                    ["INBOX", "Elementos enviados", "Archivo"],
                    {"Elementos eliminados": "trash", "Correo no deseado": "junk",
                     "Bandeja de salida": "outbox"}),
    "exchange-it": (EXCHANGE_IT, "Posta inviata", "Bozze", ["INBOX", "Posta inviata", "Archivio"],
                    {"Posta eliminata": "trash", "Posta indesiderata": "junk",
                     "Posta in uscita": "outbox"}),
    "exchange-nl": (EXCHANGE_NL, "Verzonden items", "Concepten",
                    ["INBOX", "Verzonden items", "Archief"],
                    {"Verwijderde items": "trash", "Ongewenste e-mail": "junk",
                     "Postvak UIT": "outbox"}),
}  # fmt: skip


@pytest.mark.parametrize("server", SERVERS)
def test_each_server_sent_drafts_and_the_folders_read(server: str) -> None:
    raw, sent, drafts, read, left_out = SERVERS[server]
    roles = resolve_folders(listing(raw), {})
    assert (roles.get(SENT), roles.get(DRAFTS)) == (sent, drafts)
    plan = plan_sync(listing(raw), {}, FolderChoice(), "owner")
    assert list(plan.read) == read
    why = dict(plan.left_out)
    for folder, reason in left_out.items():
        assert reason in why[folder], (folder, why.get(folder))
    # every listed folder is either read or left out, with a reason
    names = {name for _, _, name in listing(raw)} | {"INBOX"}
    assert {n.upper() if n.upper() == "INBOX" else n for n in [*plan.read, *why]} == {
        n.upper() if n.upper() == "INBOX" else n for n in names}
    assert all(why.values())


# -- Sent and Drafts by name: every name, bare, under INBOX. and INBOX/, in any case -------

SENT_NAMES = [
    "Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX.Sent Items",
    "INBOX.Sent Messages", "[Gmail]/Sent Mail", "[Google Mail]/Sent Mail",
    "Gesendet", "Gesendete Elemente", "Gesendete Objekte", "Gesendete Nachrichten",
    "Éléments envoyés", "Messages envoyés", "Envoyés",
    "Enviados", "Elementos enviados", "Mensajes enviados",
    "Inviata", "Posta inviata", "Elementi inviati",
    "Verzonden", "Verzonden items", "Verzonden berichten",
]  # fmt: skip
DRAFTS_NAMES = ["Drafts", "INBOX.Drafts", "[Gmail]/Drafts", "[Google Mail]/Drafts", "Entwürfe",
                "Brouillons", "Borradores", "Bozze", "Concepten"]


def variants(name: str) -> list[tuple[str, str]]:
    """The name as servers write it: as is, upper and lower case, under INBOX. and INBOX/."""
    out = [(name, "/"), (name.upper(), "/"), (name.lower(), "/")]
    if "/" not in name and not name.startswith("INBOX."):
        out += [(f"INBOX.{name}", "."), (f"INBOX/{name}", "/"), (f"inbox.{name}", ".")]
    return out


@pytest.mark.parametrize("name", SENT_NAMES)
def test_sent_found_by_its_name(name: str) -> None:
    for variant, delimiter in variants(name):
        folders = [Folder("INBOX", delimiter), Folder("Kunden", delimiter),
                   Folder(variant, delimiter)]
        assert find_role(folders, SENT) == variant, variant


@pytest.mark.parametrize("name", DRAFTS_NAMES)
def test_drafts_found_by_its_name_and_never_read(name: str) -> None:
    for variant, delimiter in variants(name):
        folders = [Folder("INBOX", delimiter), Folder("Sent", delimiter),
                   Folder(variant, delimiter)]
        assert find_role(folders, DRAFTS) == variant, variant
        plan = plan_folders(folders, {SENT: "Sent", DRAFTS: variant}, FolderChoice())
        assert plan.read == ("INBOX", "Sent"), variant


@pytest.mark.parametrize("name", [
    "Trash", "Deleted Items", "Deleted Messages", "Junk", "Junk E-mail", "Spam",
    "[Gmail]/Trash", "[Gmail]/Spam", "[Gmail]/Drafts", "INBOX.Trash", "INBOX.Junk",
    "Papierkorb", "Corbeille", "Papelera", "Entwürfe", "Brouillons", "Borradores",
])  # fmt: skip
def test_trash_junk_and_drafts_are_left_out_by_name(name: str) -> None:
    for variant, delimiter in variants(name):
        folders = [Folder("INBOX", delimiter), Folder("Sent", delimiter),
                   Folder(variant, delimiter), Folder(f"{variant}{delimiter}Alt", delimiter)]
        plan = plan_folders(folders, {SENT: "Sent"}, FolderChoice())
        assert plan.read == ("INBOX", "Sent"), (variant, plan)


SPECIAL_USE_FIRST = [
    # (listing, role, expected): a flag beats a name, whatever the order
    ([Folder("Sent"), Folder("Ausgang", "/", frozenset({"\\sent"}))], SENT, "Ausgang"),
    ([Folder("Sent Items"), Folder("Sent")], SENT, "Sent"),  # the order of the names decides
    ([Folder("INBOX.Sent", "."), Folder("Sent", ".")], SENT, "Sent"),  # a whole name first
    ([Folder("Sent", "/", frozenset({"\\noselect"})), Folder("Sent Items")], SENT, "Sent Items"),
    ([Folder("Kunden"), Folder("Archive")], SENT, None),
    ([Folder("Vorlagen", "/", frozenset({"\\drafts"})), Folder("Drafts")], DRAFTS, "Vorlagen"),
    ([Folder("Entwu\u0308rfe")], DRAFTS, "Entwu\u0308rfe"),  # decomposed (macOS) umlaut
]


@pytest.mark.parametrize(("folders", "role", "expected"), SPECIAL_USE_FIRST)
def test_a_flag_first_then_names(folders: list[Folder], role: str, expected: str | None) -> None:
    assert find_role(folders, role) == expected


def test_a_flag_says_what_a_folder_is_whatever_its_name() -> None:
    folders = [Folder("INBOX"), Folder("Sent", "/", frozenset({"\\sent"})),
               Folder("Spam", "/", frozenset({"\\archive"})),  # archived, despite the name
               Folder("Rubbish", "/", frozenset({"\\trash"}))]
    plan = plan_folders(folders, {SENT: "Sent"}, FolderChoice())
    assert plan.read == ("INBOX", "Sent", "Spam")


# -- folders_include and folders_exclude -----------------------------------------------

PLAIN = [Folder(name, "/") for name in (
    "INBOX", "Sent", "Drafts", "Trash", "Archive", "Kunden", "Kunden/Acme", "Kunden/Beta",
    "Newsletters", "Lists", "Lists/python", "[Gmail]", "Spam", "100% Rabatt")]  # fmt: skip
ROLES = {SENT: "Sent", DRAFTS: "Drafts"}
CHOICES = [
    # (include, exclude, the folders read beyond INBOX and Sent)
    ((), (), ["100% Rabatt", "Archive", "[Gmail]", "Kunden", "Kunden/Acme", "Kunden/Beta",
              "Lists", "Lists/python", "Newsletters"]),
    (("Kunden/*",), (), ["Kunden/Acme", "Kunden/Beta"]),
    (("kunden*",), (), ["Kunden", "Kunden/Acme", "Kunden/Beta"]),  # any case; * crosses levels
    (("Kunden/*",), ("Kunden/Beta",), ["Kunden/Acme"]),  # exclude wins
    (("Kunden/Acme",), ("Kunden/*",), []),  # exclude wins over a whole name too
    ((), ("Lists", "Lists/*", "Newsletters"), ["100% Rabatt", "Archive", "[Gmail]", "Kunden",
                                                "Kunden/Acme", "Kunden/Beta"]),
    ((), ("*",), []),  # INBOX and Sent only, as before
    ((), ("Sent", "INBOX"), ["100% Rabatt", "Archive", "[Gmail]", "Kunden", "Kunden/Acme",
                             "Kunden/Beta", "Lists", "Lists/python", "Newsletters"]),
    (("*",), (), ["100% Rabatt", "Archive", "[Gmail]", "Kunden", "Kunden/Acme", "Kunden/Beta",
                  "Lists", "Lists/python", "Newsletters"]),  # a glob never picks Trash or Spam
    (("Archive", "Spam"), (), ["Archive", "Spam"]),  # a whole name does
    (("[Gmail]",), (), ["[Gmail]"]),  # brackets are plain characters
    (("Kunden/Acm?",), (), ["Kunden/Acme"]),
    (("100? Rabatt",), (), ["100% Rabatt"]),
    (("Nowhere",), (), []),
]  # fmt: skip


@pytest.mark.parametrize(("include", "exclude", "read"), CHOICES)
def test_include_and_exclude(include: tuple[str, ...], exclude: tuple[str, ...],
                             read: list[str]) -> None:
    plan = plan_folders(PLAIN, ROLES, FolderChoice(include, exclude))
    assert plan.read[:2] == ("INBOX", "Sent")  # always, and first
    assert sorted(plan.read[2:]) == sorted(read)


def test_gmail_labels_can_be_named_and_all_mail_excluded() -> None:
    folders = listed_folders(listing(GMAIL))
    plan = plan_folders(folders, {SENT: "[Gmail]/Sent Mail"}, FolderChoice(("Kunden",)))
    assert plan.read == ("INBOX", "[Gmail]/Sent Mail", "Kunden")
    plan = plan_folders(folders, {SENT: "[Gmail]/Sent Mail"},
                        FolderChoice(("[Gmail]/*", "Projekte/*")))
    assert plan.read == ("INBOX", "[Gmail]/Sent Mail", "[Gmail]/All Mail", "Projekte/Anbau")


MATCHES = [
    ("Kunden/*", "Kunden/Acme/2026", True),
    ("Kunden/*", "Kunden", False),
    ("*/Acme", "Kunden/Acme", True),
    ("entwürfe", "Entwu\u0308rfe", True),  # NFC, any case
    ("INBOX.*", "INBOX.Kunden", True),
    ("[Gmail]/*", "[Gmail]/All Mail", True),
    ("[Gmail]/*", "G/All Mail", False),
    ("a.c", "abc", False),  # only * and ? are wildcards
]


@pytest.mark.parametrize(("pattern", "name", "expected"), MATCHES)
def test_patterns(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, Folder(name, "/")) is expected


# -- no Sent folder on the owner's mailbox ---------------------------------------------


def test_no_sent_folder_is_a_config_error_naming_the_key_and_the_folders() -> None:
    raw = EXCHANGE_DE.replace('"Gesendete Elemente"', '"Ausgang"')
    with pytest.raises(ConfigError) as caught:
        plan_sync(listing(raw), {}, FolderChoice(), "owner")
    text = str(caught.value)
    assert "no Sent folder" in text and "[imap].sent_folder" in text
    assert "'Ausgang'" in text and "'Entwürfe'" in text and "'Archiv'" in text
    # the capture mailbox needs none
    plan = plan_sync(listing(raw), {}, FolderChoice(needs_sent=False), "capture")
    assert plan.read[0] == "INBOX" and "Ausgang" in plan.read
    # and the override names it
    plan = plan_sync(listing(raw), {SENT: "Ausgang"}, FolderChoice(), "owner")
    assert plan.read[:2] == ("INBOX", "Ausgang")


def test_a_long_folder_list_is_cut_in_the_error() -> None:
    folders = [Folder("INBOX")] + [Folder(f"Kunde {i:03}") for i in range(100)]
    with pytest.raises(ConfigError, match="and 60 more"):
        plan_sync([((), b"/", f.name) for f in folders], {}, FolderChoice(), "owner")


# -- names as Maildir keeps them on disk -----------------------------------------------

NAMES_ON_DISK = [
    ("Entw&APw-rfe", "Entwürfe"),
    ("Gel&APY-schte Elemente", "Gelöschte Elemente"),
    ("&AMk-l&AOk-ments envoy&AOk-s", "Éléments envoyés"),
    ("Tom &- Jerry", "Tom & Jerry"),
    ("Kunden.Acme", "Kunden.Acme"),
    ("broken &AMk", "broken &AMk"),  # unterminated: left as it is
    ("&2D3eAA-", "\U0001f600"),  # a surrogate pair
]


@pytest.mark.parametrize(("raw", "text"), NAMES_ON_DISK)
def test_maildir_folder_names_are_decoded(raw: str, text: str) -> None:
    assert decode_folder_name(raw) == text


@pytest.mark.parametrize(("name", "bare"), [
    ("INBOX.Sent", "sent"), ("INBOX/Sent Items", "sent items"), ("[Gmail]/Sent Mail", "sent mail"),
    ("[Google Mail]/Gesendet", "gesendet"), ("INBOX", "inbox"), ("Kunden/Sent", "kunden/sent"),
])  # fmt: skip
def test_bare_names(name: str, bare: str) -> None:
    assert bare_name(Folder(name, "/" if "/" in name else ".")) == bare
