#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: install missing Debian packages, configure, build.
# Sourced, not executed. Idempotent: does nothing slow when everything is present and up to date.
set -euo pipefail

LLMSIZER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LLMSIZER_BUILD_DIR="${LLMSIZER_BUILD_DIR:-$LLMSIZER_ROOT/build}"

llmsizer_packages=(
  cmake g++ ninja-build pkg-config
  libyaml-cpp-dev libeigen3-dev libcli11-dev doctest-dev libbenchmark-dev
  nlohmann-json3-dev libxlsxwriter-dev libfmt-dev
  pybind11-dev python3-pybind11 python3-pytest python3-dev
)

llmsizer_install_packages() {
  local missing=()
  for pkg in "${llmsizer_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "llmsizer: installing missing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

llmsizer_build() {
  # $@: extra cmake configure arguments
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  # ccache, where installed, makes rebuilds of an unchanged tree (a second clone, the sanitizer pass
  # after a clean checkout) cheap; it is optional and never installed by this script.
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$LLMSIZER_ROOT}"
  fi
  if [ ! -f "$LLMSIZER_BUILD_DIR/build.ninja" ]; then
    cmake -S "$LLMSIZER_ROOT" -B "$LLMSIZER_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${launcher[@]+"${launcher[@]}"} "$@" >&2
  fi
  cmake --build "$LLMSIZER_BUILD_DIR" -j "$jobs" ${LLMSIZER_BUILD_TARGETS[@]+"${LLMSIZER_BUILD_TARGETS[@]}"} >&2
}
