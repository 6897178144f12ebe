"""End to end: the edges of issue 13 that the other channel tests leave out, with the real server.

- The send APIs' certificates are verified: a local HTTPS fake whose certificate nothing trusts
  (no channels.ca_file) or whose certificate names another host is never sent to; the reply ends
  FAILED in the dead letters with the TLS reason.
- Two WhatsApp numbers (and two Twilio numbers) of one company: one phone writing to both is one
  customer, and a reply leaves by the number the customer last wrote to.
- A Telegram button press (callback_query) and Messenger postbacks and quick replies are stored as
  messages whose text is what the customer chose.
- Twilio's signature end to end: a signed form with one byte changed, or signed with another auth
  token, is 403 and stores nothing.
- Body limits: a REST route refuses a body over 64 KiB (Content-Length or chunked) with 413 and
  merges nothing; a chunked webhook over channels.max_webhook_bytes is 413 and stores nothing.

The customers write through webhooks signed by this test's code (test_channels), the agent is a
protocol client (test_desk), the providers are provider_fakes.Fake. Every process a test starts is
stopped by it.
"""
import asyncio
import json
import os
import select
import socket
import subprocess
import time
import unittest
from unittest import mock

import provider_fakes
import test_channels
from provider_fakes import TOKENS, Fake
from test_channels import ACCOUNTS, ROUTES, send, signed, twilio_headers
from test_desk import available, desk, next_frame
from test_http import responses
from test_live_chat import request
from test_outbox import CHANNELS, CUSTOMERS, WithFakes, config, sms_body, telegram_body, whatsapp_body
from test_serve import LIMIT, ProcessTest, RedisServer, get, post, staff_token, wait_for

ADMIN = staff_token("admin", "root", ["care"])
LEAD = staff_token("lead", "lena", ["care"])
WA_A, WA_B = "1122334455667", "7766554433221"  # phone number ids; WA_A is whatsapp_body's
SMS_A, SMS_B = "+15550001111", "+15550002222"  # Twilio numbers; SMS_A is sms_body's "To"
REST_LIMIT = 64 * 1024
WEBHOOK_LIMIT = 262144  # channels.max_webhook_bytes' default


