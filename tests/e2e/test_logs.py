"""End to end: the log lines of `switchboard serve` (log.format json) are JSON objects, one per line,
and a line about a request or a conversation carries its id as a field of its own: "request_id"
(the client's X-Request-Id when usable, else one made here, also sent back on the answer) and
"conversation_id"."""
import asyncio
import json
import unittest
import urllib.request

from test_desk import StaffTest, available, desk, taken_by
from test_live_chat import connect, visitor_token
from test_serve import LIMIT, staff_token, wait_for

ROUTING = """queues:
  - {name: general, team: care, policy: {offer_timeout_seconds: 30}}
agents:
  - {id: ann, teams: [care], capacity: [{channel: web, max_concurrent: 2}]}
"""


def answer_with_id(port, path, request_id):
    """(status, the answer's X-Request-Id) of a GET sent with `request_id` as X-Request-Id."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Request-Id": request_id})
    req.add_header("Authorization", "Bearer " + staff_token("admin", "root", ["care"]))
    with urllib.request.urlopen(req, timeout=LIMIT) as r:
        return r.status, r.headers["X-Request-Id"]


class LogTest(StaffTest):
    def lines(self, s):
        return [json.loads(line) for line in s.output().splitlines()]

    def test_json_lines_carry_request_and_conversation_ids(self):
        s = self.serve(extra="log: {level: debug, format: json}\n" + ROUTING)
        self.assertEqual(answer_with_id(s.http_port, "/v1/queues", "req-42.a:b"), (200, "req-42.a:b"))
        status, made = answer_with_id(s.http_port, "/v1/queues", 'forged","level":"x')
        self.assertEqual(status, 200)
        self.assertRegex(made, r"^[0-9a-f]{16}$")

        async def scenario():
            agent, _ = await desk(s.http_port, "ann")
            await available(agent)
            customer = await connect(s.http_port, visitor_token(s.http_port))
            conv = await taken_by(agent, customer, "hello", "c1")
            await agent.close()
            await customer.close()
            return conv

        conv = self.run_async(scenario())
        wait_for(lambda: any(l.get("conversation_id") == conv and "decision OFFER" in l["msg"] for l in self.lines(s)),
                 "the offer's line")
        lines = self.lines(s)  # each one parses: json.loads above raises otherwise
        for line in lines:
            self.assertEqual(set(line) - {"request_id", "conversation_id"}, {"ts", "level", "thread", "msg"}, line)
        asked = [l for l in lines if l.get("request_id") == "req-42.a:b"]
        self.assertEqual(len(asked), 1, lines)
        self.assertRegex(asked[0]["msg"], r"^http GET /v1/queues answered 200 in \d+ us$")
        self.assertTrue(any(l.get("request_id") == made for l in lines), "the made id is on the line")
        self.assertFalse(any("forged" in l.get("request_id", "") for l in lines))

    def test_text_lines_end_with_the_ids(self):
        s = self.serve(extra="log: {level: debug}\n" + ROUTING)
        answer_with_id(s.http_port, "/v1/queues", "req-7")
        wait_for(lambda: "answered 200" in s.output(), "the request's line")
        line = next(l for l in s.output().splitlines() if "http GET /v1/queues" in l)
        self.assertRegex(line, r" debug http GET /v1/queues answered 200 in \d+ us request=req-7$")


if __name__ == "__main__":
    unittest.main()
