"""End to end: a customer whose web conversation waits in the queue writes on WhatsApp.

The same person is known on both channels because a lead merged their WhatsApp customer into their
web customer over REST (docs/LEADS.md). Their WhatsApp message joins the waiting web conversation
(same id, its place kept), and the router tells them their place on WhatsApp, once: an automatic
message in the conversation, sent through the outbox to the provider fake (provider_fakes.py). A
second message at the same place gets nothing more; a message after the place changed is told the
new place. Merged the other way (the web customer into the phone's), the message joins the waiting
conversation all the same. Nothing is told while an agent holds the conversation, and the widget, which shows the
place from its own queuePosition frames, is not sent the automatic message
(docs/CHANNELS.md, "A customer who writes on another channel while waiting").
Every process a test starts is stopped by it.
"""
import asyncio
import json

from test_channels import ROUTES, send, signed
from test_desk import available, desk, next_frame, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_outbox import WithFakes, whatsapp_body
from test_serve import LIMIT, RedisServer, get, post, staff_token, wait_for

PHONE = "34600999888"
LEAD = staff_token("lead", "lea", ["care"])
ADMIN = staff_token("admin", "root", ["care"])


async def until_position(ws, place, skipped=None):
    """Reads queuePosition frames until one says `place` (bounded); returns it."""
    for _ in range(20):
        got = (await next_frame(ws, "queuePosition", skipped))["queuePosition"]
        if got["position"] == place:
            return got
    raise AssertionError(f"no queuePosition {place}")


def minutes(seconds):
    """The wait as the widget words it (web/src/widget/panel.tsx)."""
    m = max(1, int(seconds / 60 + 0.5))  # Math.round
    return "1 minute" if m == 1 else f"{m} minutes"


