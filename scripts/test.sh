#!/usr/bin/env bash
# The whole test suite of Dijkwacht, runnable on a fresh machine with Rust and Python 3:
# it makes the reference-tool environment it needs (.venv-reference, PyPI's
# stix2-validator and friends) when that is missing, then checks formatting and lints,
# and runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-reference
requirements=scripts/reference-requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/.requirements"; then
    echo "== setting up the reference tools in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
fi
export DIJKWACHT_REFERENCE_PYTHON="$PWD/$venv/bin/python"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
