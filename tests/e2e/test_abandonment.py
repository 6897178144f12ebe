"""End to end: customers who leave (issue 10.6). A customer may leave a conversation (a `leave`
frame) or just go (their last connection closes); one who waits in a queue and stays gone past
the queue's `abandon_after_seconds` is abandoned — removed from the queue, explained in the
timeline, counted in the KPIs. A held conversation whose customer stays silent is warned, then
resolved as inactive. Real `switchboard serve` processes and python3-websockets.
"""
import asyncio
import json
import time
import unittest

from test_desk import StaffTest, available, customer_event, desk, next_frame, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_serve import LIMIT, get, staff_token, wait_for

CONFIG = """router: {lease_ttl_ms: 1200, agent_grace_seconds: 30}
queues:
  - name: general
    team: care
    policy: {offer_timeout_seconds: 5, abandon_after_seconds: 1, inactivity_timeout_seconds: 4,
             inactivity_warning_seconds: 2}
agents:
  - {id: ann, teams: [care], capacity: [{channel: web, max_concurrent: 2}]}
"""
ADMIN = staff_token("admin", "root", ["care"])


def conversation(port, conv):
    status, body = get(port, f"/v1/conversations/{conv}?limit=1000", ADMIN)
    assert status == 200, body
    return json.loads(body)


async def resolved(port, conv, limit=15):
    """The conversation once resolved (polled, at most `limit` seconds)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        c = conversation(port, conv)
        if c["conversation"]["state"] == "RESOLVED":
            return c
        await asyncio.sleep(0.1)
    raise AssertionError("not resolved: " + json.dumps(c)[:2000])


def status_changes(body):
    return [e["statusChange"] for e in body["events"] if "statusChange" in e]


class AbandonmentTest(StaffTest):

    def serve_it(self):
        s = self.serve(extra=CONFIG)
        # The router leads before the customer comes: it must hear them go from a note, not read it
        # from a snapshot when it takes the lease (which hid a customer's leave that made no note).
        wait_for(lambda: "is the leader" in s.output(), "the router leads", LIMIT)
        return s.http_port

    def test_a_waiting_customer_who_leaves_is_abandoned_explained_and_counted(self):
        port = self.serve_it()

        async def scenario():
            cust = await connect(port, visitor_token(port))
            _, a = await request(cust, say("r1", "anyone there?", "m1"))
            conv = a["ack"]["conversationId"]
            _, left = await request(cust, {"requestId": "bye", "leave": {"conversationId": conv}})
            self.assertIn("ack", left, left)
            body = await resolved(port, conv)
            last = status_changes(body)[-1]
            self.assertEqual(last["disposition"], "abandoned", last)
            self.assertIn("left", last["reason"])
            self.assertTrue(any(e.get("customerPresence", {}).get("why") == "left" for e in body["events"]), body)
            await cust.close()
            status, report = get(port, "/v1/reports/kpis?by=queue&interval=day", ADMIN)
            rows = json.loads(report)["rows"]
            self.assertEqual(sum(r["abandoned"] for r in rows), 1, rows)

        self.run_async(scenario())

    def test_a_waiting_customer_whose_connection_closes_is_abandoned(self):
        port = self.serve_it()

        async def scenario():
            cust = await connect(port, visitor_token(port))
            _, a = await request(cust, say("r1", "hello", "m1"))
            conv = a["ack"]["conversationId"]
            await cust.close()
            body = await resolved(port, conv)
            self.assertEqual(status_changes(body)[-1]["disposition"], "abandoned")
            self.assertTrue(any(e.get("customerPresence", {}).get("why") == "disconnected" for e in body["events"]))

        self.run_async(scenario())

    def test_a_customer_who_comes_back_in_time_keeps_their_place(self):
        port = self.serve_it()
        token = visitor_token(port)

        async def scenario():
            cust = await connect(port, token)
            _, a = await request(cust, say("r1", "hello", "m1"))
            conv = a["ack"]["conversationId"]
            other = await connect(port, visitor_token(port))
            _, b = await request(other, say("r1", "hello too", "m1"))
            await cust.close()
            await other.close()  # gone after the first customer: abandoned no sooner than they would be
            cust = await connect(port, token)
            _, back = await request(cust, {"requestId": "r2", "resume": {"conversationId": conv, "afterSeq": "0"}})
            self.assertIn("ack", back, back)
            await resolved(port, b["ack"]["conversationId"])
            self.assertEqual(conversation(port, conv)["conversation"]["state"], "QUEUED")
            # And when an agent comes, it is offered.
            ann, _ = await desk(port, "ann")
            await available(ann)
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            await ann.close()
            await cust.close()

        self.run_async(scenario())

    def test_a_customer_who_ends_a_held_chat_still_sees_the_replies_and_the_resolve(self):
        # Found in the widget: after "End chat" its open panel showed neither the agent's later
        # replies nor the resolve (and no rating card) until a reload, because `leave` took the
        # connection out of the conversation's live events.
        port = self.serve_it()

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cust = await connect(port, visitor_token(port))
            conv = await taken_by(ann, cust, "where is my order?", "m1")
            _, left = await request(cust, {"requestId": "bye", "leave": {"conversationId": conv}})
            self.assertIn("ack", left, left)
            await request(ann, {"requestId": "a1", "sendMessage": {
                "conversationId": conv, "message": {"body": "It ships tomorrow", "clientMessageId": "am1"}}})
            reply = await customer_event(cust, "message")
            self.assertEqual(reply["message"]["body"], "It ships tomorrow", reply)
            _, done = await request(ann, {"requestId": "a2", "resolve": {"conversationId": conv}})
            self.assertIn("ack", done, done)
            change = await customer_event(cust, "statusChange")
            self.assertEqual(change["statusChange"]["to"], "RESOLVED", change)
            await ann.close()
            await cust.close()

        self.run_async(scenario())

    def test_a_silent_customer_is_warned_then_the_conversation_is_resolved_as_inactive(self):
        port = self.serve_it()

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cust = await connect(port, visitor_token(port))
            conv = await taken_by(ann, cust, "my parcel", "m1")
            await request(ann, {"requestId": "a1", "sendMessage": {
                "conversationId": conv, "message": {"body": "Which parcel?", "clientMessageId": "am1"}}})
            started = time.monotonic()
            warning = await customer_event(cust, "inactivityWarning")
            warned_after = time.monotonic() - started
            self.assertGreater(int(warning["inactivityWarning"]["resolvesInSeconds"]), 0, warning)
            change = await customer_event(cust, "statusChange")
            closed_after = time.monotonic() - started
            self.assertEqual(change["statusChange"]["to"], "RESOLVED", change)
            self.assertEqual(change["statusChange"]["disposition"], "inactive", change)
            self.assertLess(abs(warned_after - 2), 1.5, warned_after)
            self.assertLess(abs(closed_after - 4), 1.5, closed_after)
            await ann.close()
            await cust.close()

        self.run_async(scenario())


if __name__ == "__main__":
    unittest.main()
