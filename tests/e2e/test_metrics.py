"""End to end: GET /metrics of a real `switchboard serve` (all roles) after a conversation was
offered and accepted, checked by Debian's `promtool check metrics` and scraped by a real
`prometheus`, whose HTTP API is then asked for the series (docs/OPERATIONS.md lists them)."""
import asyncio
import json
import os
import re
import subprocess
import unittest
import urllib.parse

from test_desk import StaffTest, available, desk, taken_by
from test_live_chat import connect, visitor_token
from test_serve import LIMIT, RedisServer, free_port, get, port_open, wait_for


def sample(text, name, labels=""):
    """The value of one sample line `name{labels} value`, or None."""
    m = re.search("^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class MetricsTest(StaffTest):
    def conversation(self, s):
        """A customer is offered to ann, who accepts; a malformed frame is refused. Sockets stay open."""
        async def scenario():
            ann, _ = await desk(s.http_port, "ann")
            await available(ann)
            customer = await connect(s.http_port, visitor_token(s.http_port))
            await taken_by(ann, customer, "where is my parcel?", "m1")
            await customer.send("{not json")
            refusal = json.loads(await asyncio.wait_for(customer.recv(), LIMIT))
            self.assertIn("error", refusal)
            return ann, customer
        return scenario

    def test_metrics_pass_promtool_and_count_what_happened(self):
        s = self.serve()

        async def run():
            ann, customer = await self.conversation(s)()
            # The router's gauges come with its next board (every second); it counts the assignment
            # when it reads the accept's note, after ann's ack (asynchronously: slower under ASan).
            def counted():
                text = get(s.http_port, "/metrics")[1]
                return sample(text, "switchboard_queue_waiting", '{queue="general"}') == 0 and \
                    sample(text, "switchboard_queue_assignments_total", '{queue="general"}') is not None
            wait_for(counted, "a board's queue gauges and the assignment counted")
            text = get(s.http_port, "/metrics")[1]
            await ann.close()
            await customer.close()
            return text

        text = asyncio.run(asyncio.wait_for(run(), 90))
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=LIMIT)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(check.stdout + check.stderr, "")
        self.assertEqual(sample(text, "switchboard_queue_offers_total", '{queue="general"}'), 1)
        self.assertEqual(sample(text, "switchboard_queue_assignments_total", '{queue="general"}'), 1)
        self.assertEqual(sample(text, "switchboard_router_arrival_to_offer_seconds_count", '{queue="general"}'), 1)
        self.assertGreater(sample(text, "switchboard_router_decision_seconds_count"), 0)
        self.assertEqual(sample(text, "switchboard_router_leader"), 1)
        self.assertGreater(sample(text, "switchboard_router_lease_term"), 0)
        self.assertEqual(sample(text, "switchboard_queue_oldest_wait_seconds", '{queue="general"}'), 0)
        self.assertEqual(sample(text, "switchboard_ws_sessions", '{role="agent"}'), 1)
        self.assertEqual(sample(text, "switchboard_ws_sessions", '{role="customer"}'), 1)
        self.assertEqual(sample(text, "switchboard_ws_rejected_total", '{reason="bad_frame"}'), 1, text)
        self.assertGreater(sample(text, "switchboard_ws_frames_in_total"), 3)
        self.assertGreater(sample(text, "switchboard_ws_frames_out_total"), 3)
        self.assertGreater(sample(text, "switchboard_gateway_dwell_seconds_count"), 0)
        self.assertGreater(sample(text, "switchboard_redis_round_trip_seconds_count", '{client="cmd"}'), 0)
        self.assertGreater(sample(text, "switchboard_redis_round_trip_seconds_count", '{client="router"}'), 0)
        self.assertEqual(sample(text, "switchboard_outbox_queued"), 0)
        self.assertIsNotNone(sample(text, "switchboard_router_notes_behind", '{state="unread"}'))
        # A few buckets, not hundreds.
        self.assertLessEqual(len(re.findall(r'^switchboard_gateway_dwell_seconds_bucket', text, re.M)), 16)

    def test_a_real_prometheus_scrapes_it_and_answers_a_query(self):
        s = self.serve()
        asyncio.run(asyncio.wait_for(self._conversation_then_close(s), 90))
        port = free_port()
        config = os.path.join(self.folder, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: switchboard
    static_configs: [{{targets: ["127.0.0.1:{s.http_port}"]}}]
""")
        log = open(os.path.join(self.folder, "prometheus.log"), "w")
        proc = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.folder}/tsdb",
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)

        def stop():
            proc.terminate()
            try:
                proc.wait(LIMIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        self.cleanups.append(stop)
        wait_for(lambda: port_open(port) or proc.poll() is not None, "prometheus listening", 60)
        if proc.poll() is not None:
            with open(log.name) as f:
                self.fail("prometheus exited:\n" + f.read())

        def query(q):
            status, body = get(port, "/api/v1/query?query=" + urllib.parse.quote(q))
            if status != 200:
                return []
            return json.loads(body)["data"]["result"]

        wait_for(lambda: query('switchboard_queue_offers_total{queue="general"}'), "a scraped series", 60)
        [series] = query('switchboard_queue_offers_total{queue="general"}')
        self.assertEqual(series["metric"]["job"], "switchboard")
        self.assertEqual(series["value"][1], "1")
        [up] = query('up{job="switchboard"}')
        self.assertEqual(up["value"][1], "1")

    def test_a_router_or_outbox_process_answers_health_and_metrics_only(self):
        redis = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(redis.stop)
        url = f"redis://127.0.0.1:{redis.port}"
        router = self.serve(redis_url=url, roles="router")
        outbox = self.serve(redis_url=url, roles="outbox")
        for p in (router, outbox):
            p.wait_listening()
            self.assertIn("(health and metrics only)", p.output())
            self.assertEqual(get(p.http_port, "/healthz"), (200, "ok\n"))
            self.assertEqual(get(p.http_port, "/readyz"), (200, f"ready: redis 127.0.0.1:{redis.port}\n"))
            self.assertEqual(get(p.http_port, "/v1/queues")[0], 404)
        wait_for(lambda: sample(get(router.http_port, "/metrics")[1], "switchboard_router_leader") == 1, "the router to lead")
        for p in (router, outbox):
            text = get(p.http_port, "/metrics")[1]
            check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=LIMIT)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIsNone(sample(get(outbox.http_port, "/metrics")[1], "switchboard_router_leader"))
        self.assertEqual(sample(get(outbox.http_port, "/metrics")[1], "switchboard_outbox_queued"), 0)
        self.assertIsNone(sample(get(router.http_port, "/metrics")[1], "switchboard_ws_frames_in_total"))

    async def _conversation_then_close(self, s):
        ann, customer = await self.conversation(s)()
        await ann.close()
        await customer.close()


if __name__ == "__main__":
    unittest.main()
