#!/usr/bin/python3
"""bench/smtp_load: how many mails a second does Switchboard's SMTP listener accept *and store*,
and how long does each wait for its 250, beside Postfix accepting the same mails into its queue on
the same machine in the same run?

    /usr/bin/python3 bench/smtp_load.py [--build build] [--messages 4000] [--sessions 16] [--size 2048]
        [--latency-messages 1000]

Run as root (a private Postfix instance needs it), with Debian's postfix installed (its
smtp-source is the load for both servers). Starts, in a temporary folder, on free loopback ports:
a redis-server (AOF; once with appendfsync everysec, Switchboard's default, once with always, a
disk write per mail as Postfix's queue does), `switchboard serve --roles gateway` against it with
one inbox, and a Postfix instance of its own (its queue in the folder, every mail discarded once
queued). For each server:
  - throughput: `smtp-source -s SESSIONS -m MESSAGES -l SIZE` (each mail a new one, Postfix's own
    load generator), wall time → mails/s; then checks that every mail was stored (Switchboard's
    /metrics, Postfix's log);
  - latency: SESSIONS asyncio clients (this script) sending --latency-messages mails in all, each
    timed from the end of its DATA (".") to the 250: p50, p99, max in ms.
Prints one table. Every process it starts is stopped at the end; every wait is bounded.
"""
import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SECRET = "smtp-load-reply-secret-0123456789abcdef"
WAIT_S = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, limit=WAIT_S):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Procs:
    def __init__(self):
        self.stops = []

    def spawn(self, args, log, **kw):
        p = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT, **kw)
        self.stops.append(lambda: (p.send_signal(signal.SIGTERM), p.wait(30)))
        return p

    def stop(self):
        for s in reversed(self.stops):
            try:
                s()
            except Exception as e:  # keep stopping the rest
                print("stop:", e, file=sys.stderr)


def start_redis(procs, folder, fsync):
    port = free_port()
    d = os.path.join(folder, f"redis-{fsync}")
    os.makedirs(d)
    procs.spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--appendonly", "yes",
                 "--appendfsync", fsync, "--save", ""], os.path.join(d, "log"))
    wait_for(lambda: port_open(port), "redis-server")
    return port


def start_switchboard(procs, folder, binary, redis_port, name):
    d = os.path.join(folder, name)
    os.makedirs(d)
    http = free_port()
    cfg = os.path.join(d, "switchboard.yaml")
    with open(cfg, "w") as f:
        f.write(f"""server: {{http_port: {http}}}
redis: {{url: "redis://127.0.0.1:{redis_port}"}}
channels:
  media: {{folder: {d}/blobs}}
  email:
    smtp_listen: 127.0.0.1:0
    max_connections: 1000
    inboxes: [{{address: support@example.com}}]
    reply_secret: {SECRET}
""")
    log = os.path.join(d, "serve.log")
    procs.spawn([binary, "serve", "--config", cfg, "--roles", "gateway"], log)
    found = []

    def listening():
        m = re.search(r"smtp listening on 127\.0\.0\.1:(\d+)", open(log).read())
        if m:
            found.append(int(m.group(1)))
        return bool(m)
    wait_for(listening, "switchboard's smtp listener")
    return found[0], http


def stored_by_switchboard(http):
    text = urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10).read().decode()
    m = re.search(r'switchboard_mail_received_total\{outcome="stored"\} (\d+)', text)
    return int(m.group(1)) if m else 0


