"""The failure drill's processes: a Redis primary with two replicas, three sentinels (and a watch on
their events), or a Redis Cluster of six nodes (drill_redis_cluster.py); three gateways, two
routers, an outbox and HAProxy, their config, and stopping them all. Owns no client and no figure
beyond the processes' own state at the end."""
import asyncio
import math
import os
import signal
import subprocess
import time

import drill_redis_cluster
from drill_common import TEAM, log, metric, readyz
from test_sentinel import MASTER, Sentinel
from test_serve import BIN, IDENTITY_SECRET, JWT_SECRET, RedisServer, Server, free_port, get, port_open, wait_for


class Process(Server):
    """A child process writing to a log file. Its output() and stop() are test_serve's Server's; its
    command is its own (Server's constructor, which writes a switchboard config, is not called)."""

    def __init__(self, log_path, argv):  # pylint: disable=super-init-not-called
        self.log = open(log_path, "w+")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)


class Switchboard(Process):
    """`switchboard serve` with the drill's shared config, its own --listen and --data-dir."""

    def __init__(self, folder, name, config, roles):
        self.name = name
        self.port = free_port()
        data = os.path.join(folder, name)
        os.makedirs(data, exist_ok=True)
        super().__init__(os.path.join(data, "serve.log"),
                         [BIN, "serve", "--config", config, "--roles", roles,
                          "--listen", f"127.0.0.1:{self.port}", "--data-dir", data])

    def kill9(self):
        self.stop(signal.SIGKILL)


class HAProxy(Process):
    """A private haproxy (Debian's) balancing HTTP and WebSocket over the gateways, each checked
    with GET /readyz; a connection refused by a dead gateway is retried on another."""

    def __init__(self, folder, gateways):
        self.port = free_port()
        config = os.path.join(folder, "haproxy.cfg")
        servers = "".join(f"  server {g.name} 127.0.0.1:{g.port} check\n" for g in gateways)
        with open(config, "w") as f:
            f.write(f"""global
  maxconn 8000
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout tunnel 1h
  timeout http-request 10s
  retries 3
  option redispatch 1
frontend chat
  bind 127.0.0.1:{self.port}
  default_backend gateways
backend gateways
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 300ms fall 2 rise 2
{servers}""")
        super().__init__(os.path.join(folder, "haproxy.log"), ["haproxy", "-db", "-f", config])
        wait_for(lambda: port_open(self.port) or self.proc.poll() is not None, "haproxy")
        if self.proc.poll() is not None:
            raise AssertionError("haproxy exited:\n" + self.output())


def sentinel_lines(sentinels, check_interval_ms):
    """The redis section's lines for the sentinels, asking them which server is the primary every
    `check_interval_ms`."""
    addresses = ", ".join(f'"127.0.0.1:{s.port}"' for s in sentinels)
    return f"  sentinel: {{addresses: [{addresses}], master_name: {MASTER}, check_interval_ms: {check_interval_ms}}}\n"


def write_config(path, redis_lines, agents, capacity):
    """The config every switchboard process of the drill shares: the redis section's `redis_lines`
    (sentinels or a Cluster); `agents` agents of TEAM, `capacity` chats each."""
    with open(path, "w") as f:
        f.write(f"""server:
  max_connections_per_address: 20000
  desk_presence_seconds: 5
redis:
  url: ""
{redis_lines}  connect_timeout_ms: 500
  command_timeout_ms: 1000
  reconnect_min_ms: 20
  reconnect_max_ms: 200
auth:
  identity_secret: {IDENTITY_SECRET}
  keys: [{{kid: e2e, secret: {JWT_SECRET}}}]
  visitor_tokens_per_minute_per_address: 1000000
  visitor_token_burst: 100000
router: {{lease_ttl_ms: 2000, agent_grace_seconds: 60}}
queues:
  - name: general
    team: {TEAM}
    policy: {{strategy: longest_idle, offer_timeout_seconds: 10, abandon_after_seconds: 600, inactivity_timeout_seconds: 3600}}
agents:
""" + "".join(f"  - {{id: a{i:02d}, teams: [{TEAM}], capacity: [{{channel: web, max_concurrent: {capacity}}}]}}\n"
              for i in range(agents)))


