"""End to end: the messaging providers' webhooks through the real server into Redis.

Every file of tests/fixtures/webhooks (copies of ../shared/fixtures, byte for byte) is posted as it
is, signed with its provider's scheme by this test's own code (Python's hmac, not the server's):
a file that is not a webhook body as the provider sends it (a '#' comment first, a bare Messenger
event, pywa's dictionary of named bodies, a getUpdates response) is refused with 400 and stores
nothing; the bodies inside it, as the provider would send them, are then posted and stored once
each. Then the signature matrix, Meta's handshake, a retry stored once, a body over the limit,
and Redis down (503, then the retry stores it). Every process a test starts is stopped by it.
"""
import base64
import hashlib
import hmac
import json
import os
import pathlib
import urllib.parse
import urllib.request
import urllib.error
import unittest

from test_serve import ProcessTest, RedisServer, get, staff_token, wait_for

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
PUBLIC_URL = "https://support.example.com"

ACCOUNTS = """channels:
  public_url: https://support.example.com/
  accounts:
    - {provider: whatsapp, id: main, app_secret: wa-secret, verify_token: wa-verify, queue: billing}
    - {provider: messenger, id: page, app_secret: fb-secret, verify_token: fb-verify}
    - {provider: instagram, id: ig, app_secret: ig-secret, verify_token: ig-verify}
    - {provider: telegram, id: bot, secret_token: tg-secret}
    - {provider: twilio, id: sms, auth_token: tw-token, account_sid: AC1}
queues:
  - {name: general, team: care}
  - {name: billing, team: care}
"""


def meta_headers(secret, body):
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def twilio_headers(token, path, body):
    fields = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
    data = PUBLIC_URL + path + "".join(k + v for k, v in sorted(fields, key=lambda kv: kv[0]))
    sig = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return {"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"}


def send(port, path, body, headers, method="POST"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def signed(provider, body, path=None):
    """The headers a provider sends with `body` (bytes) to its route."""
    if provider == "whatsapp":
        return meta_headers("wa-secret", body)
    if provider == "messenger":
        return meta_headers("fb-secret", body)
    if provider == "instagram":
        return meta_headers("ig-secret", body)
    if provider == "telegram":
        return {"X-Telegram-Bot-Api-Secret-Token": "tg-secret", "Content-Type": "application/json"}
    return twilio_headers("tw-token", path, body)


ROUTES = {"whatsapp": "/v1/webhooks/whatsapp/main", "messenger": "/v1/webhooks/messenger/page",
          "instagram": "/v1/webhooks/instagram/ig", "telegram": "/v1/webhooks/telegram/bot",
          "twilio": "/v1/webhooks/twilio/sms"}


def without_comments(text):
    lines = text.split("\n")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines)


def bodies_inside(provider, raw):
    """The webhook bodies a fixture holds, as the provider would post them (bytes)."""
    if provider == "whatsapp":
        return [json.dumps(v).encode() for v in json.loads(raw).values()]
    if provider == "messenger":
        v = json.loads(without_comments(raw.decode("utf-8-sig")))
        if "object" in v and not raw.startswith(b"#"):
            return [raw]
        if "object" not in v:
            v = {"object": "page", "entry": [{"id": "234554838031189", "time": 1, "messaging": [v]}]}
        return [json.dumps(v).encode()]
    if provider == "telegram":
        v = json.loads(raw)
        return [json.dumps(u).encode() for u in v.get("result", [])] if "update_id" not in v else [raw]
    return [raw] if raw[:1] != b"{" else []


def expected_messages(provider, body):
    """Provider message ids of the customer's messages in one body, by this test's own reading."""
    v = json.loads(body) if provider != "twilio" else dict(urllib.parse.parse_qsl(body.decode()))
    ids = []
    if provider == "whatsapp":
        for e in v["entry"]:
            for c in e["changes"]:
                for m in c["value"].get("messages", []):
                    kind = m["type"]
                    if kind in ("reaction", "revoke", "system", "unsupported"):
                        continue
                    if kind == "interactive" and "interactive" not in m:
                        continue
                    ids.append(m["id"])
    elif provider == "messenger":
        for e in v["entry"]:
            for ev in e.get("messaging", []):
                if "message" in ev and not ev["message"].get("is_echo"):
                    ids.append(ev["message"]["mid"])
                elif "postback" in ev:
                    ids.append(ev["postback"].get("mid") or f"postback:{ev['sender']['id']}:{ev['timestamp']}")
    elif provider == "telegram":
        m = v.get("message")
        if m and m["chat"]["type"] == "private" and any(k in m for k in ("text", "photo", "document", "sticker", "location")):
            ids.append(f"{m['chat']['id']}:{m['message_id']}")
    elif provider == "twilio" and "MessageSid" in v and "MessageStatus" not in v:
        ids.append(v["MessageSid"])
    return ids


