#!/usr/bin/env bash
# Prepare this checkout for running Labeler and its tests on Debian or Ubuntu:
# the system libraries Qt loads, a virtual environment in .venv, and the
# project installed editable with its test extras. Running it again is safe: a
# rerun with nothing to install skips apt-get and pip.
#
# Usage: scripts/bootstrap.sh [--gui-tests]
#   --gui-tests   also require xvfb and xauth, which GUI tests and screenshots
#                 on the xcb platform need (xvfb-run)
#
# Environment:
#   PYTHON                      interpreter for the venv (default: python3)
#   LABELER_NO_APT              when set to any value, never run apt-get: list
#                               the missing packages and exit with status 1
#   LABELER_EXTRA_APT_PACKAGES  more Debian packages to require, space-separated
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

python=${PYTHON:-python3}
venv=.venv
# The project is reinstalled only when pyproject.toml is newer than this file.
install_stamp=$venv/.labeler-install-stamp

# Libraries that PySide6's Qt loads at start-up (offscreen and xcb platforms),
# plus one font so text renders. apt-get installs their own dependencies.
qt_packages=(
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0
  fonts-dejavu-core
)
gui_test_packages=(xvfb xauth)

log() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

is_python_supported() {
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

# Debian 13 and Ubuntu 24.04 renamed libraries whose ABI contains time_t by
# adding "t64" (libglib2.0-0 became libglib2.0-0t64), and there the old name
# conflicts with the new package. Either name satisfies a requirement.
# NOTE: only tested on Debian 12, which has no "t64" packages.
is_installed() {
  grep -Fxq -e "$1" -e "${1}t64" <<<"$installed_packages"
}

# Print the name to install for a package: the "t64" name where the archive
# has it, otherwise the name itself. Uses the package lists as they are.
resolve_package_name() {
  if apt-cache show "${1}t64" >/dev/null 2>&1; then
    printf '%s\n' "${1}t64"
  else
    printf '%s\n' "$1"
  fi
}

# Fill the global array `missing` with the names to install for the required
# packages that are not installed.
find_missing_packages() {
  local package
  installed_packages=$(dpkg-query -W -f='${db:Status-Abbrev}|${Package}\n' |
    awk -F'|' '$1 ~ /^.i/ { print $2 }')
  missing=()
  for package in "${required_packages[@]}"; do
    if ! is_installed "$package"; then
      missing+=("$(resolve_package_name "$package")")
    fi
  done
}

# Set `as_root` to the command prefix that runs apt-get as root, or return 1.
find_root_prefix() {
  if [[ $EUID -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo)
  else
    return 1
  fi
}

install_system_packages() {
  local sudo_prefix=""
  [[ $EUID -eq 0 ]] || sudo_prefix="sudo "

  if [[ -n ${LABELER_NO_APT+set} ]] || ! find_root_prefix; then
    printf 'error: missing system packages: %s\n' "${missing[*]}" >&2
    printf 'Install them with this command, then run %s again:\n' "$0" >&2
    printf '  %sapt-get update && %sapt-get install --no-install-recommends %s\n' \
      "$sudo_prefix" "$sudo_prefix" "${missing[*]}" >&2
    exit 1
  fi

  # The lock timeout waits for a background unattended-upgrades run to finish.
  local apt_get=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  log "updating the package lists (apt-get update)"
  "${as_root[@]}" "${apt_get[@]}" update
  # Resolve the names again, because the lists may have been empty before.
  find_missing_packages
  log "installing system packages: ${missing[*]}"
  "${as_root[@]}" "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"

  find_missing_packages
  if ((${#missing[@]})); then
    fail "apt-get finished, but these packages are still not installed: ${missing[*]}"
  fi
}

check_system_packages() {
  required_packages=("${qt_packages[@]}")
  if [[ $gui_tests == yes ]]; then
    required_packages+=("${gui_test_packages[@]}")
  fi
  # Word splitting is intended: the variable contains a space-separated list.
  # shellcheck disable=SC2206
  required_packages+=(${LABELER_EXTRA_APT_PACKAGES:-})

  # Debian's python3 ships without ensurepip, which `python -m venv` needs,
  # until python3-venv is installed.
  if [[ ! -x $venv/bin/python ]] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
    required_packages+=(python3-venv)
  fi

  if ! command -v dpkg-query >/dev/null; then
    printf 'warning: dpkg-query not found, so system packages are not checked.\n' >&2
    printf 'Install the equivalents of: %s\n' "${required_packages[*]}" >&2
    return
  fi

  log "checking system packages"
  find_missing_packages
  if ((${#missing[@]})); then
    install_system_packages
  fi
}

create_venv() {
  if [[ -x $venv/bin/python ]] && is_python_supported "$venv/bin/python"; then
    return
  fi
  if ! command -v "$python" >/dev/null; then
    fail "$python not found; install Python 3.11 or newer (apt-get install python3 python3-venv)"
  fi
  if ! is_python_supported "$python"; then
    fail "Labeler needs Python 3.11 or newer, but $python is $("$python" -V 2>&1); set PYTHON to a newer interpreter"
  fi

  log "creating the virtual environment in $venv with $("$python" -V 2>&1)"
  # --clear replaces a venv that is broken or was made by an older Python.
  "$python" -m venv --clear "$venv"
}

install_project() {
  if [[ ! pyproject.toml -nt $install_stamp ]]; then
    return
  fi
  log "installing Labeler and its test dependencies into $venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -e '.[test]'
  touch "$install_stamp"
}

# Print the shared libraries that QtWidgets and one platform plugin need but
# cannot find. ldd lists the whole dependency tree, not only direct needs.
list_unresolved_qt_libraries() {
  local platform=$1 qt_dir
  qt_dir=$("$venv/bin/python" -c 'import os, PySide6; print(os.path.dirname(PySide6.__file__))')/Qt
  LD_LIBRARY_PATH="$qt_dir/lib" ldd "$qt_dir/lib/libQt6Widgets.so.6" \
    "$qt_dir/plugins/platforms/libq$platform.so" 2>/dev/null |
    awk '/not found/ { print $1 }' | sort -u
}

# Start a QApplication on one platform and fail with Qt's own message if it
# cannot start. The remaining arguments wrap the command, for example xvfb-run.
check_qt_starts() {
  local platform=$1 output
  shift
  if output=$(QT_QPA_PLATFORM=$platform "$@" "$venv/bin/python" -c '
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
sys.exit(app.platformName() != sys.argv[1])
' "$platform" 2>&1); then
    return
  fi

  printf 'error: Qt cannot start on the %s platform:\n%s\n' "$platform" "$output" >&2
  local unresolved
  unresolved=$(list_unresolved_qt_libraries "$platform")
  if [[ -n $unresolved ]]; then
    printf 'Libraries Qt cannot find: %s\n' "$(tr '\n' ' ' <<<"$unresolved")" >&2
  fi
  printf 'Run again with QT_DEBUG_PLUGINS=1 in the environment for details.\n' >&2
  exit 1
}

gui_tests=no
while (($#)); do
  case $1 in
    --gui-tests) gui_tests=yes ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

check_system_packages
create_venv
install_project

log "checking that Qt starts (offscreen platform)"
check_qt_starts offscreen
if [[ $gui_tests == yes ]]; then
  log "checking that Qt starts (xcb platform under xvfb-run)"
  check_qt_starts xcb xvfb-run --auto-servernum
fi
log "ready: $repo_root/$venv"
