#!/usr/bin/env bash
# The one list of every Debian 12 package Switchboard needs, and an idempotent installer for it.
# Used by the README's two commands, by .ci/run and by deploy/. Installs only what is missing and
# runs `apt-get update` at most once per call.
#
#   scripts/packages.sh            install what is missing (build, run and test)
#   scripts/packages.sh --image    the same and what builds and runs the container image (deploy/)
#   scripts/packages.sh --list     print the names, one a line (--image's too)
set -euo pipefail

# Build tools.
build=(g++ cmake ninja-build pkg-config lld ccache git)
# Libraries (headers + runtime). Boost 1.81 component packages only: never libboost-dev (1.74).
libs=(libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      libboost-program-options1.81-dev
      libprotobuf-dev protobuf-compiler libhiredis-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
      libssl-dev libjemalloc-dev libargon2-dev
      libgmime-3.0-dev)  # email MIME parsing (channels/email/mime.hpp says why GMime)
# Runtime: the embedded default starts a private redis-server; redis-benchmark is the baseline.
# ca-certificates: the authorities the outbox checks the providers' certificates against.
runtime=(redis-server redis-tools ca-certificates)
# Tests and benchmarks.
# The e2e tests drive the binary with /usr/bin/python3 and a WebSocket client we did not write.
# Email: swaks sends to our SMTP listener (with Net::SSLeay for STARTTLS), aiosmtpd is the relay
# our outbox sends to, dkimpy checks our DKIM signatures, Dovecot is the IMAP server a mailbox is
# read from (a private instance per test; the tests start and stop it), dnspython answers as the
# DNS of the customers' domains when answers go out without a relay.
test=(googletest libgtest-dev libgmock-dev libbenchmark-dev python3 python3-websockets curl openssl
      swaks libnet-ssleay-perl libio-socket-ssl-perl python3-aiosmtpd python3-dkim dovecot-imapd python3-dnspython
      prometheus  # promtool checks GET /metrics; a real prometheus scrapes it (tests/e2e/test_metrics.py)
      haproxy     # the failure drill's load balancer (tests/drill/), and deploy/compose's
      yamllint python3-kubernetes docker-compose)  # deploy/ linted: YAML, the Kubernetes API schema, compose's schema
# bench/ws_load runs the same traffic through nginx with the nchan module (Redis-backed pub/sub over
# WebSocket) as the baseline a user might pick instead.
# bench/smtp_load runs Postfix (a private instance; its smtp-source is the load) as the baseline.
bench=(nginx-light libnginx-mod-nchan postfix)
# The web pages (web/) are tested and measured in Debian's Chromium, headless, driven by
# playwright-core (which never downloads a browser of its own). Node 20 and npm come with the
# machine (Debian 12's nodejs is 18, too old for Vite 8): scripts/dev.sh checks for them.
browser=(chromium fonts-dejavu-core)

# The container image (deploy/build-image.sh: buildah, or podman; debootstrap makes the Debian 12
# base where no registry is reachable) and deploy/compose.yaml brought up for real (ctest -L manual).
# Only with --image: neither CI nor the README's commands need them.
image=(buildah podman podman-compose runc debootstrap)

all=("${build[@]}" "${libs[@]}" "${runtime[@]}" "${test[@]}" "${bench[@]}" "${browser[@]}")

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${all[@]}" "${image[@]}"
  exit 0
fi
if [[ "${1:-}" == "--image" ]]; then all+=("${image[@]}"); fi

missing=()
for p in "${all[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "packages: all ${#all[@]} present"
  exit 0
fi

echo "packages: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# Postfix installed as a program only: no system mail server is set up or started.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | "${as_root[@]}" debconf-set-selections
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
