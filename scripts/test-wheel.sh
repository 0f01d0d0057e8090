#!/usr/bin/env bash
# inboxfollow as a user installs it: build the wheel, install it into a fresh venv, and run
# `demo`, `drafts --dry-run`, `digest --preview` and `config` from a folder outside the
# checkout, with a HOME of its own. Any failure stops the script with a message and exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/inboxfollow-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
    echo "test-wheel: FAILED: $*" >&2
    exit 1
}
step() {
    echo "test-wheel: \$ $*" >&2
    "$@" || fail "exit $? from: $*"
}

[ -x .venv/bin/python ] || fail "no .venv: run ./scripts/install-deps.sh first"
# Build from a clean copy: setuptools reuses an in-tree build/ and *.egg-info, whose stale
# files could hide a file missing from the package data.
mkdir "$work/src"
tar -cf - --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude=./bench --exclude=./tests \
    --exclude=./state --exclude=./inboxfollow-demo --exclude='.*_cache' --exclude=./.hypothesis \
    . | tar -C "$work/src" -xf - || fail "cannot copy the source to $work/src"
step .venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/inboxfollow-*.whl)
echo "test-wheel: built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)" >&2
step python3 -m venv "$work/venv"
step "$work/venv/bin/python" -m pip install --quiet "$wheel"

# Run as a user would: from elsewhere, nothing of the checkout on the path, a fresh home.
mkdir -p "$work/user" "$work/home"
cd "$work/user"
unset PYTHONPATH INBOXFOLLOW_CONFIG XDG_CONFIG_HOME XDG_STATE_HOME
export HOME="$work/home"
app="$work/venv/bin/inboxfollow"

where=$("$work/venv/bin/python" -c 'import inboxfollow, sys; print(inboxfollow.__file__)')
case "$where" in
    "$work/venv/"*) ;;
    *) fail "inboxfollow was imported from $where, not from the fresh venv" ;;
esac
case "$(pwd)" in
    "$checkout"*) fail "the user folder $(pwd) is inside the checkout" ;;
esac

now=2026-03-10T09:00:00+01:00
later=2026-03-31T09:00:00+01:00
step "$app" --now "$now" demo --dir demo >demo.out
grep -q "Drafts (2 follow-up(s) due now)" demo.out || fail "demo made no drafts: $(cat demo.out)"
[ "$(ls demo/mail/.Drafts/cur | wc -l)" -eq 2 ] || fail "demo left no drafts in its Drafts folder"
step "$app" --config demo/inboxfollow.toml --now "$later" drafts --dry-run >drafts.out
grep -q "drafts: [1-9][0-9]* would be created" drafts.out \
    || fail "drafts --dry-run rendered nothing: $(cat drafts.out)"
step "$app" --config demo/inboxfollow.toml --now "$now" digest --preview digest.html >/dev/null
grep -q "<html" digest.html || fail "digest --preview wrote no HTML"
step "$app" --config demo/inboxfollow.toml --now "$now" digest --checklist --preview list.html \
    >/dev/null

# No config yet: exit 2, naming the XDG place and how to make one.
set +e
"$app" quotes >/dev/null 2>missing.err
code=$?
set -e
[ "$code" -eq 2 ] || fail "quotes without a config exited $code, not 2"
grep -q "$HOME/.config/inboxfollow/config.toml not found" missing.err \
    || fail "the missing-config error does not say where it looked: $(cat missing.err)"
grep -q "inboxfollow config --example" missing.err \
    || fail "the missing-config error does not say how to make one: $(cat missing.err)"
mkdir -p "$HOME/.config/inboxfollow"
step "$app" config --example >"$HOME/.config/inboxfollow/config.toml"
step "$app" config >config.out
grep -q "store: $HOME/.local/state/inboxfollow/inboxfollow.json" config.out \
    || fail "the example config does not keep its store in the XDG state folder: $(cat config.out)"

echo "test-wheel: the wheel installs and runs outside the checkout" >&2
