#!/usr/bin/env bash
# What one call of store/lua/append.lua costs inside Redis, beside two baselines measured in the
# same run on the same server: a script of only the six commands an append needs, and an empty
# script with the same arguments. Redis's own accounting (INFO commandstats, usec_per_call) is the
# figure: it excludes the network and the client. A private redis-server (AOF everysec) on a free
# loopback port, pinned to CPU 1, redis-benchmark on CPU 0; every call a customer message with a
# new idempotency key to one open conversation.
#
#   bench/append_cost/run.sh [appends per row, default 60000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=${1:-60000}
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
cli=(redis-cli -h 127.0.0.1 -p "$port")
cleanup() { "${cli[@]}" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
taskset -c 1 redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync everysec \
  --save '' --daemonize yes --logfile "$dir/log"
for _ in $(seq 50); do "${cli[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
ev=$(head -c 90 /dev/zero | tr '\0' 'x')  # an event's bytes (NUL-free: argv)
printf '%-14s %3s %10s %14s   %s\n' script P calls/s "usec/call" "inside: usec/call of each command"
for round in 1 2; do
  for script in "$here/../../store/lua/append.lua" "$here/six_commands.lua" "$here/empty.lua"; do
    name=$(basename "$script" .lua)
    sha=$("${cli[@]}" SCRIPT LOAD "$(cat "$script")")
    cu="cu-$name"
    args=(EVALSHA "$sha" 8 "sb:{g1}:dd:$cu:__rand_int__" "sb:{g1}:tl:$cu" "sb:{g1}:cu:$cu" "sb:{g1}:rr" "sb:{g1}:fence"
          "sb:{g1}:act" "sb:{g1}:audit" "sb:{g1}:bytime"
          current "conv-$name" "$cu" "$ev" 1795464017599 "k__rand_int__" 3600 3600000 "sb:{g1}:cv:" queued
          "resolved>queued,waiting_customer>assigned" queued "^awaiting_reply_since_ms" web 0 -)
    "${cli[@]}" "${args[@]}" >/dev/null  # opens the conversation
    for p in 16 64; do
      "${cli[@]}" CONFIG RESETSTAT >/dev/null
      rate=$(taskset -c 0 redis-benchmark -h 127.0.0.1 -p "$port" -c 1 -P "$p" -n "$N" -r 1000000000 --csv "${args[@]}" |
             tail -1 | awk -F'","' '{print $2}')
      stats=$("${cli[@]}" INFO commandstats | tr -d '\r')
      per_call=$(sed -nE 's/^cmdstat_evalsha:calls=[0-9]+,usec=[0-9]+,usec_per_call=([0-9.]+).*/\1/p' <<<"$stats")
      inside=$(grep -v evalsha <<<"$stats" | sed -nE 's/^cmdstat_([a-z]+):calls=[0-9]+,usec=[0-9]+,usec_per_call=([0-9.]+).*/\1 \2/p' |
               { grep -vE '^(config|info|script|ping) ' || true; } | tr '\n' ' ')
      printf '%-14s %3s %10s %14s   %s\n' "$name" "$p" "$rate" "$per_call" "$inside"
    done
  done
done
echo "timeline entries (each script's real appends): $("${cli[@]}" XLEN 'sb:{g1}:tl:cu-append') / $("${cli[@]}" XLEN 'sb:{g1}:tl:cu-six_commands')"
