"""End to end: people signing in with a password (POST/GET/DELETE /v1/session), their cookie on
REST and on the WebSocket, sign-out and `switchboard users disable` closing their sockets on every
gateway, the limits on failed sign-ins, and the web pages served from server.web_root.

The real binary, real Redis, Python's standard library and `websockets` as clients.
"""
import asyncio
import gzip
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import websockets

from test_desk import DESK, available, next_frame
from test_live_chat import WS, connect, request, visitor_token
from test_serve import BIN, LIMIT, ProcessTest, RedisServer, Server, staff_token, wait_for

PEOPLE = """dev_users:
  - {id: ana, role: agent, teams: [care], display_name: Ana, password: ana-dev-pass}
  - {id: lea, role: lead, teams: [care], display_name: Lea, password: lea-dev-pass}
"""
LIMITS = """  sign_in_failures_per_account: 3
  sign_in_failures_per_address: 5
"""


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def http(port, path, method="GET", body=None, headers=None):
    """(status, headers, body bytes) of one request; errors and redirects are answers too."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=LIMIT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def sign_in(port, user, password):
    """(status, the cookie "sb_session=..." or None, the JSON body)."""
    status, headers, body = http(port, "/v1/session", "POST", {"user": user, "password": password})
    cookie = headers.get("Set-Cookie")
    return status, cookie.split(";")[0] if cookie else None, json.loads(body)


async def cookie_socket(port, cookie, origin=None):
    headers = {"Cookie": cookie, "Origin": origin or f"http://127.0.0.1:{port}"}
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", subprotocols=[WS], extra_headers=headers,
                                  open_timeout=LIMIT)
    welcome = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
    assert "welcome" in welcome, welcome
    return ws


async def closed_code(ws, limit):
    """The close code the server sends within `limit` seconds (frames before it are read away)."""
    try:
        for _ in range(1000):
            await asyncio.wait_for(ws.recv(), limit)
    except websockets.ConnectionClosed as e:
        return e.code
    except asyncio.TimeoutError:
        return None
    return None


def users_cli(config, *args, stdin=""):
    return subprocess.run([BIN, "users", *args, "--config", config], input=stdin, capture_output=True, text=True,
                          timeout=LIMIT)


class PeopleTest(ProcessTest):
    def serve(self, extra=PEOPLE, desk=DESK, **kw):
        """A gateway in a folder of its own, listening: the desk's queues, sign-in limits, `extra`."""
        folder = os.path.join(self.folder, f"gw{len(self.cleanups)}")
        os.makedirs(folder)
        s = super().serve(folder, extra=LIMITS + desk + extra, **kw)
        s.wait_listening()
        return s

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 60))


