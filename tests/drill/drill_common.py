"""What every part of the failure drill shares: the e2e helpers on the path (with the binary they
start), the log line, bounded waits, a process's gauges and /readyz. Owns no process and no client."""
import asyncio
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Before test_serve is imported: it reads SWITCHBOARD_BIN once, into BIN.
os.environ.setdefault("SWITCHBOARD_BIN", os.path.join(HERE, "..", "..", "build", "app", "switchboard"))
if os.path.join(HERE, "..", "e2e") not in sys.path:
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from test_serve import get  # noqa: E402

TEAM = "care"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


async def poll(predicate, what, limit):
    """Awaits a blocking predicate (run on a thread) turning true, polled every 50 ms, within
    `limit` seconds; returns the monotonic time it first held."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {limit} s waiting for {what}")


async def until(predicate, what, limit, quiet=False):
    """Awaits a cheap in-process predicate turning true (checked every 100 ms) within `limit` s.
    Returns True if it did; raises unless `quiet`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.1)
    if quiet:
        return False
    raise AssertionError(f"timed out after {limit} s waiting for {what}")


def metric(port, name):
    """A gauge of a process's GET /metrics, or None if it does not answer."""
    try:
        status, body = get(port, "/metrics")
    except OSError:
        return None
    if status != 200:
        return None
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def readyz(port):
    try:
        return get(port, "/readyz")
    except OSError:
        return (0, "")


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]
