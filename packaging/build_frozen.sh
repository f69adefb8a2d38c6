#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle of Labeler in dist/labeler from
# labeler.spec, then run `labeler --version` and `labeler self-test` from it
# with no display, a minimal environment and no network (a new network
# namespace that has only a loopback interface, which is down).
#
# Usage: packaging/build_frozen.sh [--wheelhouse DIR] [--no-build]
#   --wheelhouse DIR  install the runtime dependencies from a wheelhouse made by
#                     packaging/build_wheelhouse.sh (its requirements.lock, with
#                     hashes and no index) instead of resolving them on PyPI
#   --no-build        only run the checks on an existing dist/labeler
#
# The build tools (packaging/requirements-build.txt) and the runtime
# dependencies go into their own virtual environment, build/frozen-venv, so
# the developer's .venv is left alone. Labeler itself is bundled from this
# checkout. Needs Python 3.11 or newer with a shared libpython, and
# `unshare` (util-linux); as a non-root user, unprivileged user namespaces.
#
# Environment:
#   PYTHON   interpreter for build/frozen-venv (default: python3)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

python=${PYTHON:-python3}
venv=build/frozen-venv
dist=dist/labeler
wheelhouse=""
build=yes

log() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --wheelhouse) [[ $# -ge 2 ]] || fail "--wheelhouse needs a folder"; wheelhouse=$2; shift ;;
    --no-build) build=no ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

# Print the runtime requirements from pyproject.toml, one per line.
list_runtime_requirements() {
  "$venv/bin/python" -c '
import tomllib
with open("pyproject.toml", "rb") as file:
    print("\n".join(tomllib.load(file)["project"]["dependencies"]))'
}

create_build_venv() {
  if [[ ! -x $venv/bin/python ]]; then
    log "creating $venv with $("$python" -V 2>&1)"
    "$python" -m venv --clear "$venv"
  fi
  local pip=("$venv/bin/python" -m pip install --disable-pip-version-check -q)
  log "installing the build tools (packaging/requirements-build.txt)"
  "${pip[@]}" -r packaging/requirements-build.txt
  if [[ -n $wheelhouse ]]; then
    log "installing the runtime dependencies from the wheelhouse $wheelhouse"
    # Labeler comes from this checkout, so its own wheel is left out.
    grep -v '^labeler==' "$wheelhouse/requirements.lock" >build/frozen-requirements.lock
    "${pip[@]}" --isolated --no-index --find-links "$wheelhouse" --require-hashes \
      -r build/frozen-requirements.lock
  else
    log "installing the runtime dependencies listed in pyproject.toml"
    list_runtime_requirements >build/frozen-requirements.txt
    "${pip[@]}" -r build/frozen-requirements.txt
  fi
}

build_bundle() {
  mkdir -p build
  create_build_venv
  log "running PyInstaller on labeler.spec"
  local started=$SECONDS
  "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller labeler.spec
  log "PyInstaller finished in $((SECONDS - started)) s"
}

check_bundle_contents() {
  local platforms=$dist/_internal/PySide6/Qt/plugins/platforms
  [[ -x $dist/labeler ]] || fail "$dist/labeler does not exist; build it first"
  log "Qt platform plugins: $(cd "$platforms" && echo *)"
  for name in offscreen xcb minimal; do
    [[ -f $platforms/libq$name.so ]] || fail "the $name platform plugin is not in $platforms"
  done
  # labeler.spec removes Qt libraries that only unused plugins load; a Qt
  # library some bundled file still needs must not be among them.
  local unresolved
  unresolved=$(find "$dist/_internal/PySide6" -name '*.so*' -type f -exec ldd {} + 2>/dev/null |
    awk '/libQt6.* => not found/ { print $1 }' | sort -u)
  [[ -z $unresolved ]] || fail "bundled Qt files need Qt libraries that are not bundled: $unresolved"
  if [[ -n $(find "$dist" -name 'libQt6Network*' -print -quit) ]]; then
    fail "libQt6Network was bundled; labeler.spec should leave it out"
  fi
  if [[ -e $dist/_internal/pydicom/data/test_files ]]; then
    fail "pydicom's test files were bundled; labeler.spec should leave them out"
  fi
  log "size of $dist: $(du -sh "$dist" | cut -f1) in $(find "$dist" -type f | wc -l) files"
}

# Run a command with no display, a minimal environment and no network.
run_isolated() {
  local isolate=(unshare --net)
  [[ $EUID -eq 0 ]] || isolate=(unshare --map-root-user --net)
  env -i PATH=/usr/bin:/bin HOME="$scratch/home" TMPDIR="$scratch/tmp" LANG=C.UTF-8 \
    "${isolate[@]}" "$@"
}

run_checks() {
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir "$scratch/home" "$scratch/tmp"
  log "network interfaces inside the namespace:"
  # shellcheck disable=SC2016 # $1 is awk's field, not a shell variable.
  run_isolated awk 'NR > 2 { sub(":", "", $1); print "    " $1 }' /proc/self/net/dev
  log "$dist/labeler --version"
  run_isolated "$dist/labeler" --version
  log "$dist/labeler self-test"
  local started=$SECONDS
  run_isolated "$dist/labeler" self-test
  log "self-test passed in $((SECONDS - started)) s (no display, no network)"
  if [[ -n $(ls -A "$scratch/tmp") ]]; then
    find "$scratch/tmp" -mindepth 1 -maxdepth 2 >&2
    fail "the frozen self-test left the files above in its TMPDIR"
  fi
}

if [[ $build == yes ]]; then
  build_bundle
fi
check_bundle_contents
run_checks
log "ready: $repo_root/$dist"
