#!/usr/bin/python3
"""bench/report_load: does a KPI report over a month of a busy team's data stall live chat?

    /usr/bin/python3 bench/report_load.py [--build build] [--conversations 100000] [--days 30]
        [--window-days 5] [--seconds 20] [--rate 50] [--reports 3] [--baseline-bin [NAME=]PATH]...

Starts a private redis-server (AOF everysec) on a free loopback port in a temporary folder, seeds
it through the real append path (build/bench/report_seed: --conversations over --days, 8-15 events
each), then for each binary (this build's `switchboard`, and each --baseline-bin, e.g. the code
before reports left the live path) starts `switchboard serve` against it and runs a live chat: a
customer on a WebSocket sends --rate messages a second (paced, whatever the answers) and an agent
who accepted the conversation answers each. Measured, in milliseconds: the customer's ack (send ->
ack: stored), the delivery to the agent (send -> the agent's event) and the agent's reply ack —
first with no report running, then while GET /v1/reports/kpis?by=agent&interval=day runs over and
over (in another process, one at a time) for the last --window-days (a period the old 20,000
conversation cap allows) and for the whole period. Only messages sent while a report was in flight
count for the report columns. Each phase lasts --seconds and at least --reports reports (at most 10
minutes). Prints the figures side by side with each report's duration. Every process it starts is
stopped at the end; every wait is bounded.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

SECRET = "report-load-secret-0123456789abcdef"
DAY_MS = 86_400_000
PHASE_LIMIT_S = 600
WS = "switchboard.v1.json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(role, sub, teams):
    def b64e(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    header = b64e(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "load"}).encode())
    claims = {"sub": sub, "role": role, "teams": teams, "iss": "switchboard", "aud": "switchboard",
              "exp": int(time.time()) + 7200}
    payload = b64e(json.dumps(claims).encode())
    sig = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64e(sig)}"


def http(port, path, tok=None, method="GET", timeout=600):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=b"" if method == "POST" else None)
    if tok:
        req.add_header("Authorization", "Bearer " + tok)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def wait_until(ok, what, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def stop(proc, grace=15):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))]


# ---- the report loop, in a process of its own (its waiting and parsing never touch the chat's) ----

def report_loop(port, query, reports, seconds):
    """GET the report until `reports` are done and `seconds` have passed (at most PHASE_LIMIT_S);
    one JSON line per report: its start and end (monotonic), status, size and conversations."""
    tok = token("admin", "admin-1", [])
    start = time.monotonic()
    done = 0
    while time.monotonic() - start < PHASE_LIMIT_S:
        if done >= reports and time.monotonic() - start >= seconds:
            break
        t0 = time.monotonic()
        status, body = http(port, "/v1/reports/kpis?" + query, tok)
        t1 = time.monotonic()
        conversations = None
        if status == 200:
            conversations = sum(r["conversations"] for r in json.loads(body)["rows"])
        line = {"start": t0, "end": t1, "status": status, "bytes": len(body), "conversations": conversations}
        if status != 200:
            line["body"] = body[:200].decode(errors="replace")
        print(json.dumps(line), flush=True)
        done += 1
        if status != 200 and status != 503:
            break  # refused (e.g. too many conversations for this binary): once is enough


# ---- the live chat ----

class Chat:
    """A customer who writes `rate` messages a second and an agent who answers each one."""

    def __init__(self, port, rate, agent):
        self.port, self.rate, self.agent_id = port, rate, agent
        self.sent = {}        # n -> monotonic send time
        self.replied = {}     # n -> monotonic send time of the agent's reply
        self.samples = {"customer ack": [], "delivery to agent": [], "agent reply ack": []}  # (sent at, ms)
        self.errors = 0

    async def open(self):
        url = f"ws://127.0.0.1:{self.port}/v1/ws?access_token="
        self.agent = await websockets.connect(url + token("agent", self.agent_id, ["load"]), subprotocols=[WS],
                                              open_timeout=30, max_size=None)
        await self.agent.send(json.dumps({"requestId": "st", "setStatus": {"status": "AVAILABLE"}}))
        status, body = http(self.port, "/v1/visitors", method="POST", timeout=10)
        assert status == 200, body
        self.customer = await websockets.connect(url + json.loads(body)["token"], subprotocols=[WS],
                                                 open_timeout=30, max_size=None)
        await self.customer.send(json.dumps({"requestId": "open", "sendMessage": {
            "message": {"body": "hello", "clientMessageId": "open"}}}))
        self.conversation = None
        deadline = time.monotonic() + 30
        while self.conversation is None:  # the router offers it to the agent, who accepts
            if time.monotonic() > deadline:
                raise RuntimeError("the live conversation was never offered")
            frame = json.loads(await asyncio.wait_for(self.agent.recv(), 30))
            if "offer" in frame:
                self.conversation = frame["offer"]["conversationId"]
                await self.agent.send(json.dumps({"requestId": "take", "answerOffer": {
                    "conversationId": self.conversation, "accept": True}}))
        self.readers = [asyncio.create_task(self.read_customer()), asyncio.create_task(self.read_agent())]

    async def read_customer(self):
        async for raw in self.customer:
            frame = json.loads(raw)
            rid = frame.get("requestId", "")
            if rid.startswith("m") and rid[1:].isdigit():
                n = int(rid[1:])
                if "ack" in frame and n in self.sent:
                    self.samples["customer ack"].append((self.sent[n], 1000 * (time.monotonic() - self.sent[n])))
                elif "error" in frame:
                    self.errors += 1

    async def read_agent(self):
        async for raw in self.agent:
            now = time.monotonic()
            frame = json.loads(raw)
            rid = frame.get("requestId", "")
            if rid.startswith("r") and rid[1:].isdigit():
                n = int(rid[1:])
                if "ack" in frame and n in self.replied:
                    self.samples["agent reply ack"].append((self.replied[n], 1000 * (now - self.replied[n])))
                elif "error" in frame:
                    self.errors += 1
                continue
            body = frame.get("event", {}).get("message", {}).get("body", "")
            if body.startswith("t") and body[1:].isdigit() and int(body[1:]) in self.sent:
                n = int(body[1:])
                self.samples["delivery to agent"].append((self.sent[n], 1000 * (now - self.sent[n])))
                self.replied[n] = time.monotonic()
                await self.agent.send(json.dumps({"requestId": f"r{n}", "sendMessage": {
                    "conversationId": self.conversation,
                    "message": {"body": "on it", "clientMessageId": f"r{n}"}}}))

    async def run_for(self, seconds):
        """Sends at `rate` for `seconds` (paced by the clock, whatever the answers)."""
        start = time.monotonic()
        n0 = len(self.sent)
        while time.monotonic() - start < seconds:
            due = int(self.rate * (time.monotonic() - start))
            while len(self.sent) - n0 < due:
                n = len(self.sent)
                self.sent[n] = time.monotonic()
                await self.customer.send(json.dumps({"requestId": f"m{n}", "sendMessage": {
                    "conversationId": self.conversation,
                    "message": {"body": f"t{n}", "clientMessageId": f"c{n}"}}}))
            await asyncio.sleep(0.002)

    async def close(self):
        for ws in (self.customer, self.agent):
            await ws.close()
        for t in self.readers:
            t.cancel()


def dwell(port):
    """The gateway's own dwell histogram (frame read -> stored -> ack queued, customer messages) from
    GET /metrics/dwell (its fine buckets): [(upper bound in ms, cumulative count)]."""
    status, body = http(port, "/metrics/dwell", timeout=10)
    out = []
    for line in body.decode().splitlines():
        if line.startswith("switchboard_gateway_dwell_seconds_bucket{le=") and "+Inf" not in line:
            le, count = line.split('le="', 1)[1].split('"} ')
            out.append((1000 * float(le), int(count)))
    return out


def dwell_figures(before, after):
    """p50 / p99 / max (bucket upper bounds, within 12.5%) and count between two scrapes."""
    cumulative = [(le, a - b) for (le, a), (_, b) in zip(after, before)]
    total = cumulative[-1][1] if cumulative else 0
    def first_reaching(n):
        return next((le for le, c in cumulative if c >= n), float("nan")) if total else float("nan")
    return first_reaching(0.5 * total), first_reaching(0.99 * total), first_reaching(total), total


def rss_mib(pid):
    """The process's resident memory, MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def figures(chat, during):
    """p50 / p99 / max and count of each measure, over the messages sent in one of `during`."""
    out = {}
    for name, samples in chat.samples.items():
        ms = [lat for sent, lat in samples if any(a <= sent <= b for a, b in during)]
        out[name] = (percentile(ms, 0.5), percentile(ms, 0.99), max(ms) if ms else float("nan"), len(ms))
    return out


