"""deploy/compose.yaml brought up for real with podman-compose, on the images of
deploy/build-image.sh, and put through the runbooks of docs/OPERATIONS.md: every process ready on
the primary the sentinels name; a person added and signed in through haproxy; a customer who chats
through haproxy while their gateway drains (close 1012, on the other gateway at once) and while it
is killed (reconnect, `resume`, a resent message stored once); the active router killed (the
standby leads); the Redis primary killed (every process ready on the promoted replica, chat goes
on, the old primary comes back as a replica).

Not part of `deploy.lint`: it needs the images (minutes to build), podman and podman-compose, and
takes about two minutes (ctest -L deploy). Every wait is a bounded poll of a condition.
"""
import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from test_live_chat import connect, request, say, visitor_token  # noqa: E402
from test_serve import wait_for  # noqa: E402

COMPOSE = os.path.join(ROOT, "deploy", "compose.yaml")
IMAGES = ("localhost/switchboard:0.1.0", "localhost/switchboard-redis:0.1.0", "localhost/switchboard-haproxy:0.1.0")
CONFIG = "/etc/switchboard/switchboard.yaml"
LONG = 90  # seconds: a failover, a start


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hard_limit(name):
    """The lower hard limit `name` of this process and of init, or None if unlimited/unknown."""
    values = []
    for pid in ("self", "1"):
        try:
            with open(f"/proc/{pid}/limits") as f:
                for line in f:
                    if line.startswith(name):
                        hard = line[len(name):].split()[1]
                        if hard.isdigit():
                            values.append(int(hard))
        except OSError:
            pass
    return min(values) if values else None


class ComposeUpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for program, package in (("podman", "podman"), ("podman-compose", "podman-compose")):
            if shutil.which(program) is None:
                raise AssertionError(f"{program} is not installed: apt-get install {package}")
        for image in IMAGES:
            if subprocess.run(["podman", "image", "exists", image]).returncode != 0:
                raise AssertionError(f"{image} is missing: build it with deploy/build-image.sh")
        cls.tmp = tempfile.mkdtemp(prefix="sb-compose-")
        cls.project = f"sbtest{os.getpid()}"
        cls.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update({
            "SWITCHBOARD_REDIS_PASSWORD": secrets.token_hex(16),
            "SWITCHBOARD_AUTH_KEYS_0_SECRET": secrets.token_urlsafe(32),
            "SWITCHBOARD_CHANNELS_EMAIL_REPLY_SECRET": secrets.token_urlsafe(32),
            "SWITCHBOARD_CHANNELS_MEDIA_URL_SECRET": secrets.token_urlsafe(32),
            "SWITCHBOARD_HTTP_PUBLISH": f"127.0.0.1:{cls.port}",
            "SWITCHBOARD_SMTP_PUBLISH": f"127.0.0.1:{free_port()}",
        })
        # Containers get the limits this machine lets a container have: the lower of this process's
        # and init's, processes no more than pid_max (a sandbox may refuse more: "setrlimit
        # RLIMIT_NOFILE: Operation not permitted"),
        # and runc where it is installed (crun refuses a cgroup v1/v2 hybrid host). An operator's
        # CONTAINERS_CONF wins.
        if "CONTAINERS_CONF" not in env:
            conf = os.path.join(cls.tmp, "containers.conf")
            with open(conf, "w") as f:
                with open("/proc/sys/kernel/pid_max") as pid_max:
                    nproc = min(filter(None, (hard_limit("Max processes"), int(pid_max.read()))))
                limits = [f'"{name}={n}:{n}"' for name, n in (("nofile", hard_limit("Max open files")),
                                                             ("nproc", nproc)) if n]
                f.write(f"[containers]\ndefault_ulimits = [{', '.join(limits)}]\n")
                if shutil.which("runc"):
                    f.write('[engine]\nruntime = "runc"\n')
            env["CONTAINERS_CONF"] = conf
        cls.env = env
        cls.compose("up", "-d")
        try:
            wait_for(lambda: cls.lb_ready() is not None, "the gateways to be ready through haproxy", LONG)
        except AssertionError:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.compose("down", "-v", check=False)
        # podman-compose 1.0 leaves the project's network behind.
        subprocess.run(["podman", "network", "rm", f"{cls.project}_default"], env=cls.env, capture_output=True, timeout=60)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def compose(cls, *args, check=True):
        p = subprocess.run(["podman-compose", "-p", cls.project, "-f", COMPOSE, *args], env=cls.env,
                           capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)}: {p.stdout[-2000:]}{p.stderr[-2000:]}")
        return p

    @classmethod
    def container(cls, service):
        return f"{cls.project}_{service}_1"

    @classmethod
    def podman(cls, *args, check=True):
        p = subprocess.run(["podman", *args], env=cls.env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)}: {p.stderr[-2000:]}")
        return p

    @classmethod
    def lb_ready(cls):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{cls.port}/readyz", timeout=2) as r:
                return r.read().decode().strip() if r.status == 200 else None
        except OSError:
            return None

    def in_container(self, service, *command):
        return self.podman("exec", self.container(service), *command, check=False).stdout

    def readyz(self, service):
        return self.in_container(service, "curl", "-sS", "-m", "2", "http://127.0.0.1:8080/readyz").strip()

    def metric(self, service, name):
        for line in self.in_container(service, "curl", "-sS", "-m", "2", "http://127.0.0.1:8080/metrics").splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    def customers_on(self, service):
        return self.metric(service, 'switchboard_ws_sessions{role="customer"}') or 0

    def both_gateways_serving(self):
        # Both ready, and haproxy sends new clients to each (it takes a gateway back after two checks).
        for g in ("gateway-1", "gateway-2"):
            wait_for(lambda g=g: self.readyz(g).startswith("ready: redis "), f"{g} to be ready", LONG)
        def serving(g):
            log = self.podman("logs", self.container("lb"), check=False).stdout
            return log.rfind(f"gateways/{g} is UP") >= log.rfind(f"gateways/{g} is DOWN")

        for g in ("gateway-1", "gateway-2"):
            wait_for(lambda g=g: serving(g), f"haproxy to send clients to {g}", LONG)

    def primary(self):
        answer = self.in_container("sentinel-1", "redis-cli", "-p", "26379", "sentinel", "get-master-addr-by-name",
                                   "switchboard").split()
        return answer[0] if answer else ""

    def test_the_deployment_through_its_runbooks(self):
        # Every process on the primary the sentinels name.
        self.assertEqual(self.primary(), "redis-1")
        for s in ("gateway-1", "gateway-2", "router-1", "router-2", "outbox"):
            with self.subTest(process=s):
                wait_for(lambda s=s: self.readyz(s) == "ready: redis redis-1:6379", f"{s} to be ready", LONG)
        self.assertEqual(self.lb_ready(), "ready: redis redis-1:6379")
        leaders = [self.metric(r, "switchboard_router_leader") for r in ("router-1", "router-2")]
        self.assertEqual(sorted(leaders), [0.0, 1.0])

        # A person added from a container signs in through haproxy.
        p = subprocess.run(["podman", "exec", "-i", self.container("gateway-1"), "switchboard", "users", "add", "ana",
                            "--role", "agent", "--team", "care", "--config", CONFIG],
                           input="a-long-enough-password\n", env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/session", method="POST",
                                     data=b'{"user":"ana","password":"a-long-enough-password"}',
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)

        asyncio.run(asyncio.wait_for(self.drain_and_loss(), 4 * LONG))
        self.router_takeover()
        asyncio.run(asyncio.wait_for(self.redis_failover(), 4 * LONG))

    async def drain_and_loss(self):
        # A gateway drains (SIGTERM): its customer is told 1012 and carries on on the other one.
        self.both_gateways_serving()
        token = visitor_token(self.port)
        ws = await connect(self.port, token)
        _, a = await request(ws, say("r1", "hello", "m1"))
        conversation = a["ack"]["conversationId"]
        on = max(("gateway-1", "gateway-2"), key=self.customers_on)
        self.assertEqual(self.customers_on(on), 1)
        stop = subprocess.Popen(["podman", "stop", "-t", "20", self.container(on)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with self.assertRaises(Exception):
                while True:
                    await asyncio.wait_for(ws.recv(), LONG)
            self.assertEqual(ws.close_code, 1012)
            ws = await connect(self.port, token)
            _, a = await request(ws, say("r2", "after the drain", "m2", conversation))
            self.assertIn("ack", a)
        finally:
            stop.wait(60)
        self.assertEqual(self.podman("inspect", self.container(on), "--format", "{{.State.ExitCode}}").stdout.strip(), "0")
        await ws.close()

        # A gateway is lost (SIGKILL): its customer reconnects, resumes, and a resent message is one.
        self.podman("start", self.container(on))
        self.both_gateways_serving()
        ws = await connect(self.port, token)
        _, a = await request(ws, {"requestId": "r3", "resume": {"conversationId": conversation, "afterSeq": "0"}})
        self.assertIn("ack", a)
        on = max(("gateway-1", "gateway-2"), key=self.customers_on)
        self.podman("kill", "-s", "KILL", self.container(on))
        with self.assertRaises(Exception):
            while True:
                await asyncio.wait_for(ws.recv(), LONG)
        ws = await connect(self.port, token)
        before, a = await request(ws, {"requestId": "r4", "resume": {"conversationId": conversation, "afterSeq": "0"}})
        bodies = [f["event"]["message"]["body"] for f in before if "message" in f.get("event", {})]
        self.assertEqual(bodies[:2], ["hello", "after the drain"])
        _, again = await request(ws, say("r5", "after the drain", "m2", conversation))
        self.assertTrue(again["ack"].get("duplicate"), again)
        await ws.close()
        self.podman("start", self.container(on))

    def router_takeover(self):
        active = next(r for r in ("router-1", "router-2") if self.metric(r, "switchboard_router_leader") == 1)
        standby = "router-2" if active == "router-1" else "router-1"
        self.podman("kill", "-s", "KILL", self.container(active))
        wait_for(lambda: self.metric(standby, "switchboard_router_leader") == 1, f"{standby} to take over", LONG)
        self.podman("start", self.container(active))

    async def redis_failover(self):
        self.podman("kill", "-s", "KILL", self.container("redis-1"))
        wait_for(lambda: self.primary() == "redis-2", "the sentinels to promote redis-2", LONG)
        for s in ("gateway-1", "gateway-2", "router-1", "router-2", "outbox"):
            wait_for(lambda s=s: self.readyz(s) == "ready: redis redis-2:6379", f"{s} to follow the failover", LONG)
        wait_for(lambda: self.lb_ready() == "ready: redis redis-2:6379", "haproxy to take the gateways back", LONG)
        ws = await connect(self.port, visitor_token(self.port))
        _, a = await request(ws, say("r1", "after the failover", "m1"))
        self.assertIn("ack", a)
        await ws.close()
        # The old primary, started again, is made a replica of the new one.
        self.podman("start", self.container("redis-1"))
        role = lambda: self.in_container("redis-1", "sh", "-c", 'REDISCLI_AUTH="$SWITCHBOARD_REDIS_PASSWORD" redis-cli role')  # noqa: E731
        wait_for(lambda: role().split()[:2] == ["slave", "redis-2"], "redis-1 to become a replica of redis-2", LONG)


if __name__ == "__main__":
    unittest.main()
