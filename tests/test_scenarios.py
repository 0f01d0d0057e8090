"""The judgement on real-world mail: each scenario through the rules, and through the real sync.

The same table (tests/scenarios.py) runs twice: once judged in-process and stored in a
real store file (the rules as the sync applies them, fast), once APPENDed to a real
Dovecot and read back by `sync`, folder by folder, as an owner's mailbox would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxfollow.app.judging import judge
from inboxfollow.app.sync import sync
from inboxfollow.model import FetchedMessage, Location, Owner
from inboxfollow.rules.contacts import all_touches, build_contacts
from inboxfollow.rules.loops import Derivation, derive_loops
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.store import Store, open_store
from tests.dovecot import ImapAccount
from tests.mailgen import (
    CAPTURE,
    OWNER,
    OWNER_NAME,
    Delivery,
    cli_env,
    deliver_all,
    ok,
    run_cli,
    write_config,
)
from tests.scenarios import NOW, TEAM_DOMAIN, Scenario, at, expected_loops, mid, scenarios

SCENARIOS = scenarios()
OWNER_SIDE = Owner(OWNER_NAME, frozenset({OWNER}), CAPTURE, frozenset({TEAM_DOMAIN}))


def outcome(store: Store, scenario: Scenario) -> tuple[list[tuple[str, str, int]], set[str]]:
    records = store.all_messages()
    derivation: Derivation = derive_loops(records, OWNER_SIDE, NOW)
    loops = sorted((lp.contact, lp.status.value, lp.touches) for lp in derivation.loops)
    contacts = {c.email for c in build_contacts(all_touches(records, OWNER_SIDE))}
    return loops, contacts


def check(scenario: Scenario, loops: list[tuple[str, str, int]], contacts: set[str]) -> None:
    assert loops == expected_loops(scenario)
    assert scenario.contacts <= contacts, contacts
    assert not scenario.not_contacts & contacts, contacts


def test_the_table_covers_every_client_and_language() -> None:
    clients = {s.client for s in SCENARIOS.values()}
    assert {"gmail", "outlook", "apple", "thunderbird"} <= clients
    assert clients & {"iphone", "android"}
    assert {s.lang for s in SCENARIOS.values()} == {"en", "de", "fr", "es"}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_through_the_rules(name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    with open_store(tmp_path / "store.json") as store:
        for uid, mail in enumerate(scenario.mail, start=1):
            fetched = FetchedMessage(Location(mail.mailbox, mail.folder, 1, uid), mail.raw, (),
                                     at(0), len(mail.raw), has_text=True)
            (result,) = judge([fetched], OWNER_SIDE)
            assert result.record is not None, result.set_aside
            store.save_messages([result.record], {})  # the store decides which copy stays
        check(scenario, *outcome(store, scenario))


@pytest.mark.dovecot
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_through_sync(name: str, imap_account: ImapAccount, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    deliver_all(imap_account, [Delivery(m.folder, m.raw, at(0)) for m in scenario.mail])
    settings = ImapSettings(imap_account.host, imap_account.port, "none",
                            imap_account.username, imap_account.password, timeout=10)
    with open_store(tmp_path / "store.json") as store:
        box = ImapMailbox(settings, "owner")
        try:
            summary = sync([box], store, OWNER_SIDE)
        finally:
            box.close()
        assert summary.set_aside == 0
        check(scenario, *outcome(store, scenario))


@pytest.mark.dovecot
def test_explain_names_the_rule_that_decided(imap_account: ImapAccount, tmp_path: Path) -> None:
    """As the owner sees it: `inboxfollow sync`, then `explain` on the messages in question."""
    chosen = ["outlook de: Exchange rewrites the Message-ID; Sent and BCC copy are one touch",
              "thunderbird en: a new offer after the answer opens a new loop",
              "outlook de: a forward to a colleague and a later reply open no loop"]
    deliver_all(imap_account, [Delivery(m.folder, m.raw, at(0))
                               for name in chosen for m in SCENARIOS[name].mail])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env, now=NOW.isoformat()))

    def explain(message_id: str) -> str:
        return ok(run_cli("explain", message_id, config=config, env=env, now=NOW.isoformat()))

    rewritten = explain(mid("outlook", 7))
    assert "the same message as <exch-orig-7@reyes-joinery.example>" in rewritten
    original = explain("<exch-orig-7@reyes-joinery.example>")
    assert f"also stored as {mid('outlook', 7)}" in original
    assert "zoe.mueller@kuechenwelt.example wrote in the quote's thread" in original
    offer = explain(mid("thunderbird", 34, "reyes-joinery.example"))
    assert "opens a loop" in offer
    assert "a new offer after the conversation was answered" in offer
    forward = explain(mid("outlook", 14))
    assert "goes to only the owner's side: no touch, no new loop" in forward
    later = explain(mid("outlook", 15))
    assert "opens no new loop" in later
