#!/usr/bin/env bash
# The main job on the embedded default: installs inboxfollow into .venv if needed,
# then runs the demo on a sample Maildir mailbox (no mail server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    echo "demo: creating .venv" >&2
    python3 -m venv .venv
fi
if [ ! -x .venv/bin/inboxfollow ] || [ pyproject.toml -nt .venv/bin/inboxfollow ]; then
    echo "demo: installing inboxfollow into .venv" >&2
    .venv/bin/python -m pip install --quiet -e .
    touch .venv/bin/inboxfollow
fi
exec .venv/bin/inboxfollow demo "$@"
