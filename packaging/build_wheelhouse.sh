#!/usr/bin/env bash
# Build an offline wheelhouse of Labeler for one target platform and Python
# version: the wheel of this checkout, binary wheels of every runtime
# dependency and of theirs, a hash-pinned requirements.lock, an install.sh that
# installs them with no network, a CycloneDX 1.5 SBOM (labeler.cdx.json) and
# SHA256SUMS over all of it. Copy the folder to the air-gapped machine and run
# its install.sh there.
#
# Usage: packaging/build_wheelhouse.sh [--platform TAG] [--python-version X.Y] [--output DIR]
#   --platform TAG        manylinux tag of the target (default: manylinux_2_36_x86_64,
#                         Debian 12's glibc 2.36). Wheels for any older glibc
#                         are accepted too, as pip does for the machine it runs on.
#   --python-version X.Y  Python version of the target (default: 3.11)
#   --output DIR          wheelhouse folder, replaced if it exists (default: dist/wheelhouse)
#
# Needs network access to PyPI while it runs. The dependencies come from
# pyproject.toml, resolved to the newest versions that have wheels for the target.
#
# Environment:
#   PYTHON   interpreter that runs pip and the helper script (default: python3)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

python=${PYTHON:-python3}
platform=manylinux_2_36_x86_64
python_version=3.11
output=dist/wheelhouse
# manylinux_2_17 is the oldest glibc tag that PEP 600 wheels use.
oldest_glibc_minor=17

log() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --platform) [[ $# -ge 2 ]] || fail "--platform needs a tag"; platform=$2; shift ;;
    --python-version) [[ $# -ge 2 ]] || fail "--python-version needs X.Y"; python_version=$2; shift ;;
    --output) [[ $# -ge 2 ]] || fail "--output needs a folder"; output=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

[[ $python_version =~ ^3\.[0-9]+$ ]] || fail "--python-version must look like 3.11, not $python_version"
if [[ ! $platform =~ ^manylinux_2_([0-9]+)_([a-z0-9_]+)$ ]]; then
  fail "--platform must look like manylinux_2_36_x86_64, not $platform"
fi
glibc_minor=${BASH_REMATCH[1]}
arch=${BASH_REMATCH[2]}
((glibc_minor >= oldest_glibc_minor)) || fail "--platform must be manylinux_2_17 or newer"

# pip matches --platform tags exactly, so list every glibc the target can run,
# newest first, plus manylinux2014 (the older name of manylinux_2_17).
platform_options=()
for ((minor = glibc_minor; minor >= oldest_glibc_minor; minor--)); do
  platform_options+=(--platform "manylinux_2_${minor}_${arch}")
done
platform_options+=(--platform "manylinux2014_${arch}")

pip=("$python" -m pip --disable-pip-version-check)
started=$SECONDS
rm -rf "$output"
mkdir -p "$output"

log "building the Labeler wheel from $repo_root"
# setuptools copies modules into build/lib and reuses that folder, so a module
# deleted from the checkout would still ship unless the folder is removed.
rm -rf build/lib build/bdist.*
"${pip[@]}" wheel --quiet --no-deps --wheel-dir "$output" .
labeler_wheels=("$output"/labeler-*.whl)
[[ -f ${labeler_wheels[0]} ]] || fail "pip wheel did not write a labeler wheel into $output"

log "downloading the dependencies for Python $python_version on $platform"
"${pip[@]}" download --quiet --only-binary=:all: --implementation cp \
  --python-version "$python_version" "${platform_options[@]}" \
  --dest "$output" "${labeler_wheels[0]}"

log "writing requirements.lock, the SBOM, install.sh and SHA256SUMS"
"$python" packaging/describe_wheelhouse.py "$output"
sed "s/@PYTHON_VERSION@/$python_version/" packaging/wheelhouse_install.sh >"$output/install.sh"
chmod +x "$output/install.sh"
checksums=$(cd "$output" && find . -maxdepth 1 -type f -printf '%P\n' | sort | xargs sha256sum)
printf '%s\n' "$checksums" >"$output/SHA256SUMS"

log "wheels:"
sed -n 's/ --hash=.*//p' "$output/requirements.lock" | sed 's/^/    /'
log "wheelhouse $output: $(du -sh "$output" | cut -f1), built in $((SECONDS - started)) s"
