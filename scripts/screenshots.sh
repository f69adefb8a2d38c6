#!/usr/bin/env bash
# Build the demo workspace in a temporary folder and take the documentation
# screenshots (docs/screenshots/main-window.png, sign-in.png, locked.png) of
# the real client under Xvfb on the xcb platform.
#
# Usage: scripts/screenshots.sh [OUTPUT_FOLDER]   (default: docs/screenshots)
# Needs: .venv (scripts/bootstrap.sh --gui-tests) and xvfb-run.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
output=${1:-docs/screenshots}

command -v xvfb-run >/dev/null || {
  echo "error: xvfb-run is missing; run scripts/bootstrap.sh --gui-tests" >&2
  exit 1
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
workspace=$scratch/demo-workspace

echo "==> building the demo workspace in $workspace"
.venv/bin/labeler demo --workspace "$workspace" --no-open >/dev/null

echo "==> taking screenshots into $output"
mkdir -p "$output"
# Settings go to the scratch folder so the user's own client settings are
# neither read nor changed.
XDG_CONFIG_HOME=$scratch/config LABELER_LOG_DIR=$scratch/logs QT_QPA_PLATFORM=xcb \
  xvfb-run -a -s "-screen 0 1600x1000x24" \
  .venv/bin/python scripts/take_screenshots.py --workspace "$workspace" --output "$output"
