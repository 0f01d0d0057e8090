#!/usr/bin/env bash
# Install what the tests need, idempotently: Dovecot + openssl (Debian packages)
# for the IMAP adapter tests, and a .venv with the project and its test extras.
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
