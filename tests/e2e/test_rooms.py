"""End to end: who follows a conversation live after its ownership moves (issue 10.8). An agent's
desk stops receiving a conversation's events once it is no longer theirs — reassigned or taken
over by a lead — while the lead who acts keeps following what they joined.
"""
import asyncio
import json
import unittest

from test_desk import StaffTest, available, customer_event, desk, next_frame, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_serve import LIMIT, staff_token


async def frames_until_pong(ws, rid):
    """Every frame the session receives until the answer to a ping sent now."""
    await ws.send(json.dumps({"requestId": rid, "ping": {"clientTimeMs": "1"}}))
    got = []
    for _ in range(500):
        f = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        if f.get("requestId") == rid:
            return got
        got.append(f)
    raise AssertionError("no pong")


class RoomTest(StaffTest):

    def check_the_former_owner_hears_nothing_more(self, action, told):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cust = await connect(port, visitor_token(port))
            conv = await taken_by(ann, cust, "I need help", "m1")
            lead = await connect(port, staff_token("lead", "lea", ["care"]))
            frame = {"requestId": "l1", **action(conv)}
            _, a = await request(lead, frame)
            self.assertIn("ack", a, a)
            # Ann is told (the action's own event), then no more.
            for _ in range(50):
                ev = (await next_frame(ann, "event"))["event"]
                if told in ev:
                    break
            else:
                raise AssertionError("ann was not told of the " + told)
            # The customer writes on; once the customer has their own event back, the gateway has
            # relayed it to every member of the room.
            await cust.send(json.dumps(say("c2", "this is private now", "m2", conv)))
            await customer_event(cust, "message")
            later = await frames_until_pong(ann, "p1")
            leaked = [f for f in later if "event" in f and f["event"].get("conversationId") == conv
                      and f["event"].get("message", {}).get("body") == "this is private now"]
            self.assertEqual(leaked, [], "ann still follows a conversation that is not hers")
            for ws in (ann, cust, lead):
                await ws.close()

        self.run_async(scenario())

    def test_a_reassigned_conversations_former_owner_stops_following_it(self):
        self.check_the_former_owner_hears_nothing_more(
            lambda conv: {"reassign": {"conversationId": conv, "toQueue": "general", "reason": "rebalance"}}, "transfer")

    def test_a_conversation_taken_over_by_a_lead_leaves_the_agents_desk(self):
        self.check_the_former_owner_hears_nothing_more(
            lambda conv: {"takeOver": {"conversationId": conv, "reason": "I take it"}}, "takeover")


if __name__ == "__main__":
    unittest.main()
