#!/usr/bin/python3
"""The failure drill (issue 15): Sentinel and Cluster variants.

Three gateways behind HAProxy, two routers, an outbox, and Redis: a primary with two replicas and
three sentinels, or (--redis cluster) a Redis Cluster of three primaries with a replica each; all
real processes on 127.0.0.1 in a temporary folder. Customers (python3-websockets) chat through
HAProxy, agents accept offers and answer. While they do, `kill -9` one gateway, then the active
router, then (Cluster only) move a third of one primary's slots to another with `redis-cli
--cluster reshard`, then `kill -9` a Redis primary. At the end every conversation is read back
from the store (REST, as an admin) and compared with what each client sent and had acknowledged;
the figures are printed as a table (and written as JSON with --json).

    /usr/bin/python3 tests/drill/drill.py --short      # 100 customers, 10 agents, 1-2 min (ctest drill.sentinel)
    /usr/bin/python3 tests/drill/drill.py              # 1,000 customers, 50 agents, ~4 min (by hand)
    /usr/bin/python3 tests/drill/drill.py --redis cluster [--short]     # (ctest drill.cluster: --short)

Figures and findings: docs/BENCHMARKS.md, "Failure drill (Sentinel)" and "Failure drill (Cluster)".
The Cluster run's loss window and steps: drill_redis_cluster.py.

The documented Redis-failover window (docs/OPERATIONS.md): a lost acknowledged message is in it
when acknowledged between the primary's kill - --window-before (1 s: what asynchronous replication
had not copied) and the last +switch-master the sentinels announced after the kill +
redis.sentinel.check_interval_ms (--check-interval-ms, 1000, written to the config) + --window-after
(1 s); each loss is listed with the switch it followed.

Modules: drill_processes.py (the processes and their config), drill_clients.py (customers and
agents), drill_figures.py (the read-back, the comparison, the window, the table and the verdict),
drill_common.py (what they share).

Exit status: 0 when nothing acknowledged was lost outside the documented Redis-failover window,
nothing was stored twice and no conversation was held by two agents at once; 1 when the drill
found one of those (each is listed); 2 when the drill itself could not run to the end.
Every wait has a deadline; every process started is stopped at the end, also on failure.
"""
import argparse
import asyncio
import collections
import json
import shutil
import signal
import sys
import tempfile
import time
import traceback

import drill_figures
import drill_redis_cluster
from drill_clients import Agent, Customer
from drill_common import log, metric, poll, readyz, until
from drill_processes import Cluster
from test_serve import LIMIT, post