def other_host_certificate(folder):
    """A self-signed certificate for other.example only (not 127.0.0.1): (cert, key) paths."""
    cert, key = os.path.join(folder, "other-cert.pem"), os.path.join(folder, "other-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=other.example", "-addext", "subjectAltName=DNS:other.example"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def two_numbers_config(fake):
    """Two WhatsApp accounts (two phone number ids) and two Twilio numbers of one company."""
    caps = ", ".join(f"{{channel: {c}, max_concurrent: 10}}" for c in CHANNELS)
    wa = (f"provider: whatsapp, app_secret: wa-secret, verify_token: v, access_token: {TOKENS['whatsapp']}, "
          f"api_url: \"{fake.url}/v21.0\"")
    tw = f"provider: twilio, auth_token: tw-token, account_sid: {TOKENS['twilio'][0]}, api_url: \"{fake.url}\""
    return f"""channels:
  public_url: https://support.example.com
  ca_file: {fake.cert}
  accounts:
    - {{id: wa-a, business_id: "{WA_A}", {wa}}}
    - {{id: wa-b, business_id: "{WA_B}", {wa}}}
    - {{id: sms-a, business_id: "{SMS_A}", {tw}}}
    - {{id: sms-b, business_id: "{SMS_B}", {tw}}}
queues:
  - {{name: general, team: care}}
agents:
  - {{id: ann, teams: [care], capacity: [{caps}]}}
"""


def chunked_post(port, path, headers, body, finish=True, size=16384):
    """POSTs `body` in chunks of `size` (Transfer-Encoding: chunked, no Content-Length); the last
    chunk ("0") only if `finish`. Stops sending once the server answers. Returns the one answer
    (status, headers, body) the server sent before closing (within LIMIT)."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    pieces = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    with socket.create_connection(("127.0.0.1", port), timeout=LIMIT) as s:
        try:
            s.sendall(head.encode())
            for piece in pieces + ([b"0\r\n\r\n"] if finish else []):
                if select.select([s], [], [], 0)[0]:
                    break  # answered already (a refusal): the rest is not wanted
                s.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused and closed: its answer is read below
        got = b""
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
    answers = responses(got)
    assert len(answers) == 1, f"one answer, before the body's end unless finish: {answers}"
    return answers[0]


def padded(body, size):
    """`body` (JSON) followed by spaces up to `size` bytes: still the same JSON value."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


class EdgesTest(WithFakes):
    """Each test starts its own fake (if any) and server: see serve_with."""

    stored_count = test_channels.ChannelsTest.stored_count  # messages in Redis, read with redis-cli

    def setUp(self):
        ProcessTest.setUp(self)  # not WithFakes.setUp: the config differs per test

    def serve_with(self, extra, fake=None):
        if fake:
            self.fake = fake
            self.cleanups.append(fake.stop)
        self.s = self.serve(extra=extra)
        self.s.wait_listening()
        return self.s

    def redis(self):
        r = RedisServer.__new__(RedisServer)
        r.port = self.s.embedded_port()
        return r

    def customer_of(self, channel, address):
        return self.redis().cli("GET", f"sb:id:{channel}:{address}")

    def webhook(self, route, provider, body):
        """Posts `body` signed as the provider signs it; asserts 200 and returns the answer."""
        status, answer, _ = send(self.s.http_port, route, body, signed(provider, body, route))
        self.assertEqual(status, 200, answer)
        return answer

    def messages_of(self, channel, address):
        """The messages of the customer's one conversation, as the agent's REST reads them."""
        customer = self.customer_of(channel, address)
        self.assertTrue(customer, f"{channel}:{address} is a customer")
        status, body = get(self.s.http_port, f"/v1/customers/{customer}/timeline", ADMIN)
        self.assertEqual(status, 200, body)
        convs = {e["conversationId"] for e in json.loads(body)["events"]}
        self.assertEqual(len(convs), 1, body)
        return [e["message"] for e in self.events(convs.pop()) if "message" in e]

    async def take_offer(self, ws):
        conv = (await next_frame(ws, "offer"))["offer"]["conversationId"]
        _, ok = await request(ws, {"requestId": "take-" + conv, "answerOffer": {"conversationId": conv, "accept": True}})
        self.assertIn("ack", ok, ok)
        return conv

    async def reply(self, ws, conv, text):
        _, ok = await request(ws, {"requestId": "r-" + text, "sendMessage": {
            "conversationId": conv, "message": {"body": text, "clientMessageId": "c-" + text}}})
        self.assertIn("ack", ok, ok)

    def failed_delivery(self, conv):
        """The reply's one delivery event (its outcome), which must be FAILED."""
        wait_for(lambda: self.deliveries(conv), "the reply's outcome", limit=2 * LIMIT)
        [d] = self.deliveries(conv)
        self.assertEqual(d["state"], "FAILED", d)
        return d

    def one_whatsapp_reply(self):
        """The WhatsApp customer of test_outbox writes; Ann takes it and replies. The conversation."""
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, CUSTOMERS[:1])
            await ws.close()
            return convs["whatsapp"]
        return asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))

    # 1. Certificates are verified against the system's store (plus ca_file, and nothing else).

    def test_a_send_api_whose_certificate_nobody_trusts_gets_nothing_and_the_reply_fails(self):
        """Without channels.ca_file the fake's self-signed certificate is in no trusted store: the
        reply is never sent (the fake never reads a request), each attempt fails in the TLS
        handshake, and after send_attempts it is FAILED and a dead letter naming the certificate."""
        fake = Fake(self.folder)
        cfg = config(fake).replace(f"  ca_file: {fake.cert}\n", "")
        self.assertNotIn("ca_file", cfg)
        self.serve_with(cfg, fake)
        conv = self.one_whatsapp_reply()
        d = self.failed_delivery(conv)
        self.assertEqual(d["attempts"], 3, d)
        self.assertIn("certificate verify failed", d["reason"])
        self.assertTrue(d["reason"].startswith("gave up after 3 attempts: TLS handshake with 127.0.0.1"), d)
        self.assertEqual((self.fake.received, self.fake.refused), ([], []), "no request reached the fake")
        def dead():
            return json.loads(get(self.s.http_port, "/v1/outbox/dead", LEAD)[1])["deadLetters"]
        wait_for(dead, "the dead letter (recorded after the event)")
        [letter] = dead()
        self.assertEqual(letter["conversationId"], conv)
        self.assertIn("certificate verify failed", letter["reason"])

    def test_a_trusted_certificate_for_another_host_name_is_refused(self):
        """ca_file trusts the fake's certificate, but it names other.example, not the 127.0.0.1 of
        api_url: the host name check refuses it, nothing is sent and the reply is FAILED."""
        with mock.patch.object(provider_fakes, "make_certificate", other_host_certificate):
            fake = Fake(self.folder)
        self.serve_with(config(fake), fake)
        conv = self.one_whatsapp_reply()
        d = self.failed_delivery(conv)
        self.assertIn("certificate verify failed", d["reason"])
        self.assertEqual(self.fake.received, [], "no request reached the fake")

    # 2. Several numbers of one company: one customer, the reply by the number written to.

    def number_by_number(self, provider, routes, bodies, sender_of):
        """The customer writes to `routes[0]`, Ann replies; then to `routes[1]`, Ann replies. Returns
        (the conversation, [what sent each reply, by sender_of(the fake's record)])."""
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            conv, senders = None, []
            for n, (route, body) in enumerate(zip(routes, bodies)):
                self.stored_one(route, provider, body)
                conv = conv or await self.take_offer(ws)
                await self.reply(ws, conv, f"reply-{provider}-{n}")
                wait_for(lambda: len(self.fake.sent(provider)) == n + 1, f"reply {n} at the fake")
                senders.append(sender_of(self.fake.sent(provider)[n]))
            await ws.close()
            return conv, senders
        return asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))

    def stored_one(self, route, provider, body):
        """Posts a customer's message; Twilio answers TwiML (what it stored is read back later)."""
        answer = self.webhook(route, provider, body)
        if provider == "twilio":
            self.assertIn("<Response>", answer)
        else:
            self.assertEqual(json.loads(answer)["stored"], 1, answer)

    def assert_one_customer(self, conv, channel, address, bodies):
        customer = self.customer_of(channel, address)
        status, body = get(self.s.http_port, f"/v1/conversations/{conv}", ADMIN)
        self.assertEqual(json.loads(body)["conversation"]["customerId"], customer, body)
        status, body = get(self.s.http_port, f"/v1/customers/{customer}/timeline", ADMIN)
        inbound = [(e["conversationId"], e["message"]["body"]) for e in json.loads(body)["events"]
                   if e.get("message", {}).get("direction") == "DIRECTION_INBOUND"]
        self.assertEqual(inbound, [(conv, b) for b in bodies], "both numbers' messages in one customer's timeline")

    def test_one_phone_on_two_whatsapp_numbers_is_one_customer_answered_by_the_number_used(self):
        """The same phone writes to phone number ids A then B of one company: one customer, one
        conversation; the reply after A's message is sent as A (/A/messages), after B's as B."""
        fake = Fake(self.folder)
        self.serve_with(two_numbers_config(fake), fake)
        bodies = [whatsapp_body("34600111222", "wamid.a1", "to number A"),
                  whatsapp_body("34600111222", "wamid.b1", "to number B").replace(WA_A.encode(), WA_B.encode())]
        routes = ["/v1/webhooks/whatsapp/wa-a", "/v1/webhooks/whatsapp/wa-b"]
        conv, senders = self.number_by_number("whatsapp", routes, bodies, lambda r: (r[1], r[3]["to"]))
        self.assertEqual(senders, [(f"/{WA_A}/messages", "34600111222"), (f"/{WA_B}/messages", "34600111222")])
        self.assertEqual(self.fake.refused, [])
        self.assert_one_customer(conv, "whatsapp", "+34600111222", ["to number A", "to number B"])
        # Each account takes only its own number's updates: A's body posted to B's route is skipped.
        answer = json.loads(self.webhook(routes[1], "whatsapp", whatsapp_body("34600111222", "wamid.a2", "x")))
        self.assertEqual((answer["stored"], answer["skipped"]), (0, {"for another account": 1}), answer)

    def test_one_phone_on_two_twilio_numbers_is_one_customer_answered_from_the_number_used(self):
        """The same phone texts Twilio numbers A then B: one customer; the reply after A's message
        is sent From A, after B's From B (the fake checks each request as Twilio documents it)."""
        fake = Fake(self.folder)
        self.serve_with(two_numbers_config(fake), fake)
        a = sms_body("+15557654321", "SM" + "a" * 32, "text to A")
        b = sms_body("+15557654321", "SM" + "b" * 32, "text to B").replace(b"%2B15550001111", b"%2B15550002222")
        self.assertIn(b"To=%2B15550002222", b)
        routes = ["/v1/webhooks/twilio/sms-a", "/v1/webhooks/twilio/sms-b"]
        conv, senders = self.number_by_number("twilio", routes, [a, b], lambda r: (r[3]["From"], r[3]["To"]))
        self.assertEqual(senders, [(SMS_A, "+15557654321"), (SMS_B, "+15557654321")])
        self.assert_one_customer(conv, "sms", "+15557654321", ["text to A", "text to B"])

    # 3. Buttons: what the customer chose is the message the agent reads.

    def test_a_telegram_button_press_is_the_message_the_agent_reads(self):
        """A callback_query (an inline keyboard's button pressed, as the Bot API posts it) is stored
        once as a Telegram message whose body is the button's data; one without data (a game's) is
        counted and not stored."""
        self.serve_with(ACCOUNTS)
        bot_message = {"message_id": 80, "from": {"id": 123456, "is_bot": True, "first_name": "ShopBot"},
                       "chat": {"id": 5550002, "type": "private"}, "date": int(time.time()), "text": "Which size?"}
        press = {"id": "4382bfdwdsb323b2d9", "from": {"id": 5550002, "is_bot": False, "first_name": "Tom"},
                 "message": bot_message, "chat_instance": "-8840112", "data": "size:L"}
        body = json.dumps({"update_id": 900001, "callback_query": press}).encode()
        route = ROUTES["telegram"]
        self.assertEqual(json.loads(self.webhook(route, "telegram", body))["stored"], 1)
        self.assertEqual(json.loads(self.webhook(route, "telegram", body))["duplicates"], 1, "a retry is stored once")
        game = dict(press, id="77", game_short_name="tetris")
        del game["data"]
        answer = json.loads(self.webhook(route, "telegram", json.dumps({"update_id": 900002, "callback_query": game}).encode()))
        self.assertEqual((answer["stored"], answer["skipped"]), (0, {"callback without data": 1}), answer)
        [m] = self.messages_of("telegram", "5550002")
        self.assertEqual((m["body"], m["channel"], m["direction"]), ("size:L", "CHANNEL_TELEGRAM", "DIRECTION_INBOUND"))
        self.assertEqual(m["providerMessageId"], "callback:4382bfdwdsb323b2d9")

    def test_messenger_postbacks_and_quick_replies_are_the_messages_the_agent_reads(self):
        """Messenger's postback (a button: its title, or its payload when it has no title) and a
        quick reply (its text) are stored as messages in the customer's conversation, in order."""
        self.serve_with(ACCOUNTS)
        now = int(time.time() * 1000)

        def event(n, **what):
            return {"sender": {"id": "2400777"}, "recipient": {"id": "999"}, "timestamp": now + n, **what}
        events = [event(0, postback={"title": "Talk to an agent", "payload": "TALK_TO_AGENT", "mid": "m_pb1"}),
                  event(1, postback={"payload": "ORDER_STATUS"}),  # an older postback: no title, no mid
                  event(2, message={"mid": "m_qr1", "text": "Red", "quick_reply": {"payload": "COLOR_RED"}})]
        body = json.dumps({"object": "page", "entry": [{"id": "999", "time": now, "messaging": events}]}).encode()
        self.assertEqual(json.loads(self.webhook(ROUTES["messenger"], "messenger", body))["stored"], 3)
        got = [(m["body"], m["channel"], m["providerMessageId"]) for m in self.messages_of("messenger", "2400777")]
        self.assertEqual(got, [("Talk to an agent", "CHANNEL_MESSENGER", "m_pb1"),
                               ("ORDER_STATUS", "CHANNEL_MESSENGER", f"postback:2400777:{now + 1}"),
                               ("Red", "CHANNEL_MESSENGER", "m_qr1")])

    # 4. Twilio's signature, end to end.

    def test_a_twilio_form_changed_after_signing_or_signed_with_another_token_is_403(self):
        """X-Twilio-Signature over the public URL and sorted fields: one byte of the form changed
        after signing, or a signature with another auth token, is 403 and stores nothing; the
        form as signed is then taken (so the refusals were the signature's)."""
        self.serve_with(ACCOUNTS)
        route = ROUTES["twilio"]
        form = sms_body("+15557654321", "SM" + "c" * 32, "please call me back")
        changed = form.replace(b"please", b"pleasE")
        self.assertEqual(len(changed), len(form))
        for what, body, headers in (("one byte changed", changed, twilio_headers("tw-token", route, form)),
                                    ("another auth token", form, twilio_headers("not-tw-token", route, form))):
            status, answer, _ = send(self.s.http_port, route, body, headers)
            self.assertEqual(status, 403, f"{what}: {answer}")
        self.assertEqual(self.stored_count(self.s), 0, "a refused webhook stores nothing")
        self.assertEqual(self.customer_of("sms", "+15557654321"), "", "nor makes a customer")
        self.assertIn("<Response>", self.webhook(route, "twilio", form))
        self.assertEqual([m["body"] for m in self.messages_of("sms", "+15557654321")], ["please call me back"])

    # 5. Body limits on a REST route and on a chunked webhook.

    def two_customers(self):
        self.webhook(ROUTES["whatsapp"], "whatsapp", whatsapp_body("34600111222", "wamid.l1", "hi"))
        self.webhook(ROUTES["telegram"], "telegram", telegram_body(5550001, 71, "hello"))
        return self.customer_of("whatsapp", "+34600111222"), self.customer_of("telegram", "5550001")

    def test_a_rest_body_over_64_kib_is_413_and_merges_nothing(self):
        """POST /v1/customers/{id}/merges with a valid merge padded past 64 KiB: 413 whether it
        says its Content-Length or comes chunked, and no merge; padded to exactly 64 KiB (chunked) it
        merges, so the refusals were the size's."""
        self.serve_with(ACCOUNTS)
        target, source = self.two_customers()
        path = f"/v1/customers/{target}/merges"
        merge = json.dumps({"sourceCustomerId": source, "reason": "same person"}).encode()
        status, answer = post(self.s.http_port, path, padded(merge, REST_LIMIT + 1), LEAD)
        self.assertEqual((status, json.loads(answer)["code"]), (413, "payload_too_large"), answer)
        status, _, answer = chunked_post(self.s.http_port, path, {"Authorization": f"Bearer {LEAD}"},
                                             padded(merge, REST_LIMIT + 1), finish=False)
        self.assertEqual((status, json.loads(answer)["message"]), (413, "a request body may be at most 64 KiB"))
        self.assertEqual(get(self.s.http_port, path, LEAD), (200, '{"merges":[]}'), "nothing merged")
        status, _, answer = chunked_post(self.s.http_port, path, {"Authorization": f"Bearer {LEAD}"}, padded(merge, REST_LIMIT))
        self.assertEqual(status, 201, answer)
        self.assertEqual(json.loads(answer)["merge"]["sourceCustomerId"], source)

    def test_a_chunked_webhook_over_the_limit_is_413_and_stores_nothing(self):
        """A signed Telegram update padded past channels.max_webhook_bytes, sent chunked (no
        Content-Length): 413 before its end, nothing stored; padded to exactly the limit it is stored."""
        self.serve_with(ACCOUNTS)
        route = ROUTES["telegram"]
        update = telegram_body(5550003, 72, "a long story")
        status, _, answer = chunked_post(self.s.http_port, route, signed("telegram", update),
                                             padded(update, WEBHOOK_LIMIT + 1), finish=False)
        self.assertEqual((status, json.loads(answer)["message"]), (413, "larger than channels.max_webhook_bytes"))
        self.assertEqual(self.stored_count(self.s), 0)
        status, _, answer = chunked_post(self.s.http_port, route, signed("telegram", update), padded(update, WEBHOOK_LIMIT))
        self.assertEqual((status, json.loads(answer)["stored"]), (200, 1), answer)
        self.assertEqual([m["body"] for m in self.messages_of("telegram", "5550003")], ["a long story"])


if __name__ == "__main__":
    unittest.main()
