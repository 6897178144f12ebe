"""End to end: `switchboard simulate`, the scenario file and the one-queue shortcut."""
import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("SWITCHBOARD_BIN", "../../build/app/switchboard")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCENARIO = os.path.join(ROOT, "config", "scenarios", "three_queues.yaml")


def run(*args):
    return subprocess.run([BIN, "simulate", *args], capture_output=True, text=True, timeout=120)


class SimulateTest(unittest.TestCase):
    def test_shortcut_prints_one_json_object_and_repeats_with_the_seed(self):
        args = ["--agents", "10", "--arrivals-per-hour", "100", "--aht-seconds", "300", "--target-seconds", "20",
                "--hours", "200", "--seed", "4", "--json"]
        first, second = run(*args), run(*args)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout, second.stdout)
        got = json.loads(first.stdout)
        for key in ("service_level", "p_wait", "asa_seconds", "abandon_rate", "occupancy"):
            self.assertIn(key, got)
        self.assertAlmostEqual(got["occupancy"], 100 * 300 / 3600 / 10, delta=0.05)
        self.assertNotEqual(run(*args[:-2], "--seed", "5", "--json").stdout, first.stdout)

    def test_the_shipped_scenario_runs(self):
        p = run("--scenario", SCENARIO, "--seed", "1", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        self.assertEqual([q["name"] for q in got["queues"]], ["general", "billing", "technical"])
        for q in got["queues"]:
            self.assertGreater(q["arrivals"], 1000)
            self.assertEqual(q["arrivals"], q["answered"] + q["abandoned"])
        self.assertGreater(got["offers_per_assignment"], 1.0)  # some agents decline
        text = run("--scenario", SCENARIO, "--seed", "1")
        self.assertIn("offers per assignment", text.stdout)

    def test_a_bad_scenario_names_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("hours: 1\nqueues: [{name: q, polcy: {}}]\n")
        try:
            p = run("--scenario", f.name)
            self.assertEqual(p.returncode, 3)
            self.assertIn("queues[0].polcy: unknown key", p.stderr)
        finally:
            os.unlink(f.name)
        p = run()
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
