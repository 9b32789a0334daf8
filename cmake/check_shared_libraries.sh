#!/bin/sh
# The shared libraries an executable names (DT_NEEDED) must be exactly the expected ones: the start-up
# test of cmake/startup.cmake. Usage: check_shared_libraries.sh EXECUTABLE LIBRARY...
set -eu
executable=$1
shift
# The dynamic loader (ld-linux-*) is mapped for every dynamically linked executable anyway.
needed=$(readelf -d "$executable" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^ld-linux' | sort)
expected=$(printf '%s\n' "$@" | sort)
if [ "$needed" != "$expected" ]; then
  echo "$executable loads at start-up:" $needed
  echo "expected:" $expected
  echo "(docs/performance.md, start-up: every shared library costs mapping and symbol relocation)"
  exit 1
fi
