"""End to end: an agent's answer to an email customer leaves through the outbox to a mail relay
(aiosmtpd, mail_relay.py: STARTTLS and AUTH required), and the customer's answer to it comes back
into the same conversation: one thread in the customer's mail program and at the desk.

The test reads what reached the relay with Python's email package (not our parser) and checks the
envelope, From, Reply-To (the reply address), Message-ID (ours, stable), In-Reply-To, References,
Subject and the quoted mail, and its DKIM signature with Debian's dkimpy; then a 451 tried again with the same Message-ID, a 550 failed at once
and never sent again, and no relay at all. Every process a test starts is stopped by it.
"""
import asyncio
import base64
import email
import email.policy
import json
import os
import subprocess

import dkim

from mail_relay import PASSWORD, USER, Relay
from test_desk import available, desk, next_frame
from test_email import ADMIN, SmtpServer, mail, our_message_id, reply_address
from test_live_chat import request
from test_serve import get, wait_for


def relay_config(relay):
    """(keys of channels, keys of channels.email) for the relay."""
    return (f"  ca_file: {relay.cert}\n  send_attempts: 3\n  max_retry_delay_ms: 200\n",
            f"    relay: {{host: 127.0.0.1, port: {relay.port}, tls: starttls, username: {USER}, password: {PASSWORD}}}\n")