async def measure(port, pid, args, windows, end_ms):
    """The chat's figures with no report, then during each window's reports; each report's line."""
    chat = Chat(port, args.rate, f"live-agent-{port}")  # a fresh agent: the last run's holds its chat
    await chat.open()
    await chat.run_for(2)  # warm-up, not counted
    phases = []
    t0, d0 = time.monotonic(), dwell(port)
    await chat.run_for(args.seconds)
    phases.append(("no report", [(t0, time.monotonic())], [], dwell_figures(d0, dwell(port))))
    for label, from_ms in windows:
        query = f"from={from_ms}&to={end_ms + 1}&by=agent&interval=day"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--report-loop", str(port), query, str(args.reports),
            str(args.seconds), stdout=asyncio.subprocess.PIPE)
        output = asyncio.create_task(proc.stdout.read())
        d0 = dwell(port)
        rss = [rss_mib(pid)]
        deadline = time.monotonic() + PHASE_LIMIT_S + 120
        while not output.done() and time.monotonic() < deadline:
            await chat.run_for(0.25)
            rss.append(rss_mib(pid))
        if not output.done():
            proc.kill()
        await proc.wait()
        server = dwell_figures(d0, dwell(port))
        lines = [json.loads(line) for line in (await output).decode().splitlines() if line.strip()]
        during = [(r["start"], r["end"]) for r in lines if r["status"] == 200]
        if lines:
            lines[0]["rss"] = (rss[0], max(rss))
        phases.append((label, during, lines, server))
    await asyncio.sleep(2)  # the last answers come in
    await chat.close()
    sent = len(chat.sent)
    acked = len(chat.samples["customer ack"])
    out = []
    for label, during, lines, server in phases:
        f = figures(chat, during)
        f["gateway dwell (server)"] = server if during else (float("nan"),) * 3 + (0,)
        out.append((label, f, lines))
    return out, sent - acked, chat.errors


