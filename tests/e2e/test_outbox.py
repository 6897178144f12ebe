"""End to end: an agent answers WhatsApp, Messenger, Instagram, Telegram and SMS customers from one
desk, and each reply leaves through the outbox to that customer's provider — here local HTTPS fakes
that check every request as the provider documents it (provider_fakes.py). The customers write
through signed webhooks (test_channels.py's signing), the agent is a protocol client; what became
of each reply is read back as the conversation's `delivery` events. Then a provider's failures:
a 503 and a 429 are tried again, a hung connection times out and is tried again, a 400 is FAILED
at once and goes to the dead letters, where a lead sees it and sends it again. Every process a test starts is stopped by it.
"""
import asyncio
import json
import os
import time
import unittest
import urllib.parse

from provider_fakes import TOKENS, Fake
from test_channels import ROUTES, send, signed
from test_desk import available, desk, next_frame
from test_live_chat import request
from test_serve import LIMIT, ProcessTest, RedisServer, get, post, staff_token, wait_for

CHANNELS = ("web", "whatsapp", "messenger", "instagram", "telegram", "sms")


def config(fake, send_timeout_ms=1000, claim_idle_ms=1000):
    caps = ", ".join(f"{{channel: {c}, max_concurrent: 10}}" for c in CHANNELS)
    return f"""channels:
  public_url: https://support.example.com
  ca_file: {fake.cert}
  claim_idle_ms: {claim_idle_ms}
  send_timeout_ms: {send_timeout_ms}
  max_retry_delay_ms: 300
  send_attempts: 3
  accounts:
    - {{provider: whatsapp, id: main, app_secret: wa-secret, verify_token: v, access_token: {TOKENS['whatsapp']},
       business_id: "1122334455667", api_url: "{fake.url}/v21.0"}}
    - {{provider: messenger, id: page, app_secret: fb-secret, verify_token: v, access_token: {TOKENS['messenger']},
       api_url: "{fake.url}/v21.0"}}
    - {{provider: instagram, id: ig, app_secret: ig-secret, verify_token: v, access_token: {TOKENS['instagram']},
       api_url: "{fake.url}/v21.0"}}
    - {{provider: telegram, id: bot, secret_token: tg-secret, bot_token: "{TOKENS['telegram']}", api_url: "{fake.url}"}}
    - {{provider: twilio, id: sms, auth_token: tw-token, account_sid: {TOKENS['twilio'][0]}, business_id: "+15550001111",
       api_url: "{fake.url}"}}
  whatsapp_templates:
    - {{name: order_update, language: en_US, body: "Hi {{{{1}}}}, your order {{{{2}}}} has shipped.", variables: [customer name, order number]}}
queues:
  - name: general
    team: care
    policy: {{offer_timeout_seconds: 30}}
agents:
  - {{id: ann, teams: [care], capacity: [{caps}]}}
"""


def whatsapp_body(phone, mid, text, sent_at=None):
    """A WhatsApp text message as Meta posts it, sent at `sent_at` (Unix seconds; default now)."""
    at = int(time.time() if sent_at is None else sent_at)
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"},
        "contacts": [{"profile": {"name": "Wanda"}, "wa_id": phone}],
        "messages": [{"from": phone, "id": mid, "timestamp": str(at), "type": "text", "text": {"body": text}}]}}]}]}).encode()


def messenger_body(obj, psid, mid, text):
    return json.dumps({"object": obj, "entry": [{"id": "999", "time": 1, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": "999"}, "timestamp": int(time.time() * 1000),
        "message": {"mid": mid, "text": text}}]}]}).encode()


def telegram_body(user, msg_id, text):
    return json.dumps({"update_id": msg_id, "message": {"message_id": msg_id, "from": {"id": user, "is_bot": False, "first_name": "Tom"},
                                                        "chat": {"id": user, "type": "private"}, "date": int(time.time()), "text": text}}).encode()


def sms_body(phone, sid, text):

    return urllib.parse.urlencode({"MessageSid": sid, "From": phone, "To": "+15550001111", "Body": text, "NumMedia": "0"}).encode()


CUSTOMERS = [
    ("whatsapp", whatsapp_body("34600111222", "wamid.in1", "WhatsApp: where is my order?")),
    ("messenger", messenger_body("page", "2400001", "m_in1", "Messenger: can I change my address?")),
    ("instagram", messenger_body("instagram", "1780001", "ig_in1", "Instagram: is the jacket in stock?")),
    ("telegram", telegram_body(5550001, 71, "Telegram: how do I reset my password?")),
    ("twilio", sms_body("+15557654321", "SM" + "1" * 32, "SMS: please call me back")),
]


