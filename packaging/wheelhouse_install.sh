#!/bin/sh
# Install Labeler from this wheelhouse into a new virtual environment, with no
# network: pip reads only the wheels in this folder, checks each one against
# its SHA-256 in requirements.lock, and ignores every pip configuration file
# and PIP_* variable of the machine.
#
# Usage: ./install.sh [VENV_DIR]     (default: ./labeler-venv)
#
# Environment:
#   PYTHON   interpreter for the virtual environment (default: python3). It must
#            be Python @PYTHON_VERSION@ with the venv module (Debian: python3-venv).
# Afterwards: VENV_DIR/bin/labeler self-test
set -eu

here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-labeler-venv}
python=${PYTHON:-python3}
expected_version=@PYTHON_VERSION@

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

actual_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
  fail "$python does not run; set PYTHON to a Python $expected_version interpreter"
[ "$actual_version" = "$expected_version" ] ||
  fail "the wheels are built for Python $expected_version, but $python is $actual_version"

echo "==> checking the files against SHA256SUMS"
(cd "$here" && sha256sum --check --quiet SHA256SUMS) ||
  fail "a file of the wheelhouse is missing or damaged; copy the folder again"

echo "==> creating the virtual environment $venv"
"$python" -m venv "$venv"

echo "==> installing from $here (no index, hashes required)"
# PIP_CONFIG_FILE=/dev/null stops pip from reading any configuration file;
# --isolated makes it ignore PIP_* variables such as PIP_FIND_LINKS.
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 "$venv/bin/python" -m pip install \
  --isolated --disable-pip-version-check --no-index --find-links "$here" \
  --require-hashes --only-binary=:all: -r "$here/requirements.lock"
PIP_CONFIG_FILE=/dev/null "$venv/bin/python" -m pip --isolated check

echo "==> installed: $venv/bin/labeler (try: $venv/bin/labeler self-test)"
