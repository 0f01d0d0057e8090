#!/usr/bin/env bash
# Install what the tests need, idempotently: Dovecot + openssl (Debian packages)
# for the IMAP adapter tests, Courier-IMAP unpacked into .venv/courier (the second
# IMAP server of the compatibility tests), and a .venv with the project and its
# test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

apt_install() {
    # shellcheck disable=SC2086
    $SUDO apt-get install -y --no-install-recommends "$@" \
        || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "$@"; }
}

if [ ! -x /usr/sbin/dovecot ] || ! command -v openssl >/dev/null 2>&1; then
    echo "install-deps: installing dovecot-imapd and openssl" >&2
    apt_install dovecot-imapd openssl
fi
# The package starts a system Dovecot on ports 143/993; the tests run their own
# on free loopback ports, so it does not get in the way.

# Debian's chromium renders the digest and checklist HTML in tests/test_digest_browser.py
# (headless, at phone and desktop widths); browser downloads from elsewhere are not used.
if ! command -v chromium >/dev/null 2>&1; then
    echo "install-deps: installing chromium (the digest's browser tests)" >&2
    apt_install chromium
fi

# neomutt sends a draft through the test SMTP server in tests/test_drafting.py, to show
# what a real mail client passes on to the contact.
if ! command -v neomutt >/dev/null 2>&1; then
    echo "install-deps: installing neomutt (what a mail client sends of a draft)" >&2
    apt_install neomutt
fi

if [ ! -x .venv/bin/python ]; then
    echo "install-deps: creating .venv" >&2
    if ! python3 -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        python3 -m venv .venv
    fi
fi

stamp=.venv/.inboxfollow-deps
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "install-deps: installing the project and its test extras into .venv" >&2
    .venv/bin/python -m pip install --quiet -e '.[test]'
    touch "$stamp"
fi

# Courier-IMAP, the second real server of the IMAP compatibility tests (tests/courier.py).
# Its package conflicts with dovecot-imapd (both provide imap-server), so it is not
# installed: its .debs are unpacked into a private folder, registered nowhere, and the
# tests run its imapd pre-authenticated on a Maildir. gamin's gam_server (needs GLib) gives
# imapd the file notification it asks for; without it imapd greets with an alert first.
COURIER_ROOT=${INBOXFOLLOW_COURIER_ROOT:-.venv/courier}
COURIER_DEBS="courier-imap courier-authlib libcourier-unicode4 libgamin0 gamin libidn12 libgdbm6"
if ! /sbin/ldconfig -p | grep -q 'libglib-2\.0\.so\.0'; then
    echo "install-deps: installing libglib2.0-0 (for Courier's gam_server)" >&2
    apt_install libglib2.0-0
fi
if [ ! -x "$COURIER_ROOT/usr/bin/imapd" ] || [ ! -x "$COURIER_ROOT/usr/libexec/gam_server" ]; then
    echo "install-deps: unpacking Courier-IMAP into $COURIER_ROOT" >&2
    debs=$(mktemp -d)
    chmod 0755 "$debs"
    if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        chown _apt "$debs"  # apt downloads as _apt when run as root
    fi
    # shellcheck disable=SC2086
    (cd "$debs" && apt-get download -q $COURIER_DEBS) \
        || { $SUDO apt-get update && (cd "$debs" && apt-get download -q $COURIER_DEBS); }
    rm -rf "$COURIER_ROOT.new"
    mkdir -p "$COURIER_ROOT.new"
    for deb in "$debs"/*.deb; do
        dpkg-deb -x "$deb" "$COURIER_ROOT.new"
    done
    rm -rf "$debs" "$COURIER_ROOT"
    mv "$COURIER_ROOT.new" "$COURIER_ROOT"
fi
