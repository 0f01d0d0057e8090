#!/usr/bin/env bash
# The checks every change keeps (CI runs them before the tests): style, the import
# contract in pyproject.toml, mypy --strict, and no module over 400 lines.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
.venv/bin/ruff check inboxfollow tests bench
.venv/bin/lint-imports
.venv/bin/mypy --strict inboxfollow
long=$(find inboxfollow -name '*.py' -exec wc -l {} + | awk '$2 != "total" && $1 > 400')
if [ -n "$long" ]; then
    echo "lint: modules over 400 lines (split them along a seam):" >&2
    echo "$long" >&2
    exit 1
fi
echo "lint: ruff, import contract, mypy --strict and the 400-line limit all hold"