class Cluster:
    """Every process of the drill, started in order and stopped in reverse (also on failure), and a
    timed record of the sentinels' events (`sentinel_events`: (monotonic time, sentinel, line))."""

    def __init__(self, folder, redis="sentinel"):
        self.folder = folder
        self.mode = redis  # "sentinel" or "cluster"
        self.stoppers = []
        self.redis_cluster = None
        self.redis, self.sentinels, self.gateways, self.routers = [], [], [], []
        self.outbox = self.haproxy = None
        self.sentinel_events = []
        self.watchers = []

    def start(self, customers, agents, check_interval_ms):
        log(f"folder {self.folder}")
        if self.mode == "cluster":
            self.redis_cluster = drill_redis_cluster.start(self.folder)
            self.stoppers.append(self.redis_cluster.stop)
            self.redis = self.redis_cluster.nodes()
            redis_lines = drill_redis_cluster.config_lines(self.redis_cluster)
            log(f"redis cluster: primaries {' '.join(':' + str(n.port) for n in self.redis_cluster.primaries)}, "
                f"replicas {' '.join(':' + str(n.port) for n in self.redis_cluster.replicas)}")
        else:
            self.start_redis()
            self.start_sentinels()
            redis_lines = sentinel_lines(self.sentinels, check_interval_ms)
        config = os.path.join(self.folder, "switchboard.yaml")
        write_config(config, redis_lines, agents, math.ceil(customers / agents) + 3)
        self.gateways = [self.switchboard(f"gateway{i}", "gateway", config) for i in range(3)]
        self.routers = [self.switchboard(f"router{i}", "router", config) for i in range(2)]
        self.outbox = self.switchboard("outbox", "outbox", config)
        for p in self.gateways + self.routers + [self.outbox]:
            wait_for(lambda: readyz(p.port)[0] == 200 or p.proc.poll() is not None, f"{p.name} ready", 30)
            if p.proc.poll() is not None:
                raise AssertionError(f"{p.name} exited:\n{p.output()}")
        wait_for(lambda: sum(metric(r.port, "switchboard_router_leader") or 0 for r in self.routers) == 1,
                 "one router to lead", 30)
        self.haproxy = HAProxy(self.folder, self.gateways)
        self.stoppers.append(self.haproxy.stop)
        wait_for(lambda: get(self.haproxy.port, "/readyz")[0] == 200, "haproxy to reach a gateway", 30)
        log("gateways :" + " :".join(str(g.port) for g in self.gateways) + ", routers :" +
            " :".join(str(r.port) for r in self.routers) + f", outbox :{self.outbox.port}, haproxy :{self.haproxy.port}")

    def start_redis(self):
        primary = RedisServer(os.path.join(self.folder, "redis0"))
        self.stoppers.append(primary.stop)
        self.redis.append(primary)
        for i in (1, 2):
            r = RedisServer(os.path.join(self.folder, f"redis{i}"))
            self.stoppers.append(r.stop)
            r.cli("REPLICAOF", "127.0.0.1", str(primary.port))
            self.redis.append(r)
        for r in self.redis[1:]:
            wait_for(lambda: "master_link_status:up" in r.cli("INFO", "replication"), "a replica to sync", 30)

    def start_sentinels(self):
        for i in range(3):
            s = Sentinel(os.path.join(self.folder, f"sentinel{i}"), self.redis[0].port)
            self.stoppers.append(s.stop)
            self.sentinels.append(s)
        # Each sentinel learns of the replicas (from the primary's INFO) and of the other sentinels
        # (their hellos) before a failover can be agreed.
        wait_for(lambda: all(all(f"{r.port}" in s.cli("SENTINEL", "replicas", MASTER) for r in self.redis[1:])
                             for s in self.sentinels), "the sentinels to see both replicas", 40)
        wait_for(lambda: all(s.cli("SENTINEL", "sentinels", MASTER).count("127.0.0.1") >= 2 for s in self.sentinels),
                 "the sentinels to see each other", 40)
        log(f"redis primary :{self.redis[0].port}, replicas :{self.redis[1].port} :{self.redis[2].port}, "
            f"sentinels {' '.join(':' + str(s.port) for s in self.sentinels)}")

    def switchboard(self, name, roles, config):
        p = Switchboard(self.folder, name, config, roles)
        self.stoppers.append(p.stop)
        return p

    def stop(self):
        for proc in self.watchers:  # normally stopped by the run already (stop_watchers)
            if proc.returncode is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception as e:  # stop the others all the same
                log(f"stopping: {e!r}")
        self.stoppers = []

    def sentinel_primary(self):
        """The primary's port if all the sentinels name the same one, else None."""
        ports = {s.primary_port() for s in self.sentinels}
        return ports.pop() if len(ports) == 1 else None

    async def watch_sentinels(self):
        """Every sentinel's events (+sdown, +odown, +switch-master, ...), timed as they arrive: what
        happened in the failover, and when the sentinels announced a new primary. Returns the tasks,
        which end when stop_watchers() stops the redis-cli processes."""
        async def watch(i, s):
            proc = await asyncio.create_subprocess_exec("redis-cli", "-p", str(s.port), "--csv", "PSUBSCRIBE", "*",
                                                        stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.DEVNULL)
            self.watchers.append(proc)
            while True:  # bounded: ends when the process is stopped at the end of the run
                line = await proc.stdout.readline()
                if not line:
                    return
                self.sentinel_events.append((time.monotonic(), f"sentinel{i}", line.decode().strip()))
        return [asyncio.create_task(watch(i, s)) for i, s in enumerate(self.sentinels)]

    def stop_watchers(self):
        for proc in self.watchers:
            if proc.returncode is None:
                proc.kill()

    async def state_at_the_end(self):
        """What each live gateway's /readyz and each live Redis server's ROLE say, for the report."""
        gateways = [f"{g.name} " + (await asyncio.to_thread(readyz, g.port))[1].strip()
                    for g in self.gateways if g.proc.poll() is None]
        roles = [f":{r.port} " + " ".join((await asyncio.to_thread(r.cli, "ROLE")).split()[:3])
                 for r in self.redis if r.proc.poll() is None]
        return gateways, roles
