"""End to end: SIGHUP reloads the config of a running `switchboard serve` (docs/OPERATIONS.md,
"Reloading the config"). Queues with their policies, agent profiles and canned replies change
without a connection dropped; the router routes to a queue the reload added and keeps what its
agents hold; a bad file is refused with the key's path and the running config stays; a change of a
section that needs a restart is named and left as it runs."""
import asyncio
import json
import signal
import unittest

from test_desk import StaffTest, available, desk, next_frame, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_serve import get, staff_token, wait_for

BEFORE = """router: {lease_ttl_ms: 1200}
queues:
  - name: general
    team: care
    policy: {strategy: longest_idle, offer_timeout_seconds: 30}
agents:
  - {id: ann, teams: [care], capacity: [{channel: web, max_concurrent: 3}]}
canned_replies:
  - {id: hello, title: Greeting, body: "Hi {{customer.name}}"}
"""
VIP = """  - name: vip
    team: care
    policy: {strategy: longest_idle, offer_timeout_seconds: 30}
"""
AFTER = BEFORE.replace("agents:\n", VIP + "agents:\n") + "  - {id: bye, title: Closing, body: Bye}\n"
ADMIN = staff_token("admin", "root", ["care"])


class ReloadTest(StaffTest):
    def rewrite(self, s, text):
        """The config file with `extra` replaced by `text`, then SIGHUP."""
        with open(s.config) as f:
            now = f.read()
        with open(s.config, "w") as f:
            f.write(now.replace(self.extra, text))
        self.extra = text
        s.proc.send_signal(signal.SIGHUP)

    def queue_names(self, s):
        status, body = get(s.http_port, "/v1/queues", ADMIN)
        self.assertEqual(status, 200, body)
        return [q["name"] for q in json.loads(body)["queues"]]

    def canned_ids(self, s):
        status, body = get(s.http_port, "/v1/canned-replies", staff_token("agent", "ann", ["care"]))
        self.assertEqual(status, 200, body)
        return [r["id"] for r in json.loads(body)["replies"]]

    def queue_of(self, s, conv):
        status, body = get(s.http_port, f"/v1/conversations/{conv}", ADMIN)
        self.assertEqual(status, 200, body)
        return json.loads(body)["conversation"]["queue"]

    def test_queues_and_canned_replies_change_on_sighup_without_a_dropped_connection(self):
        self.extra = BEFORE
        s = self.serve(extra=BEFORE)
        wait_for(lambda: "is the leader" in s.output(), "the router to lead")
        self.assertEqual(self.queue_names(s), ["general"])
        self.assertEqual(self.canned_ids(s), ["hello"])

        async def scenario():
            agent, _ = await desk(s.http_port, "ann")
            await available(agent)
            customer = await connect(s.http_port, visitor_token(s.http_port))
            first = await taken_by(agent, customer, "before the reload", "c1")

            self.rewrite(s, AFTER)
            wait_for(lambda: "config reloaded from" in s.output(), "the reload")
            self.assertEqual(self.queue_names(s), ["general", "vip"])
            self.assertEqual(self.canned_ids(s), ["hello", "bye"])

            # The same sockets: the customer's next message reaches the agent who still holds it.
            _, ack = await request(customer, say("m2", "after the reload", "c2", first))
            self.assertIn("ack", ack)
            got = await next_frame(agent, "event")
            self.assertEqual(got["event"]["message"]["body"], "after the reload")

            # A queue the reload added: the gateway files a conversation there, the router offers it.
            other = await connect(s.http_port, visitor_token(s.http_port))
            second = await taken_by(agent, other, "for the new queue", "c3", topic="vip")
            self.assertEqual(self.queue_of(s, second), "vip")
            self.assertEqual(self.queue_of(s, first), "general")
            for ws in (agent, customer, other):
                await ws.close()

        self.run_async(scenario())
        self.assertIn("takes the reloaded queues", s.output())
        self.assertNotIn("config reload:", s.output())  # nothing else changed: no section waits for a restart
        s.assert_running()

    def test_a_bad_file_is_refused_with_its_key_and_the_running_config_stays(self):
        self.extra = BEFORE
        s = self.serve(extra=BEFORE)
        self.rewrite(s, AFTER.replace("strategy: longest_idle, offer_timeout_seconds: 30}\nagents",
                                      "strategy: fastest, offer_timeout_seconds: 30}\nagents"))
        wait_for(lambda: "config reload refused" in s.output(), "the refusal")
        line = next(l for l in s.output().splitlines() if "config reload refused" in l)
        self.assertIn("queues[1].policy.strategy: unknown value 'fastest'", line)
        self.assertEqual(self.queue_names(s), ["general"])
        self.assertEqual(self.canned_ids(s), ["hello"])
        self.assertNotIn("config reloaded from", s.output())

        # A section that needs a restart: named, left as it runs; the rest is taken.
        port = s.http_port
        self.rewrite(s, "server: {max_frame_bytes: 1024}\n" + AFTER)
        wait_for(lambda: "config reloaded from" in s.output(), "the reload")
        self.assertIn("config reload: server changed", s.output())
        self.assertEqual(self.canned_ids(s), ["hello", "bye"])
        self.assertEqual(get(port, "/healthz")[0], 200)
        s.assert_running()


if __name__ == "__main__":
    unittest.main()
