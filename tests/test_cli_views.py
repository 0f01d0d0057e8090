"""What the commands show, as a user runs them: `explain` with every id the commands print,
one numbering of steps ("follow-up N of M"), and tables that fit 80 columns.

The sample is the demo's mailbox and config, with two quotes whose people and subjects are
long and accented (German and French), synced with `inboxfollow sync`.
"""

from __future__ import annotations

import mailbox
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from inboxfollow.app.demo import CONFIG, build_sample_mailbox
from inboxfollow.textui import table
from tests.mailgen import OWNER, OWNER_NAME, message, ok, ok_json, run_cli

NOW = "2026-03-10T09:00:00+01:00"
FRENCH = ("Jean-François Lefèvre-Beaumont",
          "jf.lefevre@boulangerie-du-marche.example")
FRENCH_SUBJECT = ("Devis : rénovation complète de la cuisine, plan de travail en chêne massif "
                  "et étagères sur mesure")
GERMAN = ("Hans-Jürgen Müller-Lüdenscheidt", "hj.mueller@schreinerei-mueller.example")
GERMAN_SUBJECT = ("Angebot für die Einbauküche mit Kücheninsel, Eichenarbeitsplatte und "
                  "Hochschränken (Ausführung 2027)")
LONG_QUOTES = (
    (FRENCH, FRENCH_SUBJECT, "<devis-cuisine@reyes-joinery.example>",
     "Bonjour,\n\nveuillez trouver notre devis : 12 480 € TTC, pose comprise.\n"),
    (GERMAN, GERMAN_SUBJECT, "<angebot-kueche@reyes-joinery.example>",
     "Guten Tag,\n\nanbei unser Angebot über 18.900 € brutto, Montage inklusive.\n"),
)


def synced_sample(folder: Path) -> Path:
    """The demo's mailbox and config plus the long quotes, synced; returns the config."""
    now = datetime.fromisoformat(NOW)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "inboxfollow.toml"
    config.write_text(CONFIG, encoding="utf-8")
    build_sample_mailbox(folder / "mail", now)
    sent = mailbox.Maildir(folder / "mail", create=False).get_folder("Sent")
    for days, (person, subject, message_id, body) in enumerate(LONG_QUOTES, start=3):
        sent.add(message((OWNER_NAME, OWNER), [person], subject, now - timedelta(days=days),
                         message_id, body))
    ok(run_cli("sync", config=config, now=NOW))
    return config


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synced_sample(tmp_path_factory.mktemp("views") / "sample")


