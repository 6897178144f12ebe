"""Runs e2e modules on Redis Sentinel instead of each server's embedded Redis: a primary, a replica
and three sentinels on loopback (the same as test_sentinel's), every Server without a Redis of its
own on `redis.sentinel` (test_serve's SWITCHBOARD_E2E_SENTINEL). `python3 redis_sentinel.py test_x ...`,
or with no argument every test_*.py here but test_sentinel (which brings its own)."""
import os

from redis_cluster import run_e2e_modules
from test_sentinel import Sentinel
from test_serve import E2E_SENTINEL_MASTER, RedisServer, wait_for


class SentinelRedis:
    """A primary, a replica and three sentinels monitoring the primary as E2E_SENTINEL_MASTER."""

    def __init__(self, folder):
        self.stoppers = []
        try:
            self.primary = self.started(RedisServer(os.path.join(folder, "primary")))
            self.replica = self.started(RedisServer(os.path.join(folder, "replica")))
            self.replica.cli("REPLICAOF", "127.0.0.1", str(self.primary.port))
            wait_for(lambda: "master_link_status:up" in self.replica.cli("INFO", "replication"), "the replica to sync")
            self.sentinels = [self.started(Sentinel(os.path.join(folder, f"sentinel{i}"), self.primary.port,
                                                    E2E_SENTINEL_MASTER)) for i in range(3)]
            wait_for(lambda: all(s.primary_port() == self.primary.port for s in self.sentinels),
                     "the sentinels to name the primary")
        except BaseException:
            self.stop()
            raise

    def started(self, process):
        self.stoppers.append(process.stop)
        return process

    def addresses(self):
        return [f"127.0.0.1:{s.port}" for s in self.sentinels]

    def stop(self):
        for stop in reversed(self.stoppers):
            stop()
        self.stoppers = []


def _main():
    return run_e2e_modules(SentinelRedis, lambda r: {"SWITCHBOARD_E2E_SENTINEL": ",".join(r.addresses())},
                           "Redis Sentinel (a primary, a replica, three sentinels)")


if __name__ == "__main__":
    raise SystemExit(_main())
