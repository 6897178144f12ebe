#!/usr/bin/env bash
# The README's two commands (and CI's): install what is missing, build, then run or test.
#
#   scripts/dev.sh serve    install, build, run `switchboard serve` on config/switchboard.yaml
#   scripts/dev.sh test     install, build, run every test; then again under ASan + UBSan
#   scripts/dev.sh build    install and build only
#
# Build folders: build/ (RelWithDebInfo) and build-asan/. ccache is keyed on paths relative to
# the checkout so fresh clones in new folders still hit it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command="${1:-}"
case "$command" in
  serve|test|build) ;;
  *) echo "usage: scripts/dev.sh serve|test|build" >&2; exit 2 ;;
esac

scripts/packages.sh
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

build() {  # build <dir> [cmake args...]
  local dir="$1"; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir"
}

case "$command" in
  build)
    build build -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=ON
    ;;
  serve)
    build build -DSWITCHBOARD_TESTS=OFF -DSWITCHBOARD_BENCH=OFF
    exec build/app/switchboard serve --config config/switchboard.yaml
    ;;
  test)
    # Explicit: a `serve` before may have configured build/ without tests.
    build build -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=ON
    ctest --test-dir build --output-on-failure -j 2
    echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -DSWITCHBOARD_SANITIZE=ON -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-asan --output-on-failure -j 2
    ;;
esac
