"""The failure drill's short form as a check (issue 15, point 6; CI runs it, label e2e): 100 customers
and 10 agents through HAProxy, three gateways, two routers, an outbox, Redis with two replicas and
three sentinels; one gateway, the active router and the Redis primary killed with -9 in turn.
Nothing acknowledged may be lost outside the documented Redis-failover window, nothing stored
twice, no conversation held by two agents at once. The long form is run by hand (docs/BENCHMARKS.md)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class DrillTest(unittest.TestCase):
    def test_the_short_drill_loses_repeats_and_double_assigns_nothing(self):
        with tempfile.TemporaryDirectory(prefix="sb-drill-test-") as folder:
            figures_file = os.path.join(folder, "figures.json")
            run = subprocess.run([sys.executable, os.path.join(HERE, "drill.py"), "--short", "--json", figures_file],
                                 capture_output=True, text=True, timeout=600)
            table = run.stdout.find("Failure drill (Sentinel): figures")
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


if __name__ == "__main__":
    unittest.main()
