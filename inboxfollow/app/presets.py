"""Mail providers' published IMAP and SMTP settings, for `inboxfollow init`.

The values are the providers' own documented ones (their help pages for mail apps).
Gmail and Microsoft take OAuth2 (Microsoft 365 nothing else; Gmail a password only as
an app password); the others take an app password.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str  # what --provider takes
    title: str
    host: str  # "" for generic: imap.<the address's domain>
    port: int
    security: str
    auth: str  # "password" or "oauth2": the default way to log in
    smtp_host: str
    smtp_port: int
    smtp_security: str
    domains: tuple[str, ...]  # address domains that pick this preset when --provider is not given
    note: str  # printed by init: what the user must do at the provider


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("gmail", "Gmail / Google Workspace", "imap.gmail.com", 993, "ssl", "oauth2",
           "smtp.gmail.com", 587, "starttls", ("gmail.com", "googlemail.com"),
           "Gmail: OAuth2 through a token helper (oama, pizauth, mutt_oauth2.py) in "
           "token_cmd; or, with 2-step verification on, an app password and --auth password"),
    Preset("microsoft", "Microsoft 365 / Outlook.com", "outlook.office365.com", 993, "ssl",
           "oauth2", "smtp.office365.com", 587, "starttls",
           ("outlook.com", "hotmail.com", "live.com", "msn.com"),
           "Microsoft 365 and Outlook.com accept OAuth2 only: a token helper (oama, pizauth, "
           "mutt_oauth2.py) in token_cmd"),
    Preset("fastmail", "Fastmail", "imap.fastmail.com", 993, "ssl", "password",
           "smtp.fastmail.com", 465, "ssl", ("fastmail.com", "fastmail.fm"),
           "Fastmail: an app password (Settings > Privacy & Security > App passwords)"),
    Preset("icloud", "iCloud Mail", "imap.mail.me.com", 993, "ssl", "password",
           "smtp.mail.me.com", 587, "starttls", ("icloud.com", "me.com", "mac.com"),
           "iCloud: an app-specific password (account.apple.com > Sign-In and Security)"),
    Preset("yahoo", "Yahoo Mail", "imap.mail.yahoo.com", 993, "ssl", "password",
           "smtp.mail.yahoo.com", 465, "ssl", ("yahoo.com", "ymail.com", "rocketmail.com"),
           "Yahoo: an app password (Account security > Generate app password)"),
    Preset("zoho", "Zoho Mail", "imap.zoho.com", 993, "ssl", "password",
           "smtp.zoho.com", 465, "ssl", ("zoho.com", "zohomail.com"),
           "Zoho: turn IMAP access on in Mail settings; an app password with 2FA; accounts "
           "in the EU data centre use --host imap.zoho.eu, business domains imappro.zoho.com"),
    Preset("generic", "any IMAP server", "", 993, "ssl", "password", "", 587, "starttls", (),
           "any IMAP server: check host and port with your provider (--host, --port)"),
)}


def preset_for_address(address: str) -> Preset:
    """The preset whose domains hold the address's domain; else the generic one."""
    domain = address.rpartition("@")[2].lower()
    for preset in PRESETS.values():
        if domain in preset.domains:
            return preset
    return PRESETS["generic"]


def imap_host(preset: Preset, address: str) -> str:
    """The preset's IMAP host; for a generic server, imap.<the address's domain>."""
    return preset.host or f"imap.{address.rpartition('@')[2].lower()}"
