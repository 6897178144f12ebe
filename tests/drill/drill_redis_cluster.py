"""The failure drill's Redis Cluster run (`drill.py --redis cluster`): six redis-server processes
(three primaries, a replica each; tests/e2e/redis_cluster.py), the switchboard config's redis
section for them, and the two steps that only a Cluster has: a third of one primary's slots moved
to another with `redis-cli --cluster reshard` while the customers and agents chat (the operator's
own tool, keys MIGRATEd under traffic: MOVED, ASK and TRYAGAIN for the processes), then kill -9 of
the primary that received them, whose replica the cluster promotes.

The loss window of a Cluster failover (docs/OPERATIONS.md, "Redis Cluster"): the killed primary
takes no write after its death, so what can be lost was acknowledged before it, by asynchronous
replication: from --window-before s ahead of the kill to --window-after s after it (an
acknowledgement on its way to the client when the primary died). Nothing may be lost to the
migration."""
import asyncio
import os
import re
import signal
import time

from drill_common import log, poll, readyz
from redis_cluster import RedisCluster
from test_serve import LIMIT

REFRESH_MS = 1000  # redis.cluster.refresh_interval_ms in the drill's config


def start(folder):
    """Six nodes on loopback, the cluster formed; the caller stops it (RedisCluster.stop)."""
    return RedisCluster(os.path.join(folder, "redis"), primaries=3, replicas=1)


def config_lines(cluster):
    seeds = ", ".join(f'"{s}"' for s in cluster.seeds())
    return f"  cluster: {{seeds: [{seeds}], refresh_interval_ms: {REFRESH_MS}}}\n"


def replica_of(cluster, primary):
    """The replica following `primary` (by its own ROLE), or None."""
    for r in cluster.replicas:
        if r.proc.poll() is None and r.cli("ROLE").split()[:3] == ["slave", "127.0.0.1", str(primary.port)]:
            return r
    return None


def names_primary(cluster, node, gone):
    """True when every live node sees the cluster whole, `node` as a primary and `gone` serving no slot."""
    me = f"127.0.0.1:{node.port}@"
    for n in cluster.nodes():
        if n.proc.poll() is not None:
            continue
        if "cluster_state:ok" not in n.cli("CLUSTER", "INFO"):
            return False
        line = next((x.split() for x in n.cli("CLUSTER", "NODES").splitlines() if me in x), [])
        if len(line) < 3 or "master" not in line[2].split(","):
            return False
    return f"127.0.0.1:{gone.port}" not in serving(cluster)


def serving(cluster):
    """The addresses of the primaries that serve slots, as a live node's CLUSTER NODES has them
    (`<id> <ip:port@bus> <flags> <primary> <ping> <pong> <epoch> <link> <slot ranges>...`)."""
    live = next(n for n in cluster.nodes() if n.proc.poll() is None)
    lines = [x.split() for x in live.cli("CLUSTER", "NODES").splitlines()]
    return {f[1].split("@")[0] for f in lines if len(f) > 8 and "master" in f[2].split(",")}


def keys_per_primary(cluster):
    return {f":{n.port}": int(n.cli("DBSIZE") or 0) for n in cluster.primaries if n.proc.poll() is None}


