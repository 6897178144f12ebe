"""End to end: a web customer proves a phone number in the chat (docs/CHANNELS.md, "A customer
proves a phone number"). The code goes by SMS through the Twilio account to the local fake of
Twilio's API (provider_fakes.py), which checks the request as Twilio documents it; the test reads
the code there, as the customer would on their phone. A wrong code costs a try; the right one links
the number to the customer with its proof and merges into them the customers who had written from
it on SMS and WhatsApp, so the agent sees one timeline. Codes per number are limited, a code proves
once, and neither staff nor another customer can use the frames. Every process a test starts is
stopped by it.
"""
import asyncio
import json
import re

from test_channels import ROUTES, send, signed
from test_desk import next_frame
from test_live_chat import connect, request, say, visitor_token
from test_outbox import WithFakes, sms_body, whatsapp_body
from test_serve import LIMIT, get, staff_token

PHONE = "+34600555444"
ADMIN = staff_token("admin", "root", ["care"])


class IdentityProofTest(WithFakes):

    def post_webhook(self, provider, body):
        status, answer, _ = send(self.s.http_port, ROUTES[provider], body, signed(provider, body, ROUTES[provider]))
        self.assertEqual(status, 200, answer)

    def codes_sent(self):
        """The SMS bodies the fake took for PHONE, and the six digits in each."""
        bodies = [r[3]["Body"] for r in self.fake.sent("twilio") if r[3]["To"] == PHONE]
        return [re.search(r"\b(\d{6})\b", b).group(1) for b in bodies]

    def customer(self, customer_id):
        status, body = get(self.s.http_port, f"/v1/customers/{customer_id}", ADMIN)
        self.assertEqual(status, 200, body)
        return json.loads(body)["customer"]

    def test_a_web_customer_proves_their_number_and_their_sms_and_whatsapp_selves_join_them(self):
        port = self.s.http_port
        self.post_webhook("whatsapp", whatsapp_body(PHONE[1:], "wamid.p1", "Hi from WhatsApp"))
        self.post_webhook("twilio", sms_body(PHONE, "SM" + "7" * 32, "Hi from SMS"))

        async def scenario():
            ws = await connect(port, visitor_token(port))
            _, opened = await request(ws, say("m1", "I wrote to you from my phone too", "c1"))
            conv = opened["ack"]["conversationId"]
            prove = {"requestId": "p1", "proveIdentity": {"conversationId": conv, "phone": "+34 600-555 444"}}
            _, bad = await request(ws, {"requestId": "p0", "proveIdentity": {"conversationId": conv, "phone": "600555444"}})
            self.assertEqual(bad["error"]["code"], "bad_request", bad)
            _, sent = await request(ws, prove)
            self.assertIn("ack", sent, sent)
            [code] = self.codes_sent()
            sms = [r for r in self.fake.sent("twilio") if r[3]["To"] == PHONE][0][3]
            self.assertEqual(sms["From"], "+15550001111")
            wrong = "000000" if code != "000000" else "111111"
            _, no = await request(ws, {"requestId": "w1", "confirmIdentity": {"conversationId": conv, "code": wrong}})
            self.assertEqual((no["error"]["code"], no["error"]["message"]), ("wrong_code", "wrong code: 4 tries left"))
            before, yes = await request(ws, {"requestId": "y1", "confirmIdentity": {"conversationId": conv, "code": code}})
            self.assertIn("ack", yes, yes)
            events = [f["event"] for f in before if "event" in f]
            for _ in range(20):  # the live event may come after the ack (pub/sub is a doorbell)
                if any("identityProved" in e for e in events):
                    break
                events.append((await next_frame(ws, "event"))["event"])
            _, again = await request(ws, {"requestId": "y2", "confirmIdentity": {"conversationId": conv, "code": code}})
            self.assertEqual(again["error"]["code"], "code_expired", "a code proves once")
            # Another customer cannot ask in this conversation; staff cannot send these frames.
            other = await connect(port, visitor_token(port))
            _, nf = await request(other, {"requestId": "o1", "proveIdentity": {"conversationId": conv, "phone": PHONE}})
            self.assertEqual(nf["error"]["code"], "not_found")
            agent = await connect(port, staff_token("agent", "ann", ["care"]))
            _, fb = await request(agent, dict(prove, requestId="a1"))
            self.assertEqual(fb["error"]["code"], "forbidden")
            for w in (ws, other, agent):
                await w.close()
            return conv, yes["ack"]["seq"], events

        conv, seq, live = asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))
        record = [e for e in self.events(conv) if "identityProved" in e]
        self.assertEqual(len(record), 1)
        self.assertEqual(record[0]["seq"], seq)
        proved = record[0]["identityProved"]
        self.assertEqual((proved["channel"], proved["address"], proved["method"]), ("CHANNEL_SMS", PHONE, "sms_code"))
        self.assertEqual(len(proved["mergedCustomerIds"]), 2, "the SMS and the WhatsApp customer")
        self.assertTrue(any("identityProved" in e for e in live), "the customer's widget is told")
        me = self.customer(record[0]["actor"])
        ids = {(i["channel"], i["address"]): i for i in me["identities"]}
        self.assertIn(("CHANNEL_WHATSAPP", PHONE), ids)
        sms = ids[("CHANNEL_SMS", PHONE)]
        self.assertEqual((sms["proof"]["method"], sms["proof"]["conversationId"]), ("sms_code", conv))
        status, body = get(self.s.http_port, f"/v1/customers/{me['id']}/merges", ADMIN)
        merges = json.loads(body)["merges"]
        self.assertEqual(len(merges), 2, merges)
        self.assertTrue(all(m["actor"] == me["id"] and PHONE in m["reason"] for m in merges), merges)
        # One timeline: the WhatsApp and SMS messages beside the web chat.
        status, body = get(self.s.http_port, f"/v1/customers/{me['id']}/timeline?limit=100", ADMIN)
        bodies = {e["message"]["body"] for e in json.loads(body)["events"] if "message" in e}
        self.assertTrue({"Hi from WhatsApp", "Hi from SMS", "I wrote to you from my phone too"} <= bodies, bodies)

    def test_codes_to_one_number_are_limited_and_five_wrong_tries_void_a_code(self):
        port = self.s.http_port

        async def scenario():
            answers = []
            for n in range(4):  # four customers ask for codes to one number: the fourth is refused (3 a day)
                ws = await connect(port, visitor_token(port))
                _, opened = await request(ws, say(f"m{n}", "hello", f"c{n}"))
                conv = opened["ack"]["conversationId"]
                _, a = await request(ws, {"requestId": f"p{n}", "proveIdentity": {"conversationId": conv, "phone": PHONE}})
                answers.append(a)
                if n == 0:
                    [code] = self.codes_sent()
                    wrong = [c for c in (f"99999{t}" for t in range(6)) if c != code][:5]
                    tries = []
                    for t, c in enumerate(wrong):
                        _, w = await request(ws, {"requestId": f"w{t}", "confirmIdentity": {"conversationId": conv, "code": c}})
                        tries.append(w["error"]["message"])
                    _, late = await request(ws, {"requestId": "late", "confirmIdentity": {"conversationId": conv, "code": code}})
                    answers.append(tries)
                    answers.append(late)
                await ws.close()
            return answers

        first, tries, late, second, third, fourth = asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))
        self.assertIn("ack", first)
        self.assertEqual(tries, [f"wrong code: {n} tries left" for n in (4, 3, 2, 1)] +
                         ["wrong code, and no tries left: ask for a new one"])
        self.assertEqual(late["error"]["code"], "code_expired", "five wrong tries void the code")
        self.assertIn("ack", second)
        self.assertIn("ack", third)
        self.assertEqual((fourth["error"]["code"], fourth["error"]["retry"]), ("rate_limited", True))
        self.assertEqual(len(self.codes_sent()), 3)


if __name__ == "__main__":
    import unittest
    unittest.main()
