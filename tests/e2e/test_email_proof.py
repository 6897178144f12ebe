"""End to end: a web customer proves an email address in the chat (docs/CHANNELS.md, "A customer
proves who they are"). The code goes by mail through the relay (aiosmtpd, mail_relay.py: STARTTLS
and AUTH required, as a company's submission server); the test reads it there with Python's email
package, as the customer would in their mail program. A wrong code costs a try; the right one links
the address to the customer with its proof and merges into them the customer who had written from
it by email, so the agent sees one timeline, and their next mail joins them. Without a relay the
frame says it is not available. Every process a test starts is stopped by it.
"""
import asyncio
import email
import email.policy
import json
import re

from mail_relay import Relay
from test_desk import next_frame
from test_email import SmtpServer, mail
from test_email_out import relay_config
from test_live_chat import connect, request, say, visitor_token
from test_channels import ROUTES, send, signed
from test_outbox import whatsapp_body
from test_serve import LIMIT, RedisServer, get, post, staff_token

ADMIN = staff_token("admin", "root", ["care"])


class EmailProofTest(SmtpServer):

    def setUp(self):
        super().setUp()
        self.relay = Relay(self.folder)
        self.cleanups.append(self.relay.stop)

    def codes_mailed(self, to):
        """The code mails the relay took for `to`: (envelope sender, parsed message, the six digits)."""
        out = []
        for mail_from, rcpts, raw in self.relay.taken():
            if rcpts != [to]:
                continue
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            out.append((mail_from, msg, re.search(r"\b(\d{6})\b", msg.get_content()).group(1)))
        return out

    def test_a_web_customer_proves_an_address_and_their_mail_joins_them(self):
        channels, relay = relay_config(self.relay)
        s = self.serve_mail(relay, extra_channels=channels)
        mail_conv = self.send(s, mail("Order 1234", "From my mail program.", headers=["Message-ID: <p1@x.org>"]))
        mailer = self.customer(s, "ana@x.org")

        async def scenario():
            ws = await connect(s.http_port, visitor_token(s.http_port))
            _, opened = await request(ws, say("m1", "I mailed you too", "c1"))
            conv = opened["ack"]["conversationId"]
            for bad in ({"email": "ana at x.org"}, {"email": "ana@x.org", "phone": "+34600111222"}, {}):
                _, no = await request(ws, {"requestId": "b", "proveIdentity": {"conversationId": conv, **bad}})
                self.assertEqual(no["error"]["code"], "bad_request", (bad, no))
            _, sent = await request(ws, {"requestId": "p1", "proveIdentity": {"conversationId": conv, "email": " Ana@X.org "}})
            self.assertIn("ack", sent, sent)
            [(mail_from, msg, code)] = self.codes_mailed("ana@x.org")
            self.assertEqual(mail_from, "support@example.com")
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            self.assertIn(code, msg["Subject"])
            self.assertIn("expires in 10 minutes", msg.get_content())
            wrong = "000000" if code != "000000" else "111111"
            _, no = await request(ws, {"requestId": "w1", "confirmIdentity": {"conversationId": conv, "code": wrong}})
            self.assertEqual(no["error"]["message"], "wrong code: 4 tries left")
            before, yes = await request(ws, {"requestId": "y1", "confirmIdentity": {"conversationId": conv, "code": code}})
            self.assertIn("ack", yes, yes)
            events = [f["event"] for f in before if "event" in f]
            for _ in range(20):  # the live event may come after the ack
                if any("identityProved" in e for e in events):
                    break
                events.append((await next_frame(ws, "event"))["event"])
            await ws.close()
            return conv, [e["identityProved"] for e in events if "identityProved" in e]

        conv, [proved] = asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))
        self.assertEqual((proved["channel"], proved["address"], proved["method"]), ("CHANNEL_EMAIL", "ana@x.org", "email_code"))
        self.assertEqual(proved["mergedCustomerIds"], [mailer])
        web = self.events(s, conv)["conversation"]["customerId"]
        status, body = get(s.http_port, f"/v1/customers/{web}", ADMIN)
        ids = {(i["channel"], i["address"]): i for i in json.loads(body)["customer"]["identities"]}
        self.assertEqual(ids[("CHANNEL_EMAIL", "ana@x.org")]["proof"]["method"], "email_code")
        status, body = get(s.http_port, f"/v1/customers/{web}/timeline?limit=100", ADMIN)
        bodies = {e["message"]["body"] for e in json.loads(body)["events"] if "message" in e}
        self.assertTrue({"I mailed you too", "From my mail program."} <= bodies, bodies)
        # Her next mail is the web customer's: one person, one timeline.
        self.send(s, mail("Re: Order 1234", "And again.", headers=["In-Reply-To: <p1@x.org>"]))
        self.assertEqual(self.customer(s, "ana@x.org"), web)
        self.assertNotEqual(mail_conv, conv)

    def test_one_timeline_of_chat_email_and_whatsapp(self):
        """Issue 14's "done when": the agent sees the customer's email, chats and WhatsApp messages in
        one timeline. She writes by email and on WhatsApp, then chats and proves her address; a lead
        merges her WhatsApp self in (she gave her number in the chat)."""
        channels, relay = relay_config(self.relay)
        whatsapp = "  accounts:\n    - {provider: whatsapp, id: main, app_secret: wa-secret, verify_token: wa-verify}\n"
        s = self.serve_mail(relay, extra_channels=channels + whatsapp)
        self.send(s, mail("Order 1234", "By email.", headers=["Message-ID: <o1@x.org>"]))
        body = whatsapp_body("34600111222", "wamid.o1", "By WhatsApp.")
        status, answer, _ = send(s.http_port, ROUTES["whatsapp"], body, signed("whatsapp", body, ROUTES["whatsapp"]))
        self.assertEqual(status, 200, answer)

        async def chat_and_prove():
            ws = await connect(s.http_port, visitor_token(s.http_port))
            _, opened = await request(ws, say("m1", "By chat.", "c1"))
            conv = opened["ack"]["conversationId"]
            _, sent = await request(ws, {"requestId": "p", "proveIdentity": {"conversationId": conv, "email": "ana@x.org"}})
            self.assertIn("ack", sent, sent)
            [(_, _, code)] = self.codes_mailed("ana@x.org")
            _, yes = await request(ws, {"requestId": "y", "confirmIdentity": {"conversationId": conv, "code": code}})
            self.assertIn("ack", yes, yes)
            await ws.close()
            return conv
        conv = asyncio.run(asyncio.wait_for(chat_and_prove(), 4 * LIMIT))
        web = self.events(s, conv)["conversation"]["customerId"]
        lead = staff_token("lead", "lead-1", ["care"])
        wa = RedisServer.__new__(RedisServer)
        wa.port = s.embedded_port()
        merge = {"sourceCustomerId": wa.cli("GET", "sb:id:whatsapp:+34600111222"), "reason": "gave her number in the chat"}
        status, answer = post(s.http_port, f"/v1/customers/{web}/merges", json.dumps(merge).encode(), lead)
        self.assertEqual(status, 201, answer)
        status, body = get(s.http_port, f"/v1/customers/{web}/timeline?limit=100", ADMIN)
        channels_of = {e["message"]["body"]: e["message"]["channel"] for e in json.loads(body)["events"] if "message" in e}
        self.assertEqual({k: channels_of.get(k) for k in ("By email.", "By WhatsApp.", "By chat.")},
                         {"By email.": "CHANNEL_EMAIL", "By WhatsApp.": "CHANNEL_WHATSAPP", "By chat.": "CHANNEL_WEB"})

    def test_without_a_relay_it_is_not_available(self):
        s = self.serve_mail()

        async def scenario():
            ws = await connect(s.http_port, visitor_token(s.http_port))
            _, opened = await request(ws, say("m1", "hello", "c1"))
            conv = opened["ack"]["conversationId"]
            _, no = await request(ws, {"requestId": "p", "proveIdentity": {"conversationId": conv, "email": "ana@x.org"}})
            await ws.close()
            return no
        no = asyncio.run(asyncio.wait_for(scenario(), 2 * LIMIT))
        self.assertEqual(no["error"]["code"], "not_available", no)
        self.assertIn("no mail relay", no["error"]["message"])


if __name__ == "__main__":
    import unittest
    unittest.main()
