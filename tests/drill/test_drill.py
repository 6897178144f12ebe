"""The failure drill's short forms as checks (issue 15; CI runs them, label e2e): 100 customers and
10 agents through HAProxy, three gateways, two routers, an outbox, and Redis with replicas: behind
three sentinels (drill.sentinel), or a Cluster of three primaries with a replica each, a third of
one primary's slots moved under traffic (drill.cluster). One gateway, the active router and a
Redis primary are killed with -9 in turn. Nothing acknowledged may be lost outside the documented
Redis-failover window, nothing stored twice, no conversation held by two agents at once. The long
forms are run by hand (docs/BENCHMARKS.md)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class DrillTest(unittest.TestCase):
    def drill(self, redis, title):
        """Runs the short drill; its figures (the JSON it wrote)."""
        with tempfile.TemporaryDirectory(prefix="sb-drill-test-") as folder:
            figures_file = os.path.join(folder, "figures.json")
            run = subprocess.run([sys.executable, os.path.join(HERE, "drill.py"), "--short", "--redis", redis,
                                  "--json", figures_file], capture_output=True, text=True, timeout=600)
            table = run.stdout.find(title)
            print(run.stdout[:3000], run.stdout[table:table + 6000] if table > 3000 else "", run.stderr[-3000:])
            self.assertNotEqual(run.returncode, 2, "the drill could not run to the end")
            with open(figures_file) as f:
                figures = json.load(f)
        self.assertGreater(figures["customer messages acknowledged"], 0)
        self.assertEqual(figures["messages stored"] + len(figures["lost"]), figures["messages acknowledged"])
        self.assertEqual([x for x in figures["lost"] if not x["in_window"]], [])
        self.assertEqual(figures["duplicated"], [])
        self.assertEqual(figures["double-assigned (store)"], [])
        self.assertEqual(figures["double-assigned (agents' view)"], [])
        self.assertGreater(figures["reconnect-to-resumed after the gateway kill"]["customers"], 0)
        self.assertEqual(run.returncode, 0)
        return figures

    def test_sentinel_the_short_drill_loses_repeats_and_double_assigns_nothing(self):
        self.drill("sentinel", "Failure drill (Sentinel): figures")

    def test_cluster_the_short_drill_loses_repeats_and_double_assigns_nothing(self):
        figures = self.drill("cluster", "Failure drill (Cluster): figures")
        self.assertGreater(figures["slot migration"]["slots"], 0)


if __name__ == "__main__":
    unittest.main()