class WithFakes(ProcessTest):
    """A server whose accounts send to the local HTTPS fakes (self.fake), and its events read back."""

    def setUp(self):
        super().setUp()
        self.fake = Fake(self.folder)
        self.cleanups.append(self.fake.stop)
        self.s = self.serve(extra=config(self.fake))
        self.s.wait_listening()

    def events(self, conv):
        status, body = get(self.s.http_port, f"/v1/conversations/{conv}?limit=1000", staff_token("admin", "root", ["care"]))
        assert status == 200, body
        return json.loads(body)["events"]

    def deliveries(self, conv):
        return [e["delivery"] for e in self.events(conv) if "delivery" in e]

    async def answer_each(self, ws, bodies):
        """Each customer writes through their webhook; Ann accepts the offer and replies. Returns
        {provider: conversation id}."""
        convs = {}
        for provider, body in bodies:
            status, answer, _ = send(self.s.http_port, ROUTES[provider], body, signed(provider, body, ROUTES[provider]))
            assert status == 200, answer
            offer = (await next_frame(ws, "offer"))["offer"]
            conv = offer["conversationId"]
            _, ok = await request(ws, {"requestId": "take-" + provider, "answerOffer": {"conversationId": conv, "accept": True}})
            assert "ack" in ok, ok
            _, ok = await request(ws, {"requestId": "reply-" + provider, "sendMessage": {
                "conversationId": conv, "message": {"body": f"Hello {provider}, Ann here.", "clientMessageId": "r-" + provider}}})
            assert "ack" in ok, ok
            convs[provider] = conv
        return convs


