"""End to end: `switchboard serve` on Redis Sentinel (redis.sentinel): a primary, a replica and
three sentinels, all real redis-server processes. The primary is asked of the sentinels, /readyz
names it, and after a failover (SENTINEL FAILOVER) the gateway, router and subscriptions follow the
new primary: a customer's conversation goes on with nothing lost or repeated."""
import asyncio
import os
import subprocess
import unittest

from test_desk import StaffTest, available, desk, next_frame, taken_by
from test_live_chat import connect, request, say, visitor_token
from test_serve import LIMIT, free_port, get, port_open, wait_for

MASTER = "main"


class Sentinel:
    """A redis-server in sentinel mode watching 127.0.0.1:`primary`."""

    def __init__(self, folder, primary):
        os.makedirs(folder, exist_ok=True)
        self.port = free_port()
        conf = os.path.join(folder, "sentinel.conf")
        with open(conf, "w") as f:
            f.write(f"""port {self.port}
bind 127.0.0.1
dir {folder}
sentinel monitor {MASTER} 127.0.0.1 {primary} 2
sentinel down-after-milliseconds {MASTER} 1000
sentinel failover-timeout {MASTER} 10000
""")
        self.proc = subprocess.Popen(["redis-server", conf, "--sentinel"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), "a sentinel")

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True,
                              timeout=LIMIT).stdout.strip()

    def primary_port(self):
        lines = self.cli("SENTINEL", "get-master-addr-by-name", MASTER).splitlines()
        return int(lines[1]) if len(lines) == 2 else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(LIMIT)


class SentinelTest(StaffTest):
    def redis_with_sentinels(self):
        primary, replica = self.primary_and_replica()
        sentinels = []
        for i in range(3):
            s = Sentinel(os.path.join(self.folder, f"sentinel{i}"), primary.port)
            self.cleanups.append(s.stop)
            sentinels.append(s)
        # Each sentinel learns of the replica from the primary (INFO every 10 s at first, sooner after).
        wait_for(lambda: all(s.cli("SENTINEL", "replicas", MASTER) for s in sentinels), "the sentinels to see the replica", 30)
        return primary, replica, sentinels

    def test_a_failover_is_followed_with_nothing_lost_or_repeated(self):
        primary, replica, sentinels = self.redis_with_sentinels()
        # The first address answers nothing: the next sentinel is asked.
        addresses = ", ".join([f'"127.0.0.1:{free_port()}"'] + [f'"127.0.0.1:{s.port}"' for s in sentinels])
        s = self.serve(redis_url="", redis_extra=f"  sentinel: {{addresses: [{addresses}], master_name: {MASTER}}}\n")
        self.assertEqual(get(s.http_port, "/readyz"), (200, f"ready: redis 127.0.0.1:{primary.port}\n"))
        token = visitor_token(s.http_port)

        async def scenario():
            ann, _ = await desk(s.http_port, "ann")
            await available(ann)
            customer = await connect(s.http_port, token)
            conv = await taken_by(ann, customer, "before the failover", "m1")

            sentinels[0].cli("SENTINEL", "FAILOVER", MASTER)
            wait_for(lambda: all(x.primary_port() == replica.port for x in sentinels), "the sentinels to name the replica", 30)
            wait_for(lambda: get(s.http_port, "/readyz") == (200, f"ready: redis 127.0.0.1:{replica.port}\n"),
                     "the gateway on the new primary", 30)
            wait_for(lambda: "role:master" in replica.cli("INFO", "replication"), "the new primary to take writes")

            # The same customer writes again: the gateway is ready on the new primary (/readyz).
            _, a = await request(customer, say("after", "after the failover", "m2", conv))
            self.assertIn("ack", a, a)
            # The agent hears it live: the subscriptions followed the new primary.
            got = await next_frame(ann, "event")
            while got["event"].get("message", {}).get("body") != "after the failover":
                got = await next_frame(ann, "event")
            await customer.close()

            # Resumed from the start: each message once, in order, on the new primary.
            again = await connect(s.http_port, token)
            before, _ = await request(again, {"requestId": "r", "resume": {"conversationId": conv, "afterSeq": "0"}})
            bodies = [f["event"]["message"]["body"] for f in before if "message" in f.get("event", {})]
            self.assertEqual(bodies, ["before the failover", "after the failover"])
            await again.close()
            await ann.close()

        asyncio.run(asyncio.wait_for(scenario(), 120))
        # Every connection moved: the router's and the outbox's too (the gateway's showed above).
        for link in ("router", "outbox", "sub"):
            wait_for(lambda: f"redis link={link} ready at 127.0.0.1:{replica.port}" in s.output(), f"the {link} link to move")


if __name__ == "__main__":
    unittest.main()