class AnswerTest(SmtpServer):

    def setUp(self):
        super().setUp()
        self.relay = Relay(self.folder)
        self.cleanups.append(self.relay.stop)

    def serve_with_relay(self):
        channels, relay = relay_config(self.relay)
        key = os.path.join(self.folder, "dkim.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True, timeout=60)
        der = subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-outform", "DER"], check=True, capture_output=True,
                             timeout=60).stdout
        self.dkim_record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)
        dkim_keys = f"    dkim: {{domain: example.com, selector: sb, private_key_file: {key}}}\n"
        return self.serve_mail(relay + dkim_keys, extra_channels=channels)

    def dkim_valid(self, raw):
        """Debian's dkimpy checks the signature, our TXT record given as the DNS answer."""
        asked = []

        def dns(name, timeout=5):
            asked.append(name)
            return self.dkim_record if name == b"sb._domainkey.example.com." else None
        ok = dkim.verify(raw, dnsfunc=dns)
        self.assertIn(b"sb._domainkey.example.com.", asked)
        return ok

    def answer(self, s, conv_text, reply_text, headers=()):
        """The customer writes; Ann takes the offer and answers. (conversation, reply seq)."""
        async def scenario():
            ws, _ = await desk(s.http_port, "ann")
            await available(ws)
            conv = self.send(s, mail("Order 1234", conv_text, headers=["Message-ID: <m1@x.org>", *headers]))
            offer = (await next_frame(ws, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            _, ok = await request(ws, {"requestId": "a", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertIn("ack", ok)
            _, ok = await request(ws, {"requestId": "r", "sendMessage": {"conversationId": conv,
                                       "message": {"body": reply_text, "clientMessageId": "r1"}}})
            self.assertIn("ack", ok, ok)
            await ws.close()
            return conv, int(ok["ack"]["seq"])
        return asyncio.run(scenario())

    def deliveries(self, s, conv):
        return [e["delivery"] for e in self.events(s, conv)["events"] if "delivery" in e]

    def test_the_answer_is_a_threaded_mail_and_the_customers_reply_joins_the_conversation(self):
        s = self.serve_with_relay()
        conv, seq = self.answer(s, "It has not arrived.\r\n", "Your parcel left today.\nAnn")
        wait_for(lambda: len(self.relay.taken()) == 1, "the answer at the relay")
        mail_from, rcpts, raw = self.relay.taken()[0]
        self.assertEqual((mail_from, rcpts), ("support@example.com", ["ana@x.org"]))
        self.assertIn(("PLAIN", True), self.relay.logins)
        m = email.message_from_bytes(raw, policy=email.policy.default)
        ours = our_message_id(conv, seq)
        self.assertEqual(m["Message-ID"], f"<{ours}>")
        self.assertEqual(m["In-Reply-To"], "<m1@x.org>")
        self.assertIn("<m1@x.org>", m["References"])
        self.assertEqual(m["Subject"], "Re: Order 1234")
        self.assertEqual(m["From"].addresses[0].addr_spec, "support@example.com")
        self.assertEqual(m["Reply-To"].addresses[0].addr_spec, reply_address(conv))
        self.assertEqual(m["To"].addresses[0].addr_spec, "ana@x.org")
        self.assertTrue(self.dkim_valid(raw), "signed with the domain's key")
        self.assertFalse(self.dkim_valid(raw.replace(b"parcel left", b"parcel lost")), "a changed body is caught")
        text = m.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("Your parcel left today.\nAnn", text)
        self.assertIn("> It has not arrived.", text)
        wait_for(lambda: [d["state"] for d in self.deliveries(s, conv)] == ["SENT"], "SENT")
        self.assertEqual(self.deliveries(s, conv)[0]["providerMessageId"], ours)
        # The customer answers from their mail program: to the Reply-To, In-Reply-To our id.
        answer = mail("Re: Order 1234", "Thanks, it came!\r\n\r\nOn Tue, 1 Dec 2026 at 10:05, Ann <support@example.com> wrote:\r\n"
                      "> Your parcel left today.\r\n> Ann\r\n",
                      to=reply_address(conv), headers=[f"In-Reply-To: <{ours}>", f"References: <m1@x.org> <{ours}>"])
        self.assertEqual(self.send(s, answer, to=reply_address(conv)), conv)
        bodies = [(e["message"]["direction"], e["message"]["body"]) for e in self.events(s, conv)["events"] if "message" in e]
        self.assertEqual(bodies, [("DIRECTION_INBOUND", "It has not arrived."), ("DIRECTION_OUTBOUND", "Your parcel left today.\nAnn"),
                                  ("DIRECTION_INBOUND", "Thanks, it came!")])

    def test_a_451_is_tried_again_as_the_same_mail_and_a_550_is_not(self):
        s = self.serve_with_relay()
        self.relay.answers = ["451 4.3.0 busy, try later"]
        conv, seq = self.answer(s, "First.", "Answer one.")
        wait_for(lambda: len(self.relay.taken()) == 1, "the answer after the 451")
        # The relay has the mail; the outbox records SENT after that (under ASan, a moment later).
        wait_for(lambda: any(x["state"] == "SENT" for x in self.deliveries(s, conv)), "the SENT delivery")
        d = [x for x in self.deliveries(s, conv) if x["state"] == "SENT"]
        self.assertEqual((len(d), d[0]["attempts"]), (1, 2))
        raw = self.relay.taken()[0][2]
        self.assertIn(f"<{our_message_id(conv, seq)}>".encode(), raw)
        self.relay.answers = ["550 5.7.1 relaying denied"]

        async def reply_again():
            ws, _ = await desk(s.http_port, "ann")
            _, ok = await request(ws, {"requestId": "r2", "sendMessage": {"conversationId": conv,
                                       "message": {"body": "Answer two.", "clientMessageId": "r2"}}})
            await ws.close()
            return ok
        ok = asyncio.run(reply_again())
        self.assertIn("ack", ok, ok)
        wait_for(lambda: any(x["state"] == "FAILED" for x in self.deliveries(s, conv)), "FAILED")
        failed = [x for x in self.deliveries(s, conv) if x["state"] == "FAILED"][0]
        self.assertEqual(failed["attempts"], 1, "a 5xx is not tried again")
        self.assertIn("550 5.7.1 relaying denied", failed["reason"])
        self.assertEqual(len(self.relay.taken()), 1)
        status, dead = get(s.http_port, "/v1/outbox/dead", ADMIN)
        self.assertEqual(status, 200, dead)
        self.assertIn("relaying denied", dead)

    def test_without_a_relay_the_answer_fails_and_says_why(self):
        s = self.serve_mail()
        conv, _ = self.answer(s, "Hello?", "Hello!")
        wait_for(lambda: any(x["state"] == "FAILED" for x in self.deliveries(s, conv)), "FAILED")
        failed = [x for x in self.deliveries(s, conv) if x["state"] == "FAILED"][0]
        self.assertIn("no mail relay is configured (channels.email.relay.host)", failed["reason"])
        self.assertEqual(self.relay.taken(), [])
        self.assertTrue(json.loads(get(s.http_port, "/v1/outbox/dead", ADMIN)[1]))