async def migrate_slots(drill, share=3):
    """Moves a `share`-th of the first primary's slots to the second with redis-cli, under traffic."""
    rc = drill.cluster.redis_cluster
    src, dst = rc.primaries[0], rc.primaries[1]
    slots = 16384 // len(rc.primaries) // share
    before = await asyncio.to_thread(keys_per_primary, rc)
    argv = ["redis-cli", "--cluster", "reshard", f"127.0.0.1:{src.port}",
            "--cluster-from", src.cli("CLUSTER", "MYID"), "--cluster-to", dst.cli("CLUSTER", "MYID"),
            "--cluster-slots", str(slots), "--cluster-yes"]
    t0 = drill.marks["migration started"] = time.monotonic()
    log(f"moving {slots} slots from :{src.port} to :{dst.port} under traffic ({' '.join(argv[:4])} ...)")
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 600)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("redis-cli --cluster reshard did not finish in 600 s")
    t1 = drill.marks["migration done"] = time.monotonic()
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise AssertionError(f"redis-cli --cluster reshard failed ({proc.returncode}):\n{text[-3000:]}")
    moved = len(set(re.findall(r"Moving slot (\d+) from", text)))  # the plan lists each, then the moves
    after = await asyncio.to_thread(keys_per_primary, rc)
    drill.figures["slot migration"] = {
        "slots": moved, "from": f":{src.port}", "to": f":{dst.port}", "seconds": t1 - t0,
        "keys per primary before": before, "keys per primary after": after}
    log(f"{moved} slots moved in {t1 - t0:.1f} s; keys per primary {before} -> {after}; chatting for {drill.phase} s")
    await asyncio.sleep(drill.phase)  # the load runs: this is the drill's clock, not a synchronisation


async def replication_at_kill(primary, replica):
    infos = await asyncio.gather(asyncio.to_thread(primary.cli, "INFO", "replication"),
                                 asyncio.to_thread(replica.cli, "INFO", "replication"))

    def offset(info, key):
        return int(next((x.split(":")[1] for x in info.splitlines() if x.startswith(key + ":")), "0"))
    top = offset(infos[0], "master_repl_offset")
    return [f"primary :{primary.port} at offset {top}",
            f"replica :{replica.port} {max(0, top - offset(infos[1], 'slave_repl_offset'))} bytes behind"]


async def kill_primary(drill):
    """kill -9 the primary that received the slots; the cluster promotes its replica, every process
    follows (its /readyz names the new primary and not the old)."""
    rc = drill.cluster.redis_cluster
    victim = rc.primaries[1]
    replica = await asyncio.to_thread(replica_of, rc, victim)
    assert replica is not None, f"no replica follows :{victim.port}"
    drill.figures["replication at the kill"] = await replication_at_kill(victim, replica)
    k = drill.marks["primary killed"] = time.monotonic()
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(LIMIT)
    log(f"kill -9 the cluster primary :{victim.port} (its replica :{replica.port})")
    live = [g for g in drill.cluster.gateways if g.proc.poll() is None]
    drill.marks["cluster named"] = await poll(lambda: names_primary(rc, replica, victim),
                                              "the cluster to promote the replica", 90)

    def follows(port):
        status, body = readyz(port)
        return status == 200 and f"127.0.0.1:{replica.port}" in body and f"127.0.0.1:{victim.port}" not in body
    drill.marks["a gateway ready"] = await poll(lambda: any(follows(g.port) for g in live), "a gateway on it", 60)
    drill.marks["every gateway ready"] = await poll(lambda: all(follows(g.port) for g in live), "every gateway", 60)
    drill.figures["time to a new primary s"] = {
        "cluster": drill.marks["cluster named"] - k, "first gateway": drill.marks["a gateway ready"] - k,
        "every gateway": drill.marks["every gateway ready"] - k}
    drill.figures["new primary"] = replica.port
    log(f"the cluster names :{replica.port} after {drill.marks['cluster named'] - k:.2f} s, a gateway follows after "
        f"{drill.marks['a gateway ready'] - k:.2f} s, all after {drill.marks['every gateway ready'] - k:.2f} s; "
        f"chatting for {drill.phase} s")
    await asyncio.sleep(drill.phase)  # the load runs: this is the drill's clock, not a synchronisation


def failover_window(drill):
    """See the module's docstring: [kill - window_before, kill + window_after]."""
    args, kill = drill.args, drill.marks["primary killed"]
    return {"kill": kill, "start": kill - args.window_before, "end": kill + args.window_after, "switches": [],
            "described": f"from the primary's kill - {args.window_before} s (replication not yet copied) to the "
                         f"kill + {args.window_after} s (an acknowledgement on its way); the cluster promoted "
                         f"the replica {drill.marks['cluster named'] - kill:+.3f} s from the kill"}