def columns(line: str) -> int:
    """The width of a line on a terminal, counted in characters (accents take none)."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in line)


# ---- tables fit 80 columns -----------------------------------------------------------------


@pytest.mark.parametrize("args", [("quotes",), ("quotes", "--status", "all"), ("contacts",),
                                  ("history", FRENCH[1])])
def test_tables_fit_80_columns(sample: Path, args: tuple[str, ...]) -> None:
    out = ok(run_cli(*args, config=sample, now=NOW))
    lines = out.splitlines()
    assert len(lines) >= 3, out
    assert max(columns(line) for line in lines) <= 80, out
    wide = ok(run_cli(*args, "--wide", config=sample, now=NOW))
    assert max(columns(line) for line in wide.splitlines()) > 80, wide


def test_the_quotes_table_cuts_text_first_then_long_addresses(sample: Path) -> None:
    out = ok(run_cli("quotes", config=sample, now=NOW))
    row = next(line for line in out.splitlines() if line.startswith("hj.mueller@"))
    assert "  Angebot für die" in row and "…" in row and GERMAN_SUBJECT not in row
    assert row.rstrip().endswith("  follow-up 1 of 11  2026-03-10")  # the step and date whole
    assert "priya@lakeside-cafe.example  " in out  # an address of usual length stays whole
    wide = ok(run_cli("quotes", "--wide", config=sample, now=NOW))
    for text in (FRENCH_SUBJECT, GERMAN_SUBJECT, GERMAN[1], "awaiting_reply", "age (days)"):
        assert text in wide


def test_the_quotes_table_keeps_addresses_whole_when_cutting_text_is_enough(
    sample: Path,
) -> None:
    out = ok(run_cli("quotes", "--status", "bounced", config=sample, now=NOW))
    assert "sam@old-carter-shop.example  Quote for shop counter  none: bounced" in out


def test_the_contacts_table_keeps_names_with_accents_readable(sample: Path) -> None:
    out = ok(run_cli("contacts", config=sample, now=NOW))
    assert GERMAN[1] in out and "jf.lefevre@boulangerie-du-marche" in out
    assert "Jean-François" in out and "Hans-Jürgen" in out
    wide = ok(run_cli("contacts", "--wide", config=sample, now=NOW))
    assert FRENCH[0] in wide and "boulangerie-du-marche.example" in wide  # the org


TEXT = "Rénovation de la cuisine à Zürich, Küche für Françoise Müller-Lüdenscheidt, 2027"


@pytest.mark.parametrize("width", [40, 60, 80, 130])
def test_table_fits_any_width_counting_characters_not_bytes(width: int) -> None:
    rows = [("françoise.muller@example.fr", TEXT, "2026-03-10"),
            ("hj@example.de", "kurz", "2026-03-11")]
    out = table(("contact", "subject", "date"), rows, width)
    assert max(len(line) for line in out.splitlines()) <= width, out
    if width >= 60:  # room enough: the email and the date stay whole, the text is cut
        assert "françoise.muller@example.fr" in out and "2026-03-10" in out
    assert ("…" in out) == (width < 130)


def test_table_counts_combining_accents_and_wide_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "Müller-Lüdenscheidt Rénovation")
    out = table(("name", "note"), [(decomposed, "東京の見積もり" * 4)], 40)
    for line in out.splitlines():
        width = sum(0 if unicodedata.combining(ch) else
                    2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        assert width <= 40, out


def test_table_without_a_width_cuts_nothing() -> None:
    out = table(("subject",), [(TEXT * 3,)], None)
    assert TEXT * 3 in out


# ---- explain takes every id a command prints ------------------------------------------------


def test_explain_takes_every_id_quotes_and_contacts_print(sample: Path) -> None:
    loops = ok_json(run_cli("quotes", "--status", "all", "--json", config=sample, now=NOW))
    german = next(lp for lp in loops if lp["contact"] == GERMAN[1])
    bare = german["message_id"].strip("<>")
    key = german["id"].rsplit("|", 1)[0]
    for given in (german["message_id"], bare, german["id"], key, GERMAN[1], GERMAN[1].upper()):
        out = ok(run_cli("explain", given, config=sample, now=NOW))
        assert f"loop with {GERMAN[1]}" in out or f"with {GERMAN[1]}" in out, (given, out)
        assert "next: follow-up 1 of 11, due 2026-03-10" in out, (given, out)
    replied = next(lp for lp in loops if lp["answered_by"])
    assert "replied" in ok(run_cli("explain", replied["answered_by"], config=sample, now=NOW))
    history = ok_json(run_cli("history", FRENCH[1], "--json", config=sample, now=NOW))
    assert FRENCH_SUBJECT in ok(run_cli("explain", history[0]["message_id"], config=sample,
                                        now=NOW))
    for contact in ok_json(run_cli("contacts", "--json", config=sample, now=NOW)):
        done = run_cli("explain", contact["email"], config=sample, now=NOW)
        assert done.returncode in (0, 1), done.stderr  # 1: a contact without a quote loop
        assert "Traceback" not in done.stderr


def test_explain_says_what_an_unknown_id_may_be(sample: Path) -> None:
    done = run_cli("explain", "nobody@nowhere.example", config=sample, now=NOW)
    assert done.returncode == 1 and done.stdout == ""
    assert "`quotes --json`" in done.stderr and "contact" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_explain_takes_the_ids_drafts_print(tmp_path: Path) -> None:
    config = synced_sample(tmp_path / "drafts")
    actions = ok_json(run_cli("drafts", "--json", config=config, now=NOW))
    created = [a for a in actions if a["action"] == "create"]
    assert created, actions
    for action in created:
        by_draft = ok(run_cli("explain", action["message_id"], config=config, now=NOW))
        assert by_draft.startswith(f"Draft {action['message_id']}: follow-up "), by_draft
        assert f"of 11 for {action['contact']}" in by_draft
        assert f"with {action['contact']}" in by_draft
        assert action["contact"] in ok(run_cli("explain", action["loop_id"], config=config,
                                               now=NOW))
    waiting = ok(run_cli("explain", created[0]["contact"], config=config, now=NOW))
    assert "waiting in Drafts: " in waiting
    assert "in Drafts" in ok(run_cli("quotes", config=config, now=NOW))


# ---- one numbering of steps ----------------------------------------------------------------


def test_steps_read_follow_up_n_of_m_in_the_table_and_explain(sample: Path) -> None:
    table_out = ok(run_cli("quotes", config=sample, now=NOW))
    assert "follow-up 2 of 11" in table_out  # Jonas: the quote and one follow-up sent
    assert "step" not in table_out.replace("next step", "")
    explained = ok(run_cli("explain", "j.weber@weber-haus.example", config=sample, now=NOW))
    assert "sent: the quote and 1 follow-up(s), the last follow-up 1 of 11" in explained
    assert "next: follow-up 2 of 11" in explained