class OutboxTest(WithFakes):

    def test_one_desk_answers_five_channels_and_each_reply_reaches_its_provider(self):
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, CUSTOMERS)
            await ws.close()
            return convs
        convs = asyncio.run(scenario())
        wait_for(lambda: len(self.fake.received) == 5, "five replies at the fakes")
        self.assertEqual(self.fake.refused, [])
        by = {r[0]: r for r in self.fake.received}
        self.assertEqual(by["whatsapp"][1], "/1122334455667/messages")
        self.assertEqual(by["whatsapp"][3]["to"], "34600111222")
        self.assertEqual(by["whatsapp"][3]["text"]["body"], "Hello whatsapp, Ann here.")
        self.assertEqual(by["messenger"][3]["recipient"]["id"], "2400001")
        self.assertEqual(by["instagram"][3]["recipient"]["id"], "1780001")
        self.assertEqual(by["instagram"][2]["Authorization"], "Bearer " + TOKENS["instagram"])
        self.assertEqual(str(by["telegram"][3]["chat_id"]), "5550001")
        self.assertEqual(by["twilio"][3], {"To": "+15557654321", "From": "+15550001111", "Body": "Hello twilio, Ann here."})
        for provider, conv in convs.items():
            wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(conv)), f"{provider} SENT")
            d = [d for d in self.deliveries(conv) if d.get("state") == "SENT"]
            self.assertEqual(len(d), 1, d)
            self.assertTrue(d[0]["providerMessageId"], d)
            self.assertEqual(d[0]["attempts"], 1)
        ids = {p: self.deliveries(c)[0]["providerMessageId"] for p, c in convs.items()}
        self.assertTrue(ids["whatsapp"].startswith("wamid.fake"), ids)
        self.assertTrue(ids["messenger"].startswith("m_fake"), ids)
        self.assertTrue(ids["telegram"].startswith("5550001:"), ids)
        self.assertTrue(ids["twilio"].startswith("SM"), ids)

    def reply_with_script(self, script):
        self.fake.script = list(script)

        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, CUSTOMERS[:1])
            await ws.close()
            return convs["whatsapp"]
        return asyncio.run(scenario())

    def test_a_503_and_a_429_are_tried_again(self):
        conv = self.reply_with_script([(503, {"error": {"message": "Service temporarily unavailable", "code": 2}}, {}),
                                       (429, {"error": {"message": "(#80007) Rate limit hit", "code": 80007}}, {"Retry-After": "0"})])
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(conv)), "SENT after two failures")
        d = self.deliveries(conv)
        self.assertEqual([x["state"] for x in d], ["SENT"], "one delivery event: the outcome")
        self.assertEqual(d[0]["attempts"], 3)
        self.assertEqual(len(self.fake.sent("whatsapp")), 1, "sent once")

    def test_a_hung_provider_times_out_and_is_tried_again(self):
        conv = self.reply_with_script(["hang"])
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(conv)), "SENT after a timeout")
        self.assertEqual(self.deliveries(conv)[0]["attempts"], 2)

    def test_a_refusal_fails_at_once_and_goes_to_the_dead_letters(self):
        conv = self.reply_with_script([(400, {"error": {"message": "(#131026) Message undeliverable", "code": 131026}}, {})])
        wait_for(lambda: any(d.get("state") == "FAILED" for d in self.deliveries(conv)), "FAILED")
        d = self.deliveries(conv)[0]
        self.assertEqual(d["attempts"], 1)
        self.assertIn("131026", d["reason"])
        self.assertEqual(self.fake.sent("whatsapp"), [])

        # The leads see it; agents may not.
        lead = staff_token("lead", "lena", ["care"])
        status, body = get(self.s.http_port, "/v1/outbox/dead", staff_token("agent", "ann", ["care"]))
        self.assertEqual(status, 403, body)
        status, body = get(self.s.http_port, "/v1/outbox/dead", staff_token("lead", "other", ["sales"]))
        self.assertEqual((status, json.loads(body)["deadLetters"]), (200, []), "another team's lead sees none")
        status, body = get(self.s.http_port, "/v1/outbox/dead?limit=0", lead)
        self.assertEqual(status, 400, body)
        self.assertTrue(json.loads(body)["message"].startswith("limit:"), body)
        status, body = get(self.s.http_port, "/v1/outbox/dead", lead)
        self.assertEqual(status, 200, body)
        page = json.loads(body)
        self.assertEqual(page["total"], 1)
        [letter] = page["deadLetters"]
        self.assertEqual((letter["conversationId"], letter["channel"], letter["queue"], letter["attempts"]),
                         (conv, "whatsapp", "general", 1))
        self.assertIn("Message undeliverable", letter["reason"])
        self.assertEqual(letter["body"], "Hello whatsapp, Ann here.")
        retry = f"/v1/outbox/dead/{conv}/{letter['seq']}/retry"
        self.assertEqual(get(self.s.http_port, retry, lead)[0], 405, "POST only")

        # Sent again by the lead: QUEUED, then SENT by the outbox, and the letter is gone.
        status, body = post(self.s.http_port, retry, token=lead)
        self.assertEqual(status, 202, body)
        wait_for(lambda: self.deliveries(conv)[-1].get("state") == "SENT", "SENT after the retry")
        self.assertEqual([d["state"] for d in self.deliveries(conv)], ["FAILED", "QUEUED", "SENT"])
        queued = [e for e in self.events(conv) if "delivery" in e][1]
        self.assertEqual(queued["actor"], "lena")
        self.assertEqual(len(self.fake.sent("whatsapp")), 1, "sent once")
        self.assertEqual(json.loads(get(self.s.http_port, "/v1/outbox/dead", lead)[1])["total"], 0)
        status, body = post(self.s.http_port, retry, token=lead)
        self.assertEqual(status, 404, body)
        self.assertEqual(len(self.fake.sent("whatsapp")), 1, "a second retry sends nothing")

    def test_replies_whose_entries_share_an_id_in_two_groups_both_go(self):
        # Stream entry ids are unique per stream only: two replies stored in the same millisecond in
        # two shard groups' outbox streams get the same id. Made certain here by moving both streams'
        # last id past now (XSETID), so that each next XADD * is <that ms>-1. Found by
        # bench/webhook_load: the outbox took the second for one it held already and left it to
        # claim_idle_ms (here a minute: past this test's waits).
        self.s.stop()
        folder = os.path.join(self.folder, "long-claim")
        os.makedirs(folder)
        self.s = self.serve(folder=folder, extra=config(self.fake, claim_idle_ms=60000))
        self.s.wait_listening()
        r = RedisServer.__new__(RedisServer)
        r.port = self.s.embedded_port()
        wait_for(lambda: r.cli("EXISTS", "sb:{g255}:ob") == "1", "the outbox's streams (made in order)")
        far = int(time.time() * 1000) + 3_600_000
        for g in range(256):
            r.cli("XSETID", f"sb:{{g{g}}}:ob", f"{far}-0")

        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, [CUSTOMERS[0], CUSTOMERS[3]])
            await ws.close()
            return convs
        convs = asyncio.run(scenario())
        groups = {c.rsplit("-", 1)[1] for c in convs.values()}
        self.assertEqual(len(groups), 2, f"two shard groups: {convs}")
        ids = [r.cli("XRANGE", f"sb:{{g{g}}}:ob", "-", "+", "COUNT", "1").split()[0] for g in groups]
        self.assertEqual(ids, [f"{far}-1"] * 2, "the same entry id in both streams")
        for provider, conv in convs.items():
            wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(conv)), f"{provider} SENT")

    def status(self, provider, body):
        status, answer, _ = send(self.s.http_port, ROUTES[provider], body, signed(provider, body, ROUTES[provider]))
        self.assertEqual(status, 200, answer)
        return answer

    def test_the_providers_statuses_move_a_reply_forward_only(self):
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, [CUSTOMERS[0], CUSTOMERS[4]])
            await ws.close()
            return convs
        convs = asyncio.run(scenario())
        wa, sms = convs["whatsapp"], convs["twilio"]
        wait_for(lambda: all(self.deliveries(c) for c in (wa, sms)), "both SENT")
        wamid = self.deliveries(wa)[0]["providerMessageId"]
        sid = self.deliveries(sms)[0]["providerMessageId"]

        def wa_status(state):
            return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"},
                "statuses": [{"id": wamid, "status": state, "timestamp": str(int(time.time())), "recipient_id": "34600111222"}]}}]}]}).encode()
        self.status("whatsapp", wa_status("read"))
        late = json.loads(self.status("whatsapp", wa_status("delivered")))  # out of order: after read
        self.assertEqual(late["skipped"], {"status not forward": 1})
        again = json.loads(self.status("whatsapp", wa_status("read")))  # the provider's retry
        self.assertEqual(again["skipped"], {"status already recorded": 1})
        self.assertEqual([d["state"] for d in self.deliveries(wa)], ["SENT", "READ"])

        callback = urllib.parse.urlencode({"MessageSid": sid, "MessageStatus": "delivered", "From": "+15550001111",
                                           "To": "+15557654321", "AccountSid": TOKENS["twilio"][0]}).encode()
        self.status("twilio", callback)
        self.assertEqual([d["state"] for d in self.deliveries(sms)], ["SENT", "DELIVERED"])
        unknown = json.loads(self.status("whatsapp", wa_status("read").replace(wamid.encode(), b"wamid.not-ours")))
        self.assertEqual(unknown["skipped"], {"status of a message not sent here": 1})

    def test_an_outbox_killed_mid_send_loses_nothing_and_another_sends_it(self):
        # Redis of their own, which outlives the process killed here (an embedded one is its child).
        self.s.stop()
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        cfg = config(self.fake, send_timeout_ms=20000)
        for name in ("p1", "p2"):
            os.makedirs(os.path.join(self.folder, name))
        first = self.serve(os.path.join(self.folder, "p1"), redis_url=f"redis://127.0.0.1:{r.port}", extra=cfg)
        first.wait_listening()
        self.s = first
        self.fake.hang_seconds = 30
        self.fake.script = ["hang"]

        async def scenario():
            ws, _ = await desk(first.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, CUSTOMERS[:1])
            await ws.close()
            return convs["whatsapp"]
        conv = asyncio.run(scenario())
        wait_for(lambda: self.fake.hung == 1, "the send under way")
        first.proc.kill()  # mid-send: no outcome recorded, the entry stays pending
        first.proc.wait(LIMIT)
        second = self.serve(os.path.join(self.folder, "p2"), redis_url=f"redis://127.0.0.1:{r.port}", extra=cfg,
                            roles="gateway,outbox")
        second.wait_listening()
        self.s = second
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(conv)), "SENT by the other process")
        self.assertEqual(len(self.fake.sent("whatsapp")), 1, "sent once by the one that took it over")
        self.assertEqual([d["state"] for d in self.deliveries(conv)], ["SENT"])

    def test_retries_end_in_failure_after_the_configured_attempts(self):
        conv = self.reply_with_script([(500, {"error": {"message": "boom"}}, {})] * 3)
        wait_for(lambda: any(d.get("state") == "FAILED" for d in self.deliveries(conv)), "FAILED after 3 attempts")
        d = self.deliveries(conv)[0]
        self.assertEqual(d["attempts"], 3)
        self.assertTrue(d["reason"].startswith("gave up after 3 attempts: 500"), d)


if __name__ == "__main__":
    unittest.main()
