"""End to end: `switchboard status` against a running `serve` on a Redis with a replica: the Redis
in use and its replica, the router lease's holder and token, and each queue's conversations
(waiting, offered, with agents); and one clear line when Redis cannot be reached."""
import asyncio
import os
import re
import subprocess
import unittest

from test_desk import StaffTest, available, desk, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_serve import BIN, LIMIT, free_port, wait_for


def status(config):
    return subprocess.run([BIN, "status", "--config", config], capture_output=True, text=True, timeout=LIMIT)


class StatusTest(StaffTest):
    def test_status_names_the_redis_its_replica_the_lease_holder_and_queue_depths(self):
        primary, replica = self.primary_and_replica()
        s = self.serve(redis_url=f"redis://127.0.0.1:{primary.port}")
        wait_for(lambda: "is the leader" in s.output(), "the router to lead")

        async def scenario():
            # solo (one web chat at a time) takes the first customer; the second waits.
            solo, _ = await desk(s.http_port, "solo")
            await available(solo)
            first = await connect(s.http_port, visitor_token(s.http_port))
            await taken_by(solo, first, "first", "m1")
            second = await connect(s.http_port, visitor_token(s.http_port))
            _, a = await request(second, say("w", "second", "m2"))
            self.assertIn("ack", a)
            wait_for(lambda: re.search(r"general\s+care\s+1\s+0\s+1\n", status(s.config).stdout), "status to show the queue")
            p = status(s.config)
            for ws in (solo, first, second):
                await ws.close()
            return p

        p = asyncio.run(asyncio.wait_for(scenario(), 90))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        self.assertRegex(p.stdout, rf"^redis    127\.0\.0\.1:{primary.port}  primary, Redis 7\.")
        self.assertIn(f"replica 127.0.0.1:{replica.port}  online, lag ", p.stdout)
        self.assertRegex(p.stdout, r"\nrouter   lease held by \S+, token 1, \d+\.\d s left to renew it\n")
        self.assertRegex(p.stdout, r"\n         billing +care +0 +0 +0\n")

    def test_an_unreachable_redis_is_one_clear_line(self):
        config = os.path.join(self.folder, "down.yaml")
        port = free_port()
        with open(config, "w") as f:
            f.write(f"redis: {{url: \"redis://127.0.0.1:{port}\", connect_timeout_ms: 300, command_timeout_ms: 300}}\n")
        p = status(config)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn(f"cannot reach Redis at 127.0.0.1:{port}", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