class QueueAcrossChannelsTest(WithFakes):

    def whatsapp(self, mid, text):
        body = whatsapp_body(PHONE, mid, text)
        status, answer, _ = send(self.s.http_port, ROUTES["whatsapp"], body, signed("whatsapp", body))
        self.assertEqual((status, json.loads(answer)["stored"]), (200, 1), answer)

    def whatsapp_customer(self):
        """The phone's customer, whose redis key the embedded server holds."""
        r = RedisServer.__new__(RedisServer)
        r.port = self.s.embedded_port()
        customer = r.cli("GET", f"sb:id:whatsapp:+{PHONE}")
        self.assertTrue(customer)
        return customer

    def conversation(self, conv):
        status, body = get(self.s.http_port, f"/v1/conversations/{conv}", ADMIN)
        self.assertEqual(status, 200, body)
        return json.loads(body)["conversation"]

    def notices(self, conv):
        """The automatic messages of a conversation: outbound, written by the router."""
        return [e for e in self.events(conv) if e.get("message", {}).get("direction") == "DIRECTION_OUTBOUND"
                and e.get("actor") == "router"]

    def sent_whatsapp(self):
        return [r[3]["text"]["body"] for r in self.fake.sent("whatsapp")]

    async def lead_retires_the_whatsapp_customer(self, lead):
        """The phone writes once; a lead of care takes that conversation over and resolves it, so the
        lead may merge the customer (their team served them) and nothing of theirs waits."""
        self.whatsapp("wamid.old", "Hello, about my order")
        customer = self.whatsapp_customer()
        status, body = get(self.s.http_port, f"/v1/customers/{customer}/timeline", ADMIN)
        self.assertEqual(status, 200, body)
        events = json.loads(body)["events"]
        old = events[0]["conversationId"]
        _, t = await request(lead, {"requestId": "t-old", "takeOver": {"conversationId": old, "reason": "old thread"}})
        self.assertIn("ack", t, t)
        _, r = await request(lead, {"requestId": "r-old", "resolve": {"conversationId": old, "disposition": "solved"}})
        self.assertIn("ack", r, r)
        return customer

    def merge_into(self, target, source):
        status, answer = post(self.s.http_port, f"/v1/customers/{target}/merges",
                              json.dumps({"sourceCustomerId": source, "reason": "gave her phone number"}).encode(), LEAD)
        self.assertEqual(status, 201, answer)

    def test_a_waiting_customer_who_writes_on_whatsapp_keeps_their_place_and_is_told_it_there(self):
        port = self.s.http_port

        async def scenario():
            lead = await connect(port, LEAD)
            wa = await self.lead_retires_the_whatsapp_customer(lead)
            ahead = await connect(port, visitor_token(port))
            _, a = await request(ahead, say("a1", "first in line", "ma"))
            mine = await connect(port, visitor_token(port))
            _, m = await request(mine, say("m1", "I need help with my order", "mm"))
            after = await connect(port, visitor_token(port))
            _, b = await request(after, say("b1", "third in line", "mb"))
            conv, first = m["ack"]["conversationId"], a["ack"]["conversationId"]
            place = await until_position(mine, 2)
            await until_position(after, 3)
            self.merge_into(self.conversation(conv)["customerId"], wa)

            # Her WhatsApp message joins the waiting conversation; she is told her place there.
            self.whatsapp("wamid.q1", "Am I still in line?")
            inbound = [e for e in self.events(conv) if e.get("message", {}).get("providerMessageId") == "wamid.q1"]
            self.assertEqual(len(inbound), 1, "her message is in the waiting conversation")
            self.assertEqual(inbound[0]["message"]["channel"], "CHANNEL_WHATSAPP")
            wait_for(lambda: len(self.sent_whatsapp()) == 1, "the place told on WhatsApp")
            wait = minutes(place["estimatedWaitSeconds"])
            self.assertEqual(self.sent_whatsapp(), [f"You're still in the queue: you are number 2. About {wait} to wait."])
            self.assertEqual(self.fake.sent("whatsapp")[0][3]["to"], PHONE)
            record = self.conversation(conv)
            self.assertEqual((record["state"], record["channel"]), ("QUEUED", "CHANNEL_WEB"))
            told = self.notices(conv)
            self.assertEqual(len(told), 1)
            self.assertGreater(int(told[0]["seq"]), int(inbound[0]["seq"]))
            self.assertEqual(told[0]["message"]["channel"], "CHANNEL_WHATSAPP")
            self.assertNotIn("firstResponseAtMs", record, "an automatic message is no first response")
            wait_for(lambda: [d["state"] for d in self.deliveries(conv)] == ["SENT"], "the notice recorded SENT")

            # A second message at the same place: nothing more. The lead's priority change (to the
            # same 0) comes after it in the same request stream, and republishes her place.
            self.whatsapp("wamid.q2", "My order is 4411")
            skipped = []
            _, p = await request(lead, {"requestId": "p1", "setPriority": {"conversationId": conv, "priority": 0,
                                                                           "reason": "sync"}})
            self.assertIn("ack", p, p)
            await until_position(mine, 2, skipped)
            self.assertEqual(len(self.notices(conv)), 1, "one notice while the place stays")
            # The widget shows the place from its frames: the automatic message is not sent to it.
            self.assertEqual([f for f in skipped if f.get("event", {}).get("actor") == "router"
                              and "message" in f["event"]], [])

            # The conversation ahead is taken: her place is 1, and her next message is told so.
            _, t = await request(lead, {"requestId": "t1", "takeOver": {"conversationId": first, "reason": "vip"}})
            self.assertIn("ack", t, t)
            await until_position(mine, 1)
            self.whatsapp("wamid.q3", "Still there?")
            wait_for(lambda: len(self.sent_whatsapp()) == 2, "the new place told")
            self.assertTrue(self.sent_whatsapp()[1].startswith("You're still in the queue: you are number 1."),
                            self.sent_whatsapp())
            self.assertEqual(self.conversation(conv)["state"], "QUEUED")
            for ws in (lead, ahead, mine, after):
                await ws.close()

        asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))
        self.assertEqual(self.fake.refused, [])

    def test_nothing_is_told_while_an_agent_holds_the_conversation(self):
        port = self.s.http_port

        async def scenario():
            lead = await connect(port, LEAD)
            wa = await self.lead_retires_the_whatsapp_customer(lead)
            ann, _ = await desk(port, "ann")
            await available(ann)
            mine = await connect(port, visitor_token(port))
            conv = await taken_by(ann, mine, "I need help", "mm")
            self.merge_into(self.conversation(conv)["customerId"], wa)

            self.whatsapp("wamid.h1", "Writing from my phone now")
            # Ann sends it back to the queue: that note follows the message's in the same stream,
            # and the widget's place frame says the router handled both.
            _, tr = await request(ann, {"requestId": "tr", "transfer": {"conversationId": conv, "toQueue": "general",
                                                                        "note": "back to the queue"}})
            self.assertIn("ack", tr, tr)
            await until_position(mine, 1)
            self.assertEqual(self.notices(conv), [], "nothing told while Ann held it")
            self.assertEqual(self.sent_whatsapp(), [])

            # Waiting again: the next message is told its place.
            self.whatsapp("wamid.h2", "Hello?")
            wait_for(lambda: len(self.sent_whatsapp()) == 1, "the place told on WhatsApp")
            self.assertTrue(self.sent_whatsapp()[0].startswith("You're still in the queue: you are number 1."))
            for ws in (lead, ann, mine):
                await ws.close()

        asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))

    def test_merged_the_other_way_her_whatsapp_message_still_joins_the_waiting_conversation(self):
        port = self.s.http_port

        async def scenario():
            lead = await connect(port, LEAD)
            wa = await self.lead_retires_the_whatsapp_customer(lead)
            mine = await connect(port, visitor_token(port))
            _, m = await request(mine, say("m1", "I need help with my order", "mm"))
            conv = m["ack"]["conversationId"]
            await until_position(mine, 1)
            web = self.conversation(conv)["customerId"]
            self.merge_into(wa, web)  # the web customer into the phone's: her waiting chat stays the web customer's

            self.whatsapp("wamid.o1", "Am I still in line?")
            inbound = [e for e in self.events(conv) if e.get("message", {}).get("providerMessageId") == "wamid.o1"]
            self.assertEqual(len(inbound), 1, "her message joins the waiting conversation, no second one opens")
            self.assertEqual(self.conversation(conv)["state"], "QUEUED")
            wait_for(lambda: len(self.sent_whatsapp()) == 1, "the place told on WhatsApp")
            self.assertTrue(self.sent_whatsapp()[0].startswith("You're still in the queue: you are number 1."))
            status, body = get(port, f"/v1/customers/{wa}/timeline", ADMIN)
            self.assertEqual(status, 200, body)
            open_convs = {e["conversationId"] for e in json.loads(body)["events"]} - {conv}
            for other in open_convs:
                self.assertEqual(self.conversation(other)["state"], "RESOLVED", "only the waiting conversation is open")
            for ws in (lead, mine):
                await ws.close()

        asyncio.run(asyncio.wait_for(scenario(), 4 * LIMIT))


if __name__ == "__main__":
    import unittest
    unittest.main()
