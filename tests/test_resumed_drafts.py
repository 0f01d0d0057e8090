"""A quote put off by the contact's "not now" resumes on the day they named, with a draft that
recalls their words, in their language (German with Sie, French with vous, Spanish with
usted). From mail in a Maildir through sync, the loop, the draft in Drafts and `explain`."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from inboxfollow.app.drafter import run_drafts
from inboxfollow.app.explain import explain, find_target
from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.config import load_config
from inboxfollow.outbox.drafts import DraftFacts, Templates, render_draft
from inboxfollow.rules.loops import Status
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store
from tests.test_drafting import message

OWNER = "dana@shop.example"
ANN = "ann@acme.example"
QUOTE_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
ANSWER_AT = QUOTE_AT + timedelta(days=2, hours=5)

# language: the quote's subject and text, the contact's "not now", the words the draft
# quotes, the day it resumes, and a phrase of the draft that shows the polite form
CASES = {
    "en": ("Quote: oak shelves",
           "Hi Ann, please find our quote for the oak shelves below. The total price is "
           "EUR 2,400. Let me know if you have any questions.",
           "Thanks Dana, looks fine. We're swamped until the end of the year though, ask me "
           "again in January.",
           '"in January"', date(2027, 1, 1), "You asked me to get back to you"),
    "de": ("Angebot: Eichenregal",
           "Guten Tag Frau Lee, anbei unser Angebot für das Eichenregal. Der Gesamtpreis "
           "beträgt 2.400 EUR. Bei Fragen bin ich gerne für Sie da.",
           "Danke für das Angebot. Im Moment passt es leider nicht, melden Sie sich im März "
           "wieder.",
           "„im März“", date(2027, 3, 1), "Sie hatten mich gebeten"),
    "fr": ("Devis : étagères en chêne",
           "Bonjour Madame Lee, veuillez trouver ci-dessous notre devis pour les étagères en "
           "chêne. Le prix total est de 2 400 EUR. Je reste à votre disposition pour toute "
           "question.",
           "Merci pour le devis. Ce n'est pas le bon moment pour nous, recontactez-moi en "
           "septembre.",
           "« en septembre »", date(2027, 9, 1), "Vous m'aviez demandé"),
    "es": ("Presupuesto: estanterías de roble",
           "Estimada Sra. Lee, le envío nuestro presupuesto para las estanterías de roble. El "
           "precio total es de 2.400 EUR. Quedo a su disposición para cualquier consulta.",
           "Gracias por el presupuesto. Ahora mismo no podemos, lo hablamos después de las "
           "fiestas.",
           "«después de las fiestas»", date(2027, 1, 7), "Me pidió que volviera a contactarle"),
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_the_resumed_draft_recalls_their_words(tmp_path: Path, lang: str) -> None:
    subject, quote_text, answer_text, quoted, resume, polite = CASES[lang]
    root = tmp_path / "mail"
    box = stdlib_mailbox.Maildir(root, create=True)
    box.add_folder("Drafts")
    box.add_folder("Sent").add(message(
        f"Dana Reyes <{OWNER}>", f"Ann Lee <{ANN}>", subject, QUOTE_AT, "<q1@shop.example>",
        body=quote_text))
    box.add(message(f"Ann Lee <{ANN}>", OWNER, f"Re: {subject}", ANSWER_AT, "<a1@acme.example>",
                    body=answer_text, reply_to="<q1@shop.example>"))
    (tmp_path / "c.toml").write_text(
        f'[owner]\nname = "Dana Reyes"\naddresses = ["{OWNER}"]\ntimezone = "Europe/Berlin"\n'
        'signature = "Dana Reyes"\n[maildir]\npath = "mail"\n[store]\npath = "s.json"\n')
    config = load_config(tmp_path / "c.toml")
    source = MaildirMailbox("owner", root)
    with open_store(config.store_path) as store:
        sync([source], store, config.owner)
    before = datetime(resume.year, resume.month, resume.day, 6, tzinfo=UTC)  # 07:00 Berlin
    with open_store(config.store_path) as store:
        derivation = derive(store, config, before)[1]
        (loop,) = derivation.loops
        assert loop.status is Status.AWAITING_REPLY and loop.resuming
        assert loop.next_due is not None and loop.next_due.date() == resume
        assert run_drafts(config, store, source, before, False) == []  # not before 08:30 that day
        target = find_target(store, derivation, ANN, 11)
        explained = "\n".join([*target.preface, *(
            line for r in target.records for line in explain(r, derivation, config.timezone, 11))])
    assert quoted.strip("\"„“«» ") in explained and str(resume) in explained
    with open_store(config.store_path) as store:
        actions = run_drafts(config, store, source, before + timedelta(hours=3), False)
    (action,) = actions
    assert action.action == "create" and action.draft is not None
    assert action.draft.template == f"resumed/{lang}/1.txt.j2"
    (raw,) = [bytes(m) for m in stdlib_mailbox.Maildir(root).get_folder("Drafts")]
    text = raw.decode("utf-8", "replace")
    body = action.draft.text
    assert quoted in body and polite in body
    assert "Re: " in text and "<q1@shop.example>" in text  # threaded under the quote
    source.close()


def test_their_words_are_data_never_a_template() -> None:
    facts = DraftFacts(
        loop_id="<q@x>|ann@acme.example", step=1, last_step=False, contact=ANN,
        contact_name="Ann Lee", quote_subject="Quote: shelves", quote_date=QUOTE_AT,
        days_since=60, thread=("<q@x>",), owner_name="Dana", owner_address=OWNER,
        signature="Dana", kind="resumed", their_words="in {{ 7*7 }} {% raw %}weeks",
        their_sentence="Ask me again in {{ 7*7 }} weeks.", their_date=ANSWER_AT,
        now=QUOTE_AT + timedelta(days=60))
    draft = render_draft(facts, Templates())
    assert 'get back to you "in {{ 7*7 }} {% raw %}weeks", so here I am' in draft.text
    assert "49" not in draft.text


def test_the_follow_up_after_the_resumed_one_is_a_quote_step_again(tmp_path: Path) -> None:
    """Once the owner wrote after their "not now", the cadence goes on with quote texts."""
    from inboxfollow.rules.loops import derive_loops
    from tests.test_loops import ANN as ANN_
    from tests.test_loops import ME, msg
    from tests.test_loops import OWNER as OWNER_

    quote = msg("q", ME, [ANN_], 0, "Quote: shelves")
    later = msg("l", ANN_, [ME], 5, "Re: Quote: shelves", refs=(quote["key"],),
                defers="Please ask me again in April.")
    resumed = msg("r", ME, [ANN_], 24 * 31, "Re: Quote: shelves", refs=(quote["key"],))
    at = datetime(2026, 4, 10, tzinfo=UTC)
    (loop,) = derive_loops([quote, later], OWNER_, at).loops
    assert loop.resuming
    (loop,) = derive_loops([quote, later, resumed], OWNER_, at).loops
    assert not loop.resuming and loop.deferred is not None