def settle(redis_port):
    """Rewrites the AOF the seeding grew (a fork and a write of ~1 GB) and waits until it is done,
    so that no rewrite runs while the chat is measured."""
    def info():
        out = subprocess.run(["redis-cli", "-p", str(redis_port), "INFO", "persistence"], capture_output=True,
                             text=True, timeout=10).stdout
        return dict(line.strip().split(":", 1) for line in out.splitlines() if ":" in line)
    wait_until(lambda: info().get("aof_rewrite_in_progress") == "0", "an AOF rewrite in progress", 600)
    subprocess.run(["redis-cli", "-p", str(redis_port), "BGREWRITEAOF"], capture_output=True, timeout=10)
    wait_until(lambda: info().get("aof_rewrite_in_progress") == "0" and info().get("aof_rewrite_scheduled") == "0",
               "the AOF rewrite", 600)


def serve(binary, folder, redis_port, agents):
    port = free_port()
    config = os.path.join(folder, "switchboard.yaml")
    with open(config, "w") as f:
        f.write(f"""server: {{http_port: {port}, threads: 2, idle_timeout_seconds: 900, frames_per_second: 1000,
  frame_burst: 1000, user_frames_per_second: 1000, user_frame_burst: 1000}}
redis: {{url: "redis://127.0.0.1:{redis_port}", command_timeout_ms: 5000}}
store: {{shard_groups: 256, key_prefix: sb}}
log: {{level: warn}}
auth: {{keys: [{{kid: load, secret: {SECRET}}}]}}
queues: [{{name: load, team: load, policy: {{offer_timeout_seconds: 300, service_level_seconds: 20}}}}]
agents:
""")
        for i in range(agents):
            f.write(f"  - {{id: a{i}, teams: [load], capacity: [{{channel: web, max_concurrent: 5}}]}}\n")
    log = open(os.path.join(folder, "switchboard.log"), "wb")
    proc = subprocess.Popen([binary, "serve", "--config", config], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: http(port, "/readyz", timeout=2)[0] == 200, binary + " /readyz", 60)
        time.sleep(1.5)  # the router takes its lease
    except Exception:
        stop(proc)
        raise
    return proc, port


