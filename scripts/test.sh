#!/usr/bin/env bash
# The test command: installs what is missing, then runs pytest (arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
exec .venv/bin/python -m pytest -q "$@"
