#!/usr/bin/env bash
# The test command: installs what is missing, then runs pytest in $INBOXFOLLOW_TEST_WORKERS
# processes (default 2; 0 runs it in this one), arguments passing through.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
exec .venv/bin/python -m pytest -q -n "${INBOXFOLLOW_TEST_WORKERS:-2}" "$@"
