"""Fixtures shared by the tests: a real Dovecot on loopback, fresh accounts, a cutting proxy."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.dovecot import (
    DOVECOT,
    INSTALL_HINT,
    CuttingProxy,
    DovecotServer,
    ImapAccount,
    make_certificate,
    new_account,
)

# Shared machines run at uneven speed: Hypothesis checks properties, not timings.
settings.register_profile("inboxfollow", deadline=None, print_blob=True)
settings.load_profile("inboxfollow")


@pytest.fixture(scope="session")
def cert_dir() -> Iterator[Path]:
    """A self-signed certificate and key for the loopback SMTP servers."""
    with tempfile.TemporaryDirectory(prefix="inboxfollow-cert-") as folder:
        make_certificate(Path(folder))
        yield Path(folder)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot for the whole session; it fails (never skips) when not installed."""
    if not os.path.exists(DOVECOT):
        pytest.fail(f"Dovecot is not installed ({DOVECOT} missing): {INSTALL_HINT}", False)
    server = DovecotServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_imap_account(dovecot: DovecotServer) -> Callable[..., ImapAccount]:
    """Factory for more fresh accounts in one test: make_imap_account("capture")."""

    def make(prefix: str = "owner") -> ImapAccount:
        return new_account(dovecot, prefix)

    return make


@pytest.fixture
def imap_account(make_imap_account: Callable[..., ImapAccount]) -> ImapAccount:
    """A fresh, empty mailbox (INBOX, Sent, Drafts) for this test only."""
    return make_imap_account("owner")


@pytest.fixture
def imap_proxy(dovecot: DovecotServer) -> Iterator[CuttingProxy]:
    """A proxy in front of the plain IMAP port; point ImapSettings at its host/port."""
    proxy = CuttingProxy(dovecot.host, dovecot.port)
    try:
        yield proxy
    finally:
        proxy.close()