class Drill:
    """One run: the processes (a Cluster), the clients, the kills in turn, the marks of when each
    happened, and the figures (drill_figures)."""

    def __init__(self, args):
        self.args = args
        self.interval = args.interval
        self.phase = args.phase
        self.reconnect_limit = 90
        self.counts = collections.Counter()
        self.stopping = False
        self.closing = None
        self.marks = {}       # event name -> monotonic time
        self.figures = {}
        self.folder = tempfile.mkdtemp(prefix="sb-drill-")
        self.cluster = Cluster(self.folder, args.redis)
        self.customer_tokens = {}
        self.customers, self.agents = [], []

    @property
    def haproxy(self):
        return self.cluster.haproxy

    # the run -------------------------------------------------------------------------------------

    async def run(self):
        self.closing = asyncio.Event()
        watching = await self.cluster.watch_sentinels()
        n = self.args.customers
        log(f"{n} customers and {self.args.agents} agents; a message every ~{self.interval} s each; "
            f"command: {' '.join(sys.argv)}")
        tokens = await asyncio.gather(*(asyncio.to_thread(post, self.haproxy.port, "/v1/visitors") for _ in range(n)))
        for i, (status, body) in enumerate(tokens):
            assert status == 200, body
            self.customer_tokens[f"c{i:04d}"] = json.loads(body)["token"]
        self.agents = [Agent(i, self) for i in range(self.args.agents)]
        self.customers = [Customer(i, self) for i in range(n)]
        tasks = [asyncio.create_task(a.run()) for a in self.agents]
        await until(lambda: all(a.link for a in self.agents), "the agents to connect", 60)
        tasks += [asyncio.create_task(c.run(self.args.ramp * i / n)) for i, c in enumerate(self.customers)]
        try:
            await self.scenario()
        finally:
            self.stopping = True
            self.closing.set()
            await asyncio.wait(tasks, timeout=60)
            self.cluster.stop_watchers()
            if watching:
                await asyncio.wait(watching, timeout=5)
            self.figures["gateways at the end"], self.figures["redis roles at the end"] = \
                await self.cluster.state_at_the_end()

    def settled(self):
        return all(c.link and not c.resuming and not c.link.closed.is_set() for c in self.customers) and \
            all(a.link and not a.link.closed.is_set() for a in self.agents)

    def assigned(self):
        return sum(len(a.held) for a in self.agents)

    async def scenario(self):
        await self.steady()
        await self.kill_gateway()
        await self.kill_router()
        if self.cluster.mode == "cluster":
            await drill_redis_cluster.migrate_slots(self)
            await drill_redis_cluster.kill_primary(self)
        else:
            await self.kill_primary()
        await self.drain()

    async def steady(self):
        n = self.args.customers
        t0 = time.monotonic()
        await until(lambda: all(c.acked for c in self.customers) or any(c.failed for c in self.customers),
                    "every customer's first message acknowledged", self.args.ramp + 120)
        await until(lambda: self.assigned() >= n, "every conversation assigned", 120, quiet=True)
        log(f"steady after {time.monotonic() - t0:.1f} s: {self.assigned()} of {n} conversations held; "
            f"chatting for {self.phase} s")
        await asyncio.sleep(self.phase)  # the load runs: this is the drill's clock, not a synchronisation

    async def kill_gateway(self):
        """kill -9 one gateway; its customers reconnect through HAProxy and resume."""
        victim = self.cluster.gateways[0]
        killed = self.marks["gateway killed"] = time.monotonic()
        victim.kill9()
        log(f"kill -9 {victim.name} (pid {victim.proc.pid})")
        await until(lambda: any(c.link and c.link.closed.is_set() or (c.outages and c.outages[-1][0] >= killed)
                                for c in self.customers), "a customer to notice", 30, quiet=True)
        await until(self.settled, "every client connected and resumed again", 120)
        resumed = [c for c in self.customers if any(o[0] >= killed for o in c.outages)]
        log(f"{len(resumed)} customers reconnected and resumed; chatting for {self.phase} s")
        await asyncio.sleep(self.phase)

    async def kill_router(self):
        """kill -9 the active router; the standby takes the lease."""
        routers = self.cluster.routers
        leaders = [r for r in routers if metric(r.port, "switchboard_router_leader") == 1]
        assert len(leaders) == 1, "not exactly one leading router"
        leader = leaders[0]
        standby = [r for r in routers if r is not leader][0]
        self.marks["router killed"] = time.monotonic()
        leader.kill9()
        log(f"kill -9 {leader.name}, the active router")
        self.marks["new router"] = await poll(lambda: metric(standby.port, "switchboard_router_leader") == 1,
                                              f"{standby.name} to lead", 60)
        self.figures["time to a new router s"] = self.marks["new router"] - self.marks["router killed"]
        log(f"{standby.name} leads after {self.figures['time to a new router s']:.2f} s; chatting for {self.phase} s")
        await asyncio.sleep(self.phase)

    async def replication_at_kill(self, primary):
        """How far behind each replica is just before the kill (their own offsets, asked at once)."""
        redis = self.cluster.redis
        infos = await asyncio.gather(*(asyncio.to_thread(r.cli, "INFO", "replication") for r in redis))

        def offset(info, key):
            return int(next((x.split(":")[1] for x in info.splitlines() if x.startswith(key + ":")), "0"))
        top = offset(infos[redis.index(primary)], "master_repl_offset")
        return [f"primary :{primary.port} at offset {top}"] + [
            f"replica :{r.port} {max(0, top - offset(info, 'slave_repl_offset'))} bytes behind"
            for r, info in zip(redis, infos) if r is not primary]

    async def kill_primary(self):
        """kill -9 the Redis primary; the sentinels promote a replica, the gateways follow."""
        cluster = self.cluster
        old = cluster.sentinel_primary()
        primary = [r for r in cluster.redis if r.port == old][0]
        self.figures["replication at the kill"] = await self.replication_at_kill(primary)
        k = self.marks["primary killed"] = time.monotonic()
        primary.proc.send_signal(signal.SIGKILL)
        primary.proc.wait(LIMIT)
        log(f"kill -9 the redis primary :{old}")
        live_gateways = [g for g in cluster.gateways if g.proc.poll() is None]
        self.marks["sentinels named"] = await poll(
            lambda: all(s.primary_port() not in (None, old) for s in cluster.sentinels) and cluster.sentinel_primary(),
            "the sentinels to name a new primary", 90)
        new = await asyncio.to_thread(cluster.sentinel_primary)
        ready = (200, f"ready: redis 127.0.0.1:{new}\n")
        self.marks["a gateway ready"] = await poll(lambda: any(readyz(g.port) == ready for g in live_gateways),
                                                   "a gateway on the new primary", 60)
        self.marks["every gateway ready"] = await poll(lambda: all(readyz(g.port) == ready for g in live_gateways),
                                                       "every gateway on the new primary", 60)
        self.figures["time to a new primary s"] = {
            "sentinels": self.marks["sentinels named"] - k, "first gateway": self.marks["a gateway ready"] - k,
            "every gateway": self.marks["every gateway ready"] - k}
        self.figures["new primary"] = new
        log(f"sentinels name :{new} after {self.marks['sentinels named'] - k:.2f} s, a gateway is ready on it after "
            f"{self.marks['a gateway ready'] - k:.2f} s, all after {self.marks['every gateway ready'] - k:.2f} s; "
            f"chatting for {self.phase} s")
        await asyncio.sleep(self.phase)

    async def drain(self):
        """Stop writing; wait for every acknowledged message to reach the other side."""
        self.stopping = True
        log("customers stop writing; waiting for what was sent to be acknowledged and delivered")
        await until(lambda: all(not c.link or not c.link.waiting for c in self.customers) and
                    not any(a.busy() for a in self.agents), "the last answers", 120, quiet=True)
        await until(lambda: not drill_figures.undelivered(self), "every acknowledged message delivered",
                    self.args.drain, quiet=True)
        self.marks["end"] = time.monotonic()