class ChannelsTest(ProcessTest):

    def serve_channels(self, **kw):
        s = self.serve(extra=ACCOUNTS, **kw)
        s.wait_listening()
        return s

    def post(self, s, provider, body, headers=None, path=None):
        path = path or ROUTES[provider]
        return send(s.http_port, path, body, headers if headers is not None else signed(provider, body, path))

    def stored_count(self, s):
        """Messages in Redis, over every customer's timeline (read with redis-cli)."""
        port = s.embedded_port()
        r = RedisServer.__new__(RedisServer)
        r.port = port
        total = 0
        for key in filter(None, r.cli("--scan", "--pattern", "sb:{g*}:tl:*").split("\n")):
            total += int(r.cli("XLEN", key))
        return total

    def test_every_fixture_as_it_is_then_its_bodies_each_stored_once(self):
        s = self.serve_channels()
        seen = set()
        stored = 0
        for provider in ("whatsapp", "messenger", "telegram", "twilio"):
            for f in sorted((FIXTURES / provider).iterdir()):
                raw = f.read_bytes()
                inside = bodies_inside(provider, raw)
                if inside != [raw]:
                    status, body, _ = self.post(s, provider, raw)
                    self.assertEqual(status, 400, f"{f.name} as it is: {body}")
                for b in inside:
                    status, answer, _ = self.post(s, provider, b)
                    self.assertEqual(status, 200, f"{f.name}: {answer}")
                    ids = expected_messages(provider, b)
                    new = [i for i in ids if (provider, i) not in seen]
                    seen.update((provider, i) for i in ids)
                    if provider == "twilio":
                        self.assertIn("<Response>", answer)
                        continue
                    got = json.loads(answer)
                    self.assertEqual(got["stored"], len(set(new)), f"{f.name}: {answer}")
                    self.assertEqual(got["stored"] + got["duplicates"], len(ids), f"{f.name}: {answer}")
                    stored += got["stored"]
        self.assertGreaterEqual(len(seen), 15)  # pywa reuses "wamid.xyzxyz": those are one message
        # What was counted is on /metrics, by provider and kind.
        metrics = get(s.http_port, "/metrics")[1]
        self.assertIn('switchboard_webhook_updates_total{provider="messenger",kind="echo"} 1', metrics)
        # The fixtures' reactions name messages none of them carries: understood, counted, not stored.
        self.assertIn('switchboard_webhook_updates_total{provider="whatsapp",kind="change of a message not stored here"} 3', metrics)
        # Every new message made an event in a customer's timeline (with the conversation's opening).
        self.assertGreaterEqual(self.stored_count(s), len(seen))

    def test_one_message_in_the_timeline_with_its_customer_and_queue(self):
        s = self.serve_channels()
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "555"},
            "contacts": [{"profile": {"name": "Ana Ruiz"}, "wa_id": "34600111222"}],
            "messages": [{"from": "34600111222", "id": "wamid.one", "timestamp": "1700000000", "type": "text",
                          "text": {"body": "Where is my refund?"}}]}}]}]}).encode()
        status, answer, _ = self.post(s, "whatsapp", body)
        self.assertEqual((status, json.loads(answer)["stored"]), (200, 1), answer)
        # The provider retries the same delivery: acknowledged, stored once.
        status, answer, _ = self.post(s, "whatsapp", body)
        self.assertEqual((status, json.loads(answer)["duplicates"]), (200, 1), answer)
        r = RedisServer.__new__(RedisServer)
        r.port = s.embedded_port()
        customer = r.cli("GET", "sb:id:whatsapp:+34600111222")
        self.assertTrue(customer, "the phone number is an identity of one customer")
        status, timeline = get(s.http_port, f"/v1/customers/{customer}/timeline", staff_token("admin", "root", ["care"]))
        self.assertEqual(status, 200, timeline)
        messages = [e["message"] for e in json.loads(timeline)["events"] if "message" in e]
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["body"], "Where is my refund?")
        self.assertEqual(messages[0]["channel"], "CHANNEL_WHATSAPP")
        self.assertEqual(messages[0]["providerMessageId"], "wamid.one")
        status, customer_record = get(s.http_port, f"/v1/customers/{customer}", staff_token("admin", "root", ["care"]))
        self.assertEqual(json.loads(customer_record)["customer"]["displayName"], "Ana Ruiz")
        conv = json.loads(timeline)["events"][0]["conversationId"]
        status, read = get(s.http_port, f"/v1/conversations/{conv}", staff_token("admin", "root", ["care"]))
        self.assertEqual(json.loads(read)["conversation"]["queue"], "billing", "the account's queue")

    def test_signature_matrix_stores_nothing(self):
        s = self.serve_channels()
        body = (FIXTURES / "messenger" / "botbuilder__Payload.json").read_bytes()
        good = meta_headers("fb-secret", body)
        cases = [
            ("no header", {"Content-Type": "application/json"}, body, 401),
            ("another secret", meta_headers("not-the-secret", body), body, 403),
            ("one body byte changed", good, body.replace(b'"text":"text"', b'"text":"texT"'), 403),
            ("re-serialised JSON", good, json.dumps(json.loads(body.decode("utf-8-sig"))).encode(), 403),
            ("hex without sha256=", {"X-Hub-Signature-256": good["X-Hub-Signature-256"][7:]}, body, 403),
        ]
        for what, headers, b, want in cases:
            status, answer, _ = self.post(s, "messenger", b, headers)
            self.assertEqual(status, want, f"{what}: {answer}")
        tg = (FIXTURES / "telegram" / "illemius__message.json").read_bytes()
        self.assertEqual(self.post(s, "telegram", tg, {})[0], 401)
        self.assertEqual(self.post(s, "telegram", tg, {"X-Telegram-Bot-Api-Secret-Token": "tg-secreT"})[0], 403)
        sms = (FIXTURES / "twilio" / "botbuilder__NoMediaPayload.txt").read_bytes()
        path = ROUTES["twilio"]
        for url in ("http://support.example.com", "https://support.example.com:8443", f"http://127.0.0.1:{s.http_port}"):
            fields = urllib.parse.parse_qsl(sms.decode(), keep_blank_values=True)
            data = url + path + "".join(k + v for k, v in sorted(fields))
            sig = base64.b64encode(hmac.new(b"tw-token", data.encode(), hashlib.sha1).digest()).decode()
            self.assertEqual(self.post(s, "twilio", sms, {"X-Twilio-Signature": sig})[0], 403, url)
        self.assertEqual(self.post(s, "twilio", sms, {})[0], 401)
        self.assertEqual(self.stored_count(s), 0, "a refused webhook stores nothing")
        # The same bodies, signed right, are taken.
        self.assertEqual(self.post(s, "messenger", body)[0], 200)
        self.assertEqual(self.post(s, "telegram", tg)[0], 200)
        self.assertEqual(self.post(s, "twilio", sms)[0], 200)
        self.assertGreater(self.stored_count(s), 0)

    def test_meta_handshake_unknown_accounts_and_limits(self):
        s = self.serve_channels()
        q = "hub.mode=subscribe&hub.verify_token=wa-verify&hub.challenge=1158201444"
        self.assertEqual(get(s.http_port, f"/v1/webhooks/whatsapp/main?{q}"), (200, "1158201444"))
        self.assertEqual(get(s.http_port, "/v1/webhooks/whatsapp/main?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1")[0], 403)
        self.assertEqual(get(s.http_port, f"/v1/webhooks/whatsapp/other?{q}")[0], 404)
        self.assertEqual(get(s.http_port, "/v1/webhooks/telegram/bot")[0], 405)
        big = b'{"object":"page","entry":[],"pad":"' + b"x" * (300 * 1024) + b'"}'
        self.assertEqual(self.post(s, "messenger", big)[0], 413)
        self.assertEqual(self.post(s, "messenger", b"{not json")[0], 400)

    def test_redis_down_answers_503_and_the_retry_stores_it(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        s = self.serve_channels(redis_url=f"redis://127.0.0.1:{r.port}")
        body = (FIXTURES / "telegram" / "illemius__message.json").read_bytes()
        r.stop()
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 503, "readyz to go 503")
        status, answer, headers = self.post(s, "telegram", body)
        self.assertEqual(status, 503, answer)
        self.assertIn("Retry-After", headers)
        r2 = RedisServer(os.path.join(self.folder, "ext"), port=r.port)
        self.cleanups.append(r2.stop)
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 200, "readyz back to 200")
        status, answer, _ = self.post(s, "telegram", body)
        self.assertEqual((status, json.loads(answer)["stored"]), (200, 1), answer)

    def test_a_bad_channel_config_names_the_key(self):
        s = self.serve(extra="channels:\n  accounts:\n    - {provider: whatsapp, id: main, verify_token: v}\n")
        self.assertEqual(s.proc.wait(30), 3)
        self.assertIn("channels.accounts[0].app_secret: is required for whatsapp (set it in "
                      "SWITCHBOARD_CHANNELS_ACCOUNTS_0_APP_SECRET)", s.output())


if __name__ == "__main__":
    unittest.main()
