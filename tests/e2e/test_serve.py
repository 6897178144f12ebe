"""End to end: the real `switchboard serve`, its embedded Redis, and an external Redis.

Uses only Python's standard library as the client. Every process a test starts is stopped by it.
Run by ctest (label e2e) with SWITCHBOARD_BIN set to the built binary.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BIN = os.environ.get("SWITCHBOARD_BIN", "../../build/app/switchboard")
LIMIT = 20.0  # seconds any single wait may take
JWT_SECRET = "e2e-secret-0123456789abcdef0123456789"
IDENTITY_SECRET = "site-secret-for-e2e"


def script_sha(name):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "store", "lua", name + ".lua"), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate, what, limit=LIMIT):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def post(port, path, body=b"", token=None, method="POST"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def jwt_claims(token, secret):
    """Checks an HS256 token's signature (RFC 7515) and returns its claims."""
    def b64d(part):
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, b64d(signature)):
        raise AssertionError("bad signature")
    return json.loads(b64d(payload))


def sign_token(claims, secret=None, kid="e2e"):
    """An HS256 token (RFC 7515), as a site or an identity provider would mint it."""
    def b64e(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    header = b64e(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64e(json.dumps(claims).encode())
    sig = hmac.new((secret or JWT_SECRET).encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64e(sig)}"


def staff_token(role="agent", sub="agent-7", teams=None):
    claims = {"sub": sub, "role": role, "iss": "switchboard", "aud": "switchboard", "exp": int(time.time()) + 600}
    if teams is not None:
        claims["teams"] = teams
    return sign_token(claims)


def get(port, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# SWITCHBOARD_E2E_CLUSTER="host:port,...": the primaries of a Redis Cluster that every Server
# without a Redis of its own uses instead of the embedded one (tests/e2e/redis_cluster.py starts one
# and runs modules on it). SWITCHBOARD_E2E_SENTINEL="host:port,...": the same with three sentinels
# watching a primary named E2E_SENTINEL_MASTER and its replica (tests/e2e/redis_sentinel.py). As an
# embedded server's data lives in the test's folder, the shared Redis is emptied for each new folder
# only: a restart in the same folder finds its data.
E2E_CLUSTER = [a for a in os.environ.get("SWITCHBOARD_E2E_CLUSTER", "").split(",") if a]
E2E_SENTINELS = [a for a in os.environ.get("SWITCHBOARD_E2E_SENTINEL", "").split(",") if a]
E2E_SENTINEL_MASTER = "e2e"
_E2E_FOLDERS = set()


def e2e_sentinel_primary():
    """"host:port" of the primary the e2e sentinels name."""
    host, port = E2E_SENTINELS[0].rsplit(":", 1)
    out = subprocess.run(["redis-cli", "-h", host, "-p", port, "SENTINEL", "get-master-addr-by-name",
                          E2E_SENTINEL_MASTER], capture_output=True, text=True, check=True, timeout=LIMIT).stdout.split()
    return f"{out[0]}:{out[1]}"


def use_e2e_redis(folder, redis_url, redis_extra, extra):
    """The redis section's extra lines for the e2e Cluster or Sentinel, or "" to keep the embedded
    server: when the test names its own Redis, or gives development passwords (allowed beside the
    embedded one only)."""
    if not (E2E_CLUSTER or E2E_SENTINELS) or redis_url or "sentinel" in redis_extra or "cluster" in redis_extra:
        return ""
    if "dev_users" in extra and "password:" in extra:
        return ""
    if folder not in _E2E_FOLDERS:
        _E2E_FOLDERS.add(folder)
        for address in E2E_CLUSTER or [e2e_sentinel_primary()]:
            host, port = address.rsplit(":", 1)
            subprocess.run(["redis-cli", "-h", host, "-p", port, "FLUSHALL"], capture_output=True, check=True,
                           timeout=LIMIT)
    if E2E_CLUSTER:
        seeds = ", ".join(f'"{a}"' for a in E2E_CLUSTER)
        return f"  cluster: {{seeds: [{seeds}], refresh_interval_ms: 200}}\n"
    addresses = ", ".join(f'"{a}"' for a in E2E_SENTINELS)
    return (f"  sentinel: {{addresses: [{addresses}], master_name: {E2E_SENTINEL_MASTER}, "
            f"check_interval_ms: 200}}\n")


class Server:
    """A switchboard process with its own config in a temporary folder."""

    def __init__(self, folder, redis_url="", extra="", server_extra="", roles="gateway,router,outbox", redis_extra=""):
        self.folder = folder
        shared = use_e2e_redis(folder, redis_url, redis_extra, extra)
        self.on_e2e_redis = bool(shared)
        redis_extra += shared
        self.http_port = free_port()
        self.config = os.path.join(folder, "switchboard.yaml")
        with open(self.config, "w") as f:
            f.write(f"""server:
  http_port: {self.http_port}
{server_extra}redis:
  url: "{redis_url}"
  connect_timeout_ms: 300
  command_timeout_ms: 300
  reconnect_min_ms: 20
  reconnect_max_ms: 100
{redis_extra}  embedded:
    data_dir: {folder}/redis
auth:
  identity_secret: {IDENTITY_SECRET}
  keys: [{{kid: e2e, secret: {JWT_SECRET}}}]
{extra}""")
        self.log = open(os.path.join(folder, "serve.log"), "w+")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.config, "--roles", roles], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def wait_listening(self):
        wait_for(lambda: "listening on" in self.output() or self.proc.poll() is not None, "listening")
        self.assert_running()

    def assert_running(self):
        if self.proc.poll() is not None:
            raise AssertionError("switchboard exited:\n" + self.output())

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(LIMIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        return self.proc.returncode

    def embedded_port(self):
        if self.on_e2e_redis:  # the test reads Redis directly: a node of the cluster (cli follows MOVED)
            return int((E2E_CLUSTER[0] if E2E_CLUSTER else e2e_sentinel_primary()).rsplit(":", 1)[1])
        for line in self.output().splitlines():
            if "embedded redis-server on 127.0.0.1:" in line:
                return int(line.split("127.0.0.1:")[1].split()[0])
        raise AssertionError("no embedded redis line in:\n" + self.output())


class RedisServer:
    """A plain redis-server, the 'redis.url' a user would configure."""

    def __init__(self, folder, port=None):
        self.port = port or free_port()
        os.makedirs(folder, exist_ok=True)
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                                      "--dir", folder, "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), "redis-server")

    def cli(self, *args):
        if f"127.0.0.1:{self.port}" not in E2E_CLUSTER:
            return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True,
                                  timeout=LIMIT).stdout.strip()
        # On the e2e cluster: -c follows MOVED to the key's node; a scan walks every primary.
        ports = [a.rsplit(":", 1)[1] for a in E2E_CLUSTER] if args[:1] == ("--scan",) else [str(self.port)]
        out = [subprocess.run(["redis-cli", "-c", "-p", p, *args], capture_output=True, text=True,
                              timeout=LIMIT).stdout.strip() for p in ports]
        return "\n".join(o for o in out if o)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(LIMIT)


class ProcessTest(unittest.TestCase):
    """A temporary folder per test and the processes it started, stopped in reverse order."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="sb-e2e-")
        self.cleanups = []

    def tearDown(self):
        for c in reversed(self.cleanups):
            c()
        shutil.rmtree(self.folder, ignore_errors=True)

    def serve(self, folder=None, **kw):
        s = Server(folder or self.folder, **kw)
        self.cleanups.append(s.stop)
        return s


class ServeTest(ProcessTest):

    @unittest.skipIf(E2E_CLUSTER or E2E_SENTINELS, "about the embedded redis-server, which the e2e Redis replaces")
    def test_embedded_default_serves_health_and_stops_cleanly(self):
        s = self.serve()
        s.wait_listening()
        self.assertEqual(get(s.http_port, "/healthz"), (200, "ok\n"))
        status, body = get(s.http_port, "/readyz")
        self.assertEqual((status, body), (200, f"ready: redis 127.0.0.1:{s.embedded_port()}\n"))
        self.assertEqual(get(s.http_port, "/nope")[0], 404)
        redis_port = s.embedded_port()
        self.assertTrue(port_open(redis_port))
        self.assertTrue(os.path.isdir(os.path.join(self.folder, "redis", "appendonlydir")))
        self.assertEqual(s.stop(), 0)
        self.assertIn("switchboard stopped", s.output())
        self.assertFalse(port_open(redis_port), "the embedded redis-server must stop with serve")

    @unittest.skipIf(E2E_CLUSTER or E2E_SENTINELS, "about the embedded redis-server, which the e2e Redis replaces")
    def test_embedded_data_survives_a_restart(self):
        s = self.serve()
        s.wait_listening()
        port = s.embedded_port()
        subprocess.run(["redis-cli", "-p", str(port), "SET", "kept", "yes"], check=True, capture_output=True)
        self.assertEqual(s.stop(), 0)
        s2 = self.serve()
        s2.wait_listening()
        got = subprocess.run(["redis-cli", "-p", str(s2.embedded_port()), "GET", "kept"], capture_output=True,
                             text=True).stdout.strip()
        self.assertEqual(got, "yes")

    def test_sigint_also_stops_cleanly(self):
        s = self.serve()
        s.wait_listening()
        self.assertEqual(s.stop(signal.SIGINT), 0)

    def test_configured_redis_is_used_and_readiness_follows_it(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        s = self.serve(redis_url=f"redis://127.0.0.1:{r.port}")
        s.wait_listening()
        self.assertNotIn("embedded redis-server", s.output())
        self.assertFalse(os.path.exists(os.path.join(self.folder, "redis")))
        self.assertEqual(get(s.http_port, "/readyz")[0], 200)
        # The store's scripts were loaded into that server (readiness means "scripts loaded").
        self.assertEqual(r.cli("SCRIPT", "EXISTS", script_sha("append"), script_sha("read_conversation")), "1\n1")
        r.stop()
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 503, "readyz to go 503")
        self.assertEqual(get(s.http_port, "/healthz")[0], 200)  # the process is still up
        r2 = RedisServer(os.path.join(self.folder, "ext"), port=r.port)
        self.cleanups.append(r2.stop)
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 200, "readyz back to 200")
        s.assert_running()

    def test_unreachable_redis_gives_one_clear_line_and_fails(self):
        s = self.serve(redis_url=f"redis://127.0.0.1:{free_port()}")
        code = s.proc.wait(LIMIT)
        out = s.output().strip().splitlines()
        self.assertNotEqual(code, 0)
        self.assertTrue(out[-1].startswith("switchboard: cannot reach Redis at 127.0.0.1:"), out[-1])

    def test_bad_config_names_the_key_and_fails(self):
        s = self.serve(extra="log:\n  levle: debug\n")
        code = s.proc.wait(LIMIT)
        self.assertEqual(code, 3)
        self.assertEqual(s.output().strip(), f"switchboard: bad config: {s.config}: log.levle: unknown key")

    def test_visitor_tokens(self):
        s = self.serve()
        s.wait_listening()
        status, body = post(s.http_port, "/v1/visitors")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        claims = jwt_claims(got["token"], JWT_SECRET)
        self.assertEqual(claims["role"], "customer")
        self.assertEqual(claims["sub"], got["visitorId"])
        self.assertTrue(claims["sub"].startswith("v-"))
        self.assertEqual(claims["exp"], got["expiresAt"])
        # Bound to the site's user id by the site's HMAC.
        user_hash = hmac.new(IDENTITY_SECRET.encode(), b"42", hashlib.sha256).hexdigest()
        status, body = post(s.http_port, "/v1/visitors", json.dumps({"userId": "42", "userHash": user_hash}).encode())
        self.assertEqual(status, 200, body)
        self.assertEqual(jwt_claims(json.loads(body)["token"], JWT_SECRET)["sub"], "user:42")
        status, body = post(s.http_port, "/v1/visitors", json.dumps({"userId": "42", "userHash": "00"}).encode())
        self.assertEqual((status, json.loads(body)["code"]), (403, "forbidden"))
        status, body = post(s.http_port, "/v1/visitors", b"{not json")
        self.assertEqual((status, json.loads(body)["code"]), (400, "bad_request"))
        status, body = get(s.http_port, "/v1/visitors")
        self.assertEqual((status, json.loads(body)["code"]), (405, "method_not_allowed"))
        self.assertEqual(json.loads(get(s.http_port, "/v1/nothing")[1])["code"], "not_found")

    def test_port_in_use_gives_one_clear_line(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            cfg = os.path.join(self.folder, "busy.yaml")
            with open(cfg, "w") as f:
                f.write(f"server:\n  http_port: {port}\nredis:\n  embedded:\n    data_dir: {self.folder}/redis\n")
            p = subprocess.run([BIN, "serve", "--config", cfg], capture_output=True, text=True, timeout=LIMIT)
            self.assertNotEqual(p.returncode, 0)
            self.assertEqual(p.stderr.strip().splitlines()[-1],
                             f"switchboard: cannot listen on 127.0.0.1:{port}: Address already in use")


if __name__ == "__main__":
    unittest.main()