def arguments(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true", help="the CI form: 100 customers, 10 agents, short phases")
    ap.add_argument("--redis", choices=("sentinel", "cluster"), default="sentinel",
                    help="a primary, two replicas and three sentinels, or a Cluster of 3 primaries and 3 replicas")
    ap.add_argument("--customers", type=int)
    ap.add_argument("--agents", type=int)
    ap.add_argument("--interval", type=float, help="seconds between a customer's messages, on average")
    ap.add_argument("--phase", type=float, help="seconds of chatting before and after each kill")
    ap.add_argument("--ramp", type=float, help="seconds over which the customers arrive")
    ap.add_argument("--drain", type=float, help="seconds allowed at the end for deliveries")
    ap.add_argument("--check-interval-ms", type=int, default=1000,
                    help="redis.sentinel.check_interval_ms written to the config: how often each connection asks "
                         "the sentinels which server is the primary")
    ap.add_argument("--window-before", type=float, default=1.0,
                    help="the failover window opens this many seconds before the primary's kill (replication lag)")
    ap.add_argument("--window-after", type=float, default=1.0,
                    help="the failover window closes this many seconds after the last +switch-master after the "
                         "kill + check_interval_ms (a round trip, the sentinels' own agreement; docs/OPERATIONS.md)")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = ap.parse_args(argv)
    defaults = dict(customers=100, agents=10, interval=2.0, phase=10.0, ramp=5.0, drain=15.0) if args.short else \
        dict(customers=1000, agents=50, interval=6.0, phase=30.0, ramp=30.0, drain=60.0)
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


def main(argv=None):
    args = arguments(argv)
    drill = Drill(args)

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    code = 2
    try:
        drill.cluster.start(args.customers, args.agents, args.check_interval_ms)

        async def everything():
            await drill.run()
            drill_figures.compare(drill, await drill_figures.read_back(drill))
        asyncio.run(everything())
        drill_figures.table(drill.figures)
        code = 0 if drill_figures.verdict(drill.figures) else 1
        if args.json:
            with open(args.json, "w") as out:
                json.dump(drill.figures, out, indent=1, default=str)
    except (Exception, KeyboardInterrupt) as e:
        log(f"the drill failed: {e!r}")
        traceback.print_exc()
        code = 2
    finally:
        drill.cluster.stop()
        if args.keep or code != 0:
            log(f"logs kept in {drill.folder}")
        else:
            shutil.rmtree(drill.folder, ignore_errors=True)
        log(f"done in {time.monotonic() - started:.0f} s, exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