class SignInTest(PeopleTest):
    def test_sign_in_session_and_sign_out_with_its_csrf_token(self):
        s = self.serve()
        status, cookie, body = sign_in(s.http_port, "ana", "wrong-password")
        self.assertEqual((status, cookie, body["code"]), (401, None, "bad_credentials"))
        status, cookie, body = sign_in(s.http_port, "ana", "ana-dev-pass")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["user"], body["role"], body["teams"], body["displayName"]), ("ana", "agent", ["care"], "Ana"))
        _, headers, _ = http(s.http_port, "/v1/session", "POST", {"user": "ana", "password": "ana-dev-pass"})
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"):
            self.assertIn(attribute, headers["Set-Cookie"])
        status, _, now = http(s.http_port, "/v1/session", headers={"Cookie": cookie})
        self.assertEqual((status, json.loads(now)["csrfToken"]), (200, body["csrfToken"]))
        self.assertEqual(http(s.http_port, "/v1/session")[0], 401)
        # Staff REST with the cookie instead of a token.
        self.assertEqual(http(s.http_port, "/v1/queues", headers={"Cookie": cookie})[0], 200)
        # Signing out needs the CSRF token: a page of another site cannot sign the person out.
        status, _, refused = http(s.http_port, "/v1/session", "DELETE", headers={"Cookie": cookie})
        self.assertEqual((status, json.loads(refused)["code"]), (403, "csrf"))
        status, headers, _ = http(s.http_port, "/v1/session", "DELETE",
                                  headers={"Cookie": cookie, "X-CSRF-Token": body["csrfToken"]})
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", headers["Set-Cookie"])
        self.assertEqual(http(s.http_port, "/v1/session", headers={"Cookie": cookie})[0], 401)
        self.assertEqual(http(s.http_port, "/v1/queues", headers={"Cookie": cookie})[0], 401)

    def test_failed_sign_ins_are_limited_per_account_and_per_address(self):
        s = self.serve()
        for _ in range(3):
            self.assertEqual(sign_in(s.http_port, "ana", "guess")[0], 401)
        status, headers, body = http(s.http_port, "/v1/session", "POST", {"user": "ana", "password": "ana-dev-pass"})
        self.assertEqual((status, json.loads(body)["code"]), (429, "too_many_attempts"))
        self.assertGreater(int(headers["Retry-After"]), 0)
        # Another account from the same address still signs in, until the address's limit (5).
        self.assertEqual(sign_in(s.http_port, "lea", "lea-dev-pass")[0], 200)
        self.assertEqual(sign_in(s.http_port, "nobody", "guess")[0], 401)
        self.assertEqual(sign_in(s.http_port, "no/such id{x}", "guess")[0], 401)  # any text may be typed
        self.assertEqual(sign_in(s.http_port, "lea", "lea-dev-pass")[0], 429)

    def test_sign_out_closes_the_sessions_sockets_on_every_gateway_within_a_second(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        g1, g2 = self.serve(redis_url=url, extra=""), self.serve(redis_url=url, extra="", roles="gateway")
        self.assertEqual(users_cli(g1.config, "add", "carl", "--role", "agent", "--team", "care",
                                   stdin="carl-password\n").returncode, 0)
        _, cookie, session = sign_in(g1.http_port, "carl", "carl-password")
        _, other_cookie, _ = sign_in(g2.http_port, "carl", "carl-password")

        async def scenario():
            a, b = await cookie_socket(g1.http_port, cookie), await cookie_socket(g2.http_port, cookie)
            kept = await cookie_socket(g2.http_port, other_cookie)  # another session of carl's stays
            status, _, _ = http(g1.http_port, "/v1/session", "DELETE",
                                headers={"Cookie": cookie, "X-CSRF-Token": session["csrfToken"]})
            self.assertEqual(status, 204)
            started = time.monotonic()
            self.assertEqual(await closed_code(a, 1.0), 4003)
            self.assertEqual(await closed_code(b, 1.0), 4003)
            self.assertLess(time.monotonic() - started, 1.0)
            _, answer = await request(kept, {"requestId": "p", "ping": {"clientTimeMs": "1"}})
            self.assertIn("pong", answer)
            with self.assertRaises(websockets.InvalidStatusCode) as refused:
                await cookie_socket(g2.http_port, cookie)
            self.assertEqual(refused.exception.status_code, 401)
            await kept.close()
        self.run_async(scenario())

    def test_users_cli_disable_passwd_and_enable(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        g = self.serve(redis_url=url, extra="")
        add = users_cli(g.config, "add", "dora", "--role", "lead", "--team", "care", "--name", "Dora",
                        stdin="dora-password\n")
        self.assertEqual((add.returncode, add.stdout), (0, "added dora\n"), add.stderr)
        again = users_cli(g.config, "add", "dora", stdin="another-pass\n")
        self.assertEqual(again.returncode, 2)
        self.assertIn("exists already", again.stderr)
        self.assertIn("at least 8", users_cli(g.config, "passwd", "dora", stdin="short\n").stderr)
        self.assertEqual(users_cli(g.config, "list").stdout, "dora\tlead\tcare\tDora\n")
        _, cookie, _ = sign_in(g.http_port, "dora", "dora-password")

        async def scenario():
            ws = await cookie_socket(g.http_port, cookie)
            self.assertEqual(users_cli(g.config, "disable", "dora").returncode, 0)
            self.assertEqual(await closed_code(ws, 1.0), 4003)
        self.run_async(scenario())
        self.assertEqual(sign_in(g.http_port, "dora", "dora-password")[0], 401)
        self.assertEqual(users_cli(g.config, "list").stdout, "dora\tlead\tcare\tDora\tdisabled\n")
        self.assertEqual(users_cli(g.config, "enable", "dora").returncode, 0)
        status, cookie, _ = sign_in(g.http_port, "dora", "dora-password")
        self.assertEqual(status, 200)
        self.assertEqual(users_cli(g.config, "passwd", "dora", stdin="new-password\n").returncode, 0)
        self.assertEqual(http(g.http_port, "/v1/session", headers={"Cookie": cookie})[0], 401)  # a new password ends sessions
        self.assertEqual(sign_in(g.http_port, "dora", "new-password")[0], 200)

    def test_users_cli_finds_the_running_servers_embedded_redis(self):
        g = self.serve()
        self.assertEqual(users_cli(g.config, "add", "eve", "--team", "care", stdin="eve-password\n").returncode, 0)
        self.assertEqual(sign_in(g.http_port, "eve", "eve-password")[0], 200)
        listed = users_cli(g.config, "list").stdout.splitlines()
        self.assertIn("ana\tagent\tcare\tAna\tdevelopment", listed)
        self.assertIn("eve\tagent\tcare\teve", listed)

    def test_cookie_socket_is_refused_from_another_sites_page_and_writes_need_the_csrf_token(self):
        s = self.serve()
        _, cookie, session = sign_in(s.http_port, "lea", "lea-dev-pass")

        async def scenario():
            with self.assertRaises(websockets.InvalidStatusCode) as refused:
                await cookie_socket(s.http_port, cookie, origin="http://evil.example")
            self.assertEqual(refused.exception.status_code, 403)
            ws = await cookie_socket(s.http_port, cookie)
            state = await next_frame(ws, "agentState")
            self.assertEqual(state["agentState"]["status"], "OFFLINE")
            await ws.close()
        self.run_async(scenario())
        profile = json.dumps({"displayName": "Ann", "teams": ["care"]}).encode()
        status, _, body = http(s.http_port, "/v1/agents/ann", "PUT", profile, {"Cookie": cookie})
        self.assertEqual((status, json.loads(body)["code"]), (403, "csrf"))
        status, _, _ = http(s.http_port, "/v1/agents/ann", "PUT", profile,
                            {"Cookie": cookie, "X-CSRF-Token": session["csrfToken"]})
        self.assertEqual(status, 200)

    def test_development_sign_ins_only_beside_the_embedded_redis(self):
        s = self.serve()
        status, _, body = http(s.http_port, "/v1/dev-users")
        users = json.loads(body)["users"]
        self.assertEqual((status, [u["id"] for u in users], users[0]["password"]), (200, ["ana", "lea"], "ana-dev-pass"))
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        os.makedirs(os.path.join(self.folder, "gw-ext"))
        refused = Server(os.path.join(self.folder, "gw-ext"), redis_url=f"redis://127.0.0.1:{r.port}", extra=PEOPLE)
        self.cleanups.append(refused.stop)
        self.assertEqual(refused.proc.wait(LIMIT), 3)
        self.assertIn("dev_users[0]: development passwords are only allowed with the embedded Redis", refused.output())


class DeskDetailsTest(PeopleTest):
    """What the desk needs beyond chat: the customer's pre-chat details, canned replies, the
    queue's dispositions, an away status with its reason."""

    def test_prechat_details_canned_replies_dispositions_and_away_reason(self):
        extra = PEOPLE + """canned_replies:
  - {id: hi, title: Greeting, body: "Hi {{customer.name}}"}
  - {id: tech-only, team: tech, title: Tech, body: "restart it"}
"""
        desk = DESK.replace("name: general\n    team: care\n", "name: general\n    team: care\n    dispositions: [fixed, refund]\n")
        self.assertNotEqual(desk, DESK)
        s = self.serve(extra=extra, desk=desk)
        _, cookie, _ = sign_in(s.http_port, "ana", "ana-dev-pass")
        status, _, body = http(s.http_port, "/v1/canned-replies", headers={"Cookie": cookie})
        self.assertEqual([r["id"] for r in json.loads(body)["replies"]], ["hi"])  # not the tech team's

        async def scenario():
            agent = await cookie_socket(s.http_port, cookie)
            await next_frame(agent, "agentState")
            _, away = await request(agent, {"requestId": "a", "setStatus": {"status": "AWAY", "reason": "lunch"}})
            self.assertEqual(away["agentState"]["reason"], "lunch")
            status, _, me = http(s.http_port, "/v1/agents/ana", headers={"Cookie": cookie})
            self.assertEqual(json.loads(me)["statusReason"], "lunch")
            customer = await connect(s.http_port, visitor_token(s.http_port))
            _, ack = await request(customer, {"requestId": "o", "openConversation": {
                "topic": "general", "firstMessage": {"body": "hello", "clientMessageId": "m1"},
                "customer": {"displayName": "Jo Doe", "email": "jo@example.org"}}})
            cid = ack["ack"]["conversationId"]
            _, bad = await request(customer, {"requestId": "b", "openConversation": {
                "firstMessage": {"body": "x", "clientMessageId": "m2"}, "customer": {"email": "not-an-address"}}})
            self.assertEqual(bad["error"]["code"], "bad_request")
            await available(agent, "s")  # an offer that beats the ack is kept for next_frame
            offer = await next_frame(agent, "offer")
            _, accepted = await request(agent, {"requestId": "acc", "answerOffer": {"conversationId": cid, "accept": True}})
            self.assertIn("ack", accepted)
            self.assertEqual(offer["offer"]["conversationId"], cid)
            # An agent outside the conversation's team could never be offered it: refused, nothing written.
            tina = json.dumps({"displayName": "Tina", "teams": ["tech"]}).encode()
            self.assertEqual(http(s.http_port, "/v1/agents/tina", "PUT", tina,
                                  {"Authorization": "Bearer " + staff_token("admin", "root")})[0], 200)
            _, refused = await request(agent, {"requestId": "t", "transfer": {"conversationId": cid, "toAgentId": "tina"}})
            self.assertEqual(refused["error"]["code"], "bad_request")
            self.assertIn("team care", refused["error"]["message"])
            status, _, rec = http(s.http_port, "/v1/conversations/" + cid, headers={"Cookie": cookie})
            customer_id = json.loads(rec)["conversation"]["customerId"]
            status, _, found = http(s.http_port, f"/v1/customers/{customer_id}", headers={"Cookie": cookie})
            details = json.loads(found)["customer"]
            self.assertEqual((status, details["displayName"], details["attributes"]), (200, "Jo Doe", {"email": "jo@example.org"}))
            _, refused = await request(agent, {"requestId": "r1", "resolve": {"conversationId": cid, "disposition": "solved"}})
            self.assertEqual(refused["error"]["code"], "bad_request")
            self.assertIn("fixed, refund", refused["error"]["message"])
            _, done = await request(agent, {"requestId": "r2", "resolve": {"conversationId": cid}})
            self.assertIn("ack", done)
            status, _, rec = http(s.http_port, "/v1/conversations/" + cid, headers={"Cookie": cookie})
            changes = [e["statusChange"] for e in json.loads(rec)["events"] if "statusChange" in e]
            self.assertEqual(changes[-1]["disposition"], "fixed")  # the queue's first
            for ws in (agent, customer):
                await ws.close()
        self.run_async(scenario())


class PagesTest(ProcessTest):
    """The web pages: files read from server.web_root at start, with cache headers and gzip."""

    def make_root(self):
        root = os.path.join(self.folder, "dist")
        os.makedirs(os.path.join(root, "assets"))
        os.makedirs(os.path.join(root, "desk"))
        files = {"index.html": b"<!doctype html><title>landing</title>", "desk/index.html": b"<title>desk</title>",
                 "assets/app-3f2a9c.js": b"console.log('switchboard');" * 100, "widget.js": b"/*widget*/" * 50}
        for name, content in files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(content)
        with open(os.path.join(root, "assets/app-3f2a9c.js.gz"), "wb") as f:
            f.write(gzip.compress(files["assets/app-3f2a9c.js"]))
        return root, files

    def test_pages_are_served_with_cache_headers_etags_and_gzip(self):
        root, files = self.make_root()
        s = self.serve(server_extra=f"  web_root: {root}\n")
        s.wait_listening()
        status, headers, body = http(s.http_port, "/")
        self.assertEqual((status, body, headers["Cache-Control"]), (200, files["index.html"], "no-cache"))
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(http(s.http_port, "/", headers={"If-None-Match": headers["ETag"]})[0], 304)
        status, headers, body = http(s.http_port, "/assets/app-3f2a9c.js", headers={"Accept-Encoding": "gzip, br"})
        self.assertEqual((status, headers["Content-Encoding"]), (200, "gzip"))
        self.assertEqual(gzip.decompress(body), files["assets/app-3f2a9c.js"])
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        self.assertEqual(headers["Vary"], "Accept-Encoding")
        status, headers, body = http(s.http_port, "/assets/app-3f2a9c.js")
        self.assertEqual((status, headers.get("Content-Encoding"), body), (200, None, files["assets/app-3f2a9c.js"]))
        self.assertEqual(http(s.http_port, "/widget.js")[1]["Cache-Control"], "public, max-age=300")
        status, headers, _ = http(s.http_port, "/desk")
        self.assertEqual((status, headers["Location"]), (308, "/desk/"))
        self.assertEqual(http(s.http_port, "/desk/")[2], files["desk/index.html"])
        self.assertEqual(http(s.http_port, "/assets/../../etc/passwd")[0], 404)
        self.assertEqual(http(s.http_port, "/v1/nothing")[0], 404)

    def test_no_pages_folder_is_a_404_and_a_log_line(self):
        s = self.serve(server_extra=f"  web_root: {self.folder}/missing\n")
        s.wait_listening()
        self.assertEqual(http(s.http_port, "/")[0], 404)
        self.assertIn("web pages not found", s.output())

    def test_visitor_tokens_answer_cors_for_the_widget_on_other_sites(self):
        s = self.serve(server_extra="  allowed_origins: [https://shop.example]\n")
        s.wait_listening()
        status, headers, _ = http(s.http_port, "/v1/visitors", "OPTIONS", headers={"Origin": "https://shop.example"})
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (204, "https://shop.example"))
        self.assertIn("Content-Type", headers["Access-Control-Allow-Headers"])
        status, headers, _ = http(s.http_port, "/v1/visitors", "POST", b"{}", {"Origin": "https://shop.example",
                                                                               "Content-Type": "application/json"})
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (200, "https://shop.example"))
        status, headers, _ = http(s.http_port, "/v1/visitors", "POST", b"", {"Origin": "https://evil.example"})
        self.assertIsNone(headers.get("Access-Control-Allow-Origin"))
