"""End to end: the `switchboard` command line — help for every command, one clear line for a bad
command, option or value, and two `serve` instances on one machine from the same, unedited config,
told apart only by --listen and --data-dir.

Every process a test starts is stopped by it. Run by ctest (label e2e) with SWITCHBOARD_BIN set.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from test_serve import BIN, LIMIT, free_port, get, port_open, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "..", "config", "switchboard.yaml")  # the shipped default, unedited

# Every command and the options its help must list.
COMMANDS = {
    "serve": ["--config", "--roles", "--listen", "--smtp-listen", "--data-dir", "--help"],
    "check-config": ["--config", "--help"],
    "simulate": ["--scenario", "--seed", "--json", "--agents", "--arrivals-per-hour", "--aht-seconds",
                 "--target-seconds", "--hours", "--patience-seconds", "--help"],
    "token": ["--role", "--sub", "--team", "--ttl", "--config", "--help"],
    "status": ["--config", "--data-dir", "--help"],
    "version": ["--help"],
}


def run(*args, cwd=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=LIMIT, cwd=cwd)


class HelpTest(unittest.TestCase):

    def test_top_level_help_lists_every_command_and_exits_0(self):
        for args in (["--help"], ["-h"], ["help"]):
            p = run(*args)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, "")
            self.assertTrue(p.stdout.startswith("usage: switchboard <command> [options]"), p.stdout)
            for command in COMMANDS:
                self.assertIn(f"\n  {command}", p.stdout)
            self.assertIn("[--listen HOST:PORT] [--smtp-listen HOST:PORT] [--data-dir DIR]", p.stdout)

    def test_each_command_lists_its_options_and_exits_0(self):
        for command, options in COMMANDS.items():
            for args in ([command, "--help"], [command, "-h"], ["help", command]):
                p = run(*args)
                self.assertEqual(p.returncode, 0, (args, p.stderr))
                self.assertEqual(p.stderr, "")
                self.assertTrue(p.stdout.startswith(f"usage: switchboard {command}"), p.stdout)
                for option in options:
                    self.assertIn(option, p.stdout, (args, option))
        # Help wins over the command: `version --help` explains, it does not print the version.
        self.assertNotIn("0.1.0", run("version", "--help").stdout)

    def test_an_unknown_command_is_named_with_the_usage(self):
        for args, first in ((["bogus"], "switchboard: unknown command 'bogus'"),
                            (["help", "bogus"], "switchboard help: unknown command 'bogus'"),
                            (["--bogus"], "switchboard: unknown option '--bogus' (options go after the command)"),
                            ([], "switchboard: no command given")):
            p = run(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, "")
            lines = p.stderr.splitlines()
            self.assertEqual(lines[0], first)
            self.assertEqual(lines[1], "usage: switchboard <command> [options]")

    def test_an_unknown_option_or_argument_is_named_with_the_command_usage(self):
        for command in COMMANDS:
            p = run(command, "--bogus")
            self.assertEqual(p.returncode, 2, command)
            self.assertEqual(p.stdout, "")
            lines = p.stderr.splitlines()
            self.assertEqual(lines[0], f"switchboard {command}: unrecognised option '--bogus'")
            self.assertTrue(lines[1].startswith(f"usage: switchboard {command}"), lines)
        p = run("serve", "extra")
        self.assertEqual((p.returncode, p.stderr.splitlines()[0]), (2, "switchboard serve: unexpected argument 'extra'"))
        # Options of one command are not accepted by another.
        p = run("serve", "--seed", "3")
        self.assertEqual((p.returncode, p.stderr.splitlines()[0]), (2, "switchboard serve: unrecognised option '--seed'"))


class ServeOptionsTest(unittest.TestCase):
    """Runs `serve` from a temporary working folder, so nothing it might write lands in the tree."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="sb-cli-")
        self.work = os.path.join(self.folder, "work")
        os.mkdir(self.work)
        self.processes = []

    def tearDown(self):
        for p, log in reversed(self.processes):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(LIMIT)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def serve(self, *args):
        """A `serve` process on the shipped config; its output goes to a log file of its own."""
        log = open(os.path.join(self.folder, f"serve-{len(self.processes)}.log"), "w+")
        # The shipped config takes mail on 127.0.0.1:2525: each instance here takes it on a free port.
        p = subprocess.Popen([BIN, "serve", "--config", CONFIG, "--smtp-listen", "127.0.0.1:0", *args], stdout=log, stderr=subprocess.STDOUT,
                             cwd=self.work)
        self.processes.append((p, log))
        return p, log

    @staticmethod
    def output(log):
        log.flush()
        with open(log.name) as f:
            return f.read()

    def assert_refused(self, args, line):
        """`serve ARGS` exits 2 at once, its first stderr line `line`, having started nothing."""
        p = run("serve", "--config", CONFIG, *args, cwd=self.work)
        self.assertEqual(p.returncode, 2, (args, p.stderr))
        self.assertEqual(p.stderr.splitlines()[0], line)
        self.assertEqual(os.listdir(self.work), [])

    def test_bad_values_name_the_option(self):
        self.assert_refused(["--listen", "nonsense"], "switchboard serve: --listen 'nonsense': expected HOST:PORT, "
                            "e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080")
        for value in ("host:99999", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:"):
            self.assert_refused(["--listen", value], f"switchboard serve: --listen '{value}': the port must be "
                                "a number from 0 to 65535 (0: a free one)")
        self.assert_refused(["--listen", "localhost:8080"], "switchboard serve: --listen 'localhost:8080': "
                            "'localhost' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, [::1])")
        self.assert_refused(["--listen", "::1:8080"], "switchboard serve: --listen '::1:8080': an IPv6 address goes "
                            "in brackets, e.g. [::1]:8080")
        self.assert_refused(["--listen"], "switchboard serve: the required argument for option '--listen' is missing")
        self.assert_refused(["--smtp-listen", "mail:25"], "switchboard serve: --smtp-listen 'mail:25': "
                            "'mail' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, [::1])")
        self.assert_refused(["--roles", "gateway,chef"], "switchboard serve: --roles: unknown role 'chef' "
                            "(gateway, router, outbox)")
        a_file = os.path.join(self.folder, "a-file")
        open(a_file, "w").close()
        under_a_file = os.path.join(a_file, "data")
        self.assert_refused(["--data-dir", under_a_file], f"switchboard serve: --data-dir '{under_a_file}': "
                            "cannot create the folder: Not a directory")

    def test_two_instances_from_one_config_with_their_own_listen_and_data_dir(self):
        ports = [free_port(), free_port()]
        for _ in range(10):
            if ports[1] != ports[0]:
                break
            ports[1] = free_port()
        dirs = [os.path.join(self.folder, "one"), os.path.join(self.folder, "two", "nested")]
        started = [self.serve("--listen", f"127.0.0.1:{port}", "--data-dir", d) for port, d in zip(ports, dirs)]
        for (p, log), port in zip(started, ports):
            wait_for(lambda: get(port, "/readyz")[0] == 200 if port_open(port) else p.poll() is not None,
                     f"instance on {port}")
            self.assertIsNone(p.poll(), self.output(log))
            self.assertEqual(get(port, "/healthz"), (200, "ok\n"))
            self.assertIn(f"listening on http://127.0.0.1:{port} ", self.output(log))
            wait_for(lambda: "smtp listening on" in self.output(log), "the mail listener")
        # Each has its own embedded redis-server (a free port each) with its data in DIR/redis.
        redis_ports = [self.embedded_port(log) for _, log in started]
        self.assertNotEqual(redis_ports[0], redis_ports[1])
        for d in dirs:
            self.assertTrue(os.path.isdir(os.path.join(d, "redis", "appendonlydir")), d)
        self.assertEqual(os.listdir(self.work), [], "nothing is written outside --data-dir")

        # A third on a data folder in use is refused with one line, and the first two carry on.
        p, log = self.serve("--listen", "127.0.0.1:0", "--data-dir", dirs[0])
        self.assertNotEqual(p.wait(LIMIT), 0)
        last = self.output(log).strip().splitlines()[-1]
        self.assertEqual(last, f"switchboard: --data-dir '{dirs[0]}' is in use by another switchboard process "
                         f"(pid {started[0][0].pid}): give each instance its own --data-dir")
        for port in ports:
            self.assertEqual(get(port, "/healthz"), (200, "ok\n"))

        for (p, log), port, redis_port in zip(started, ports, redis_ports):
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(LIMIT), 0, self.output(log))
            self.assertFalse(port_open(port))
            self.assertFalse(port_open(redis_port), "the embedded redis-server stops with its instance")

    def test_port_0_picks_a_free_port_and_logs_it(self):
        p, log = self.serve("--listen", "127.0.0.1:0", "--data-dir", os.path.join(self.folder, "d"))
        wait_for(lambda: "listening on" in self.output(log) or p.poll() is not None, "listening")
        self.assertIsNone(p.poll(), self.output(log))
        line = next(x for x in self.output(log).splitlines() if "listening on" in x)
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        self.assertNotEqual(port, 0)
        self.assertEqual(get(port, "/healthz"), (200, "ok\n"))
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(LIMIT), 0)

    def embedded_port(self, log):
        for line in self.output(log).splitlines():
            if "embedded redis-server on 127.0.0.1:" in line:
                return int(line.split("127.0.0.1:")[1].split()[0])
        raise AssertionError("no embedded redis line in:\n" + self.output(log))


if __name__ == "__main__":
    unittest.main()