def print_table(args, seeded, systems):
    print(f"report_load: {seeded}; Redis AOF everysec; 2 gateway threads")
    print(f"chat: a customer sends {args.rate} msgs/s, an agent answers each; ms p50 / p99 / max (samples);"
          f" reports: GET /v1/reports/kpis?by=agent&interval=day, one at a time, over and over")
    width = 34
    print(f"{'':40}" + "".join(f"{name:>{width}}" for name, _ in systems))
    labels = [label for label, _, _ in systems[0][1][0]]
    for i, label in enumerate(labels):
        for measure_name in ("customer ack", "delivery to agent", "agent reply ack", "gateway dwell (server)"):
            row = f"{label if measure_name == 'customer ack' else '':16}{measure_name:24}"
            for _, (phases, _, _) in systems:
                p50, p99, mx, n = phases[i][1][measure_name]
                cell = f"{p50:.2f} / {p99:.2f} / {mx:.2f} ({n})" if n else "-"
                row += f"{cell:>{width}}"
            print(row)
        if i == 0:
            continue
        row = f"{'':16}{'report duration s':24}"
        for _, (phases, _, _) in systems:
            lines = phases[i][2]
            ok = [r["end"] - r["start"] for r in lines if r["status"] == 200]
            if ok:
                convs = lines[0]["conversations"] if lines[0]["status"] == 200 else None
                cell = f"{min(ok):.2f}-{max(ok):.2f} x{len(ok)}, {convs} conv."
            else:
                cell = f"HTTP {lines[0]['status'] if lines else '-'}" + (
                    " " + json.loads(lines[0]["body"]).get("code", "") if lines and "body" in lines[0] else "")
            row += f"{cell:>{width}}"
        print(row)
        row = f"{'':16}{'server RSS MiB':24}"
        for _, (phases, _, _) in systems:
            lines = phases[i][2]
            cell = f"{lines[0]['rss'][0]:.0f} -> max {lines[0]['rss'][1]:.0f}" if lines and "rss" in lines[0] else "-"
            row += f"{cell:>{width}}"
        print(row)
    row = f"{'messages never acked, errors':40}"
    for _, (_, lost, errors) in systems:
        row += f"{f'{lost}, {errors}':>{width}}"
    print(row)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    p.add_argument("--conversations", type=int, default=100_000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--window-days", type=int, default=5)
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--reports", type=int, default=3)
    p.add_argument("--baseline-bin", action="append", default=[], metavar="[NAME=]PATH",
                   help="another switchboard binary, measured the same way on the same data (repeatable)")
    p.add_argument("--report-loop", nargs=4, metavar=("PORT", "QUERY", "REPORTS", "SECONDS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.report_loop:
        port, query, reports, seconds = args.report_loop
        return report_loop(int(port), query, int(reports), float(seconds))
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="sb-report-load-")
    redis = server = None
    try:
        redis_port = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", tmp,
                                  "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                                  "--logfile", os.path.join(tmp, "redis.log")])
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "PING"], capture_output=True,
                                          timeout=5).stdout.strip() == b"PONG", "redis-server", 30)
        end_ms = int(time.time() * 1000)
        seed = subprocess.run([os.path.join(build, "bench", "report_seed"), "--port", str(redis_port),
                               "--conversations", str(args.conversations), "--days", str(args.days),
                               "--agents", str(args.agents), "--end-ms", str(end_ms)],
                              capture_output=True, timeout=3600, text=True)
        if seed.returncode != 0:
            raise RuntimeError("report_seed failed: " + seed.stdout + seed.stderr[-2000:])
        seeded = seed.stdout.strip().splitlines()[-1].removeprefix("report_seed: ")
        print("seeded:", seeded, flush=True)
        settle(redis_port)
        windows = [(f"report {args.window_days} days", end_ms - args.window_days * DAY_MS),
                   (f"report {args.days} days", end_ms - args.days * DAY_MS - 1)]
        binaries = [("this build", os.path.join(build, "app", "switchboard"))]
        for i, spec in enumerate(args.baseline_bin):
            name, _, path = spec.rpartition("=")
            binaries.append((name or f"baseline {i + 1}", os.path.abspath(path)))
        systems = []
        for name, binary in binaries:
            folder = os.path.join(tmp, name.replace(" ", "-"))
            os.makedirs(folder)
            server, port = serve(binary, folder, redis_port, args.agents)
            print(f"measuring {name} ({binary})", flush=True)
            try:
                systems.append((name, asyncio.run(measure(port, server.pid, args, windows, end_ms))))
            except Exception as e:  # one system failing leaves the others' figures
                print(f"{name}: failed: {e!r}", flush=True)
            stop(server)
            server = None
        if systems:
            print_table(args, seeded, systems)
    finally:
        stop(server)
        stop(redis)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
