"""A real Redis Cluster on loopback for tests: `primaries` redis-server processes in cluster mode
(each with `replicas` replicas), the slots split evenly, CLUSTER MEET, and a bounded wait until
every node agrees. Each node has its own folder, port and cluster-bus port; stop() ends them all."""
import os
import subprocess
import time

from test_serve import LIMIT, free_port, port_open, wait_for


class Node:
    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        self.port, self.bus = free_port(), free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", folder,
             "--cluster-enabled", "yes", "--cluster-config-file", os.path.join(folder, "nodes.conf"),
             "--cluster-port", str(self.bus), "--cluster-node-timeout", "1000", "--save", "",
             "--appendonly", "yes", "--logfile", os.path.join(folder, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), "a cluster node")

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True,
                              timeout=LIMIT).stdout.strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(LIMIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RedisCluster:
    def __init__(self, folder, primaries=3, replicas=0):
        self.primaries = [Node(os.path.join(folder, f"p{i}")) for i in range(primaries)]
        self.replicas = [Node(os.path.join(folder, f"r{i}")) for i in range(primaries * replicas)]
        try:
            self._form(replicas)
        except BaseException:
            self.stop()
            raise

    def nodes(self):
        return self.primaries + self.replicas

    def seeds(self):
        return [f"127.0.0.1:{n.port}" for n in self.primaries]

    def _form(self, replicas):
        n = len(self.primaries)
        for i, node in enumerate(self.primaries):
            first, last = i * 16384 // n, (i + 1) * 16384 // n - 1
            assert node.cli("CLUSTER", "ADDSLOTSRANGE", str(first), str(last)) == "OK"
        for node in self.nodes()[1:]:
            assert self.primaries[0].cli("CLUSTER", "MEET", "127.0.0.1", str(node.port), str(node.bus)) == "OK"
        wait_for(lambda: all(len(node.cli("CLUSTER", "NODES").splitlines()) == len(self.nodes())
                             for node in self.nodes()), "every node to know every other")
        for i, replica in enumerate(self.replicas):
            primary = self.primaries[i // replicas]
            assert replica.cli("CLUSTER", "REPLICATE", primary.cli("CLUSTER", "MYID")) == "OK"
        wait_for(self.agreed, "the cluster to agree on its slots")

    def agreed(self):
        for node in self.nodes():
            if "cluster_state:ok" not in node.cli("CLUSTER", "INFO"):
                return False
        return True

    def flush(self):
        for node in self.primaries:
            node.cli("FLUSHALL")

    def stop(self):
        for node in self.nodes():
            node.stop()


def run_e2e_modules(start, env_of, title):
    """Starts a shared Redis (`start(folder)`, which has stop()), runs e2e modules on it (those named
    on the command line, or every test_*.py here but test_sentinel, which brings its own Redis) with
    `env_of(redis)` added to the environment, and stops it. Returns unittest's exit status."""
    import glob
    import shutil
    import sys
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    modules = sys.argv[1:] or sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(here, "test_*.py"))
                                     if not p.endswith("test_sentinel.py"))
    folder = tempfile.mkdtemp(prefix="sb-e2e-shared-")
    redis = start(folder)
    try:
        env = dict(os.environ, **env_of(redis))
        started = time.monotonic()
        rc = subprocess.run([sys.executable, "-m", "unittest", *modules], env=env, cwd=here).returncode
        print(f"e2e on {title}: {time.monotonic() - started:.0f} s", flush=True)
        return rc
    finally:
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _main():
    """Starts a cluster and runs e2e modules on it: `python3 redis_cluster.py test_x ...`, or with no
    argument every test_*.py here but test_sentinel (which brings its own Redis)."""
    return run_e2e_modules(RedisCluster, lambda c: {"SWITCHBOARD_E2E_CLUSTER": ",".join(c.seeds())},
                           "a three-primary Redis Cluster")


if __name__ == "__main__":
    raise SystemExit(_main())