def start_postfix(procs, folder):
    d = os.path.join(folder, "postfix")
    etc, queue, data = (os.path.join(d, x) for x in ("etc", "queue", "data"))
    for x in (etc, queue, data):
        os.makedirs(x)
    shutil.chown(data, "postfix")
    port = free_port()
    master = open("/etc/postfix/master.cf").read()
    master = re.sub(r"^smtp\s+inet\s.*smtpd$", f"127.0.0.1:{port} inet n - n - - smtpd", master, count=1, flags=re.M)
    open(os.path.join(etc, "master.cf"), "w").write(master)
    shutil.copy("/etc/postfix/dynamicmaps.cf", etc)
    open(os.path.join(etc, "main.cf"), "w").write(f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.localdomain
mydestination = example.com
local_transport = discard:
default_transport = discard:
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
default_process_limit = 200
""")
    subprocess.run(["postfix", "-c", etc, "start"], check=True, capture_output=True, timeout=60)
    procs.stops.append(lambda: subprocess.run(["postfix", "-c", etc, "stop"], capture_output=True, timeout=60))
    wait_for(lambda: port_open(port), "postfix")
    return port, os.path.join(d, "maillog")


def queued_by_postfix(maillog):
    try:
        return sum(1 for line in open(maillog) if line.rstrip().endswith(": removed"))  # qmgr, once it left the queue
    except FileNotFoundError:
        return 0


def throughput(port, messages, sessions, size):
    start = time.monotonic()
    subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(messages), "-l", str(size), "-f", "load@example.org",
                    "-t", "support@example.com", f"127.0.0.1:{port}"], check=True, timeout=WAIT_S * 5)
    return messages / (time.monotonic() - start)


async def one_session(port, count, size, times, index):
    r, w = await asyncio.open_connection("127.0.0.1", port)

    async def reply():
        while True:
            line = await asyncio.wait_for(r.readline(), 30)
            if len(line) < 4 or line[3:4] != b"-":
                return line
    await reply()
    w.write(b"EHLO bench\r\n")
    await reply()
    body = ("x" * 76 + "\r\n") * max(1, size // 78)
    for i in range(count):
        w.write(b"MAIL FROM:<load@example.org>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n")
        for _ in range(3):
            line = await reply()
        assert line.startswith(b"354"), line
        w.write(f"From: load@example.org\r\nTo: support@example.com\r\nSubject: load {index}.{i}\r\n"
                f"Message-ID: <lat.{index}.{i}.{time.time_ns()}@example.org>\r\n\r\n{body}".encode())
        await w.drain()
        start = time.perf_counter()
        w.write(b".\r\n")
        line = await reply()
        times.append((time.perf_counter() - start) * 1000)
        assert line.startswith(b"250"), line
    w.write(b"QUIT\r\n")
    await reply()
    w.close()


def latency(port, messages, sessions, size):
    times = []

    async def run():
        await asyncio.gather(*(one_session(port, messages // sessions, size, times, i) for i in range(sessions)))
    asyncio.run(run())
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], times[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--messages", type=int, default=4000)
    ap.add_argument("--sessions", type=int, default=16)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--latency-messages", type=int, default=1000)
    a = ap.parse_args()
    binary = os.path.abspath(os.path.join(a.build, "app", "switchboard"))
    if os.geteuid() != 0 or not shutil.which("smtp-source"):
        sys.exit("smtp_load: run as root with Debian's postfix installed (scripts/packages.sh)")
    folder = tempfile.mkdtemp(prefix="sb-smtp-load-")
    os.chmod(folder, 0o755)  # Postfix's daemons run as the postfix user and must reach their folders
    procs = Procs()
    rows = []
    try:
        servers = []
        for fsync in ("everysec", "always"):
            smtp, http = start_switchboard(procs, folder, binary, start_redis(procs, folder, fsync), f"sb-{fsync}")
            servers.append((f"switchboard (redis appendfsync {fsync})", smtp, lambda h=http: stored_by_switchboard(h)))
        pf_port, maillog = start_postfix(procs, folder)
        servers.append(("postfix 3.7 (queue, then discard)", pf_port, lambda: queued_by_postfix(maillog)))
        for name, port, stored in servers:
            rate = throughput(port, a.messages, a.sessions, a.size)
            wait_for(lambda: stored() >= a.messages, f"{name}: {a.messages} stored")
            p50, p99, worst = latency(port, a.latency_messages, a.sessions, a.size)
            rows.append((name, rate, p50, p99, worst))
    finally:
        procs.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"smtp_load: {a.messages} mails of {a.size} bytes over {a.sessions} sessions (smtp-source); latency over "
          f"{a.latency_messages} mails, DATA end -> 250")
    print(f"{'server':<44} {'mails/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, rate, p50, p99, worst in rows:
        print(f"{name:<44} {rate:9.0f} {p50:8.2f} {p99:8.2f} {worst:8.2f}")


if __name__ == "__main__":
    main()
