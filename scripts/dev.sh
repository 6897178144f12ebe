#!/usr/bin/env bash
# The README's two commands (and CI's): install what is missing, build, then run or test.
#
#   scripts/dev.sh serve    install, build (web/ too), run `switchboard serve` on config/switchboard.yaml
#   scripts/dev.sh test     install, build, run every test (the browser's too); then again under ASan + UBSan
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

# The web pages (web/dist: landing, shop, desk, console, widget.js), which `serve` serves. Node 20+
# and npm come with the machine (Debian 12's own nodejs is 18, too old for Vite 8). `npm ci`
# installs exactly the lockfile's versions, again only when the lockfile changed; no browser is
# ever downloaded (the tests drive Debian's /usr/bin/chromium).
build_web() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "dev.sh: Node.js 20+ and npm are needed to build web/ (not found on PATH)" >&2
    exit 1
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < 20)); then
    echo "dev.sh: Node.js 20+ is needed to build web/ (found $(node --version))" >&2
    exit 1
  fi
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [[ ! -f web/node_modules/.package-lock.json || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run --silent build >/dev/null)
  echo "web: built web/dist"
}

build() {  # build <dir> [cmake args...]
  local dir="$1"; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir"
}

case "$command" in
  build)
    build_web
    build build -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=ON
    ;;
  serve)
    build_web
    build build -DSWITCHBOARD_TESTS=OFF -DSWITCHBOARD_BENCH=OFF
    exec build/app/switchboard serve --config config/switchboard.yaml
    ;;
  test)
    build_web
    # Explicit: a `serve` before may have configured build/ without tests.
    build build -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=ON
    # "manual": tests that need what CI has not (deploy.compose: the images of deploy/build-image.sh).
    ctest --test-dir build --output-on-failure -j 2 -LE manual
    echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer (the web's own tests ran above)"
    build build-asan -DSWITCHBOARD_SANITIZE=ON -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCH=OFF \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-asan --output-on-failure -j 2 -LE "web|manual|drill|cluster"
    ;;
esac
