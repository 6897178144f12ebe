"""End to end: the HTTP server's own rules, over raw sockets where a library would not send what is
tested (RFC 9112 framing: Transfer-Encoding smuggling; slow and idle clients) and over urllib for
the REST API's parameter checks and report bounds. Every process a test starts is stopped by it.
"""
import json
import socket
import time
import unittest
import urllib.parse

from test_serve import ProcessTest, get, staff_token

DAY_MS = 86_400_000
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def exchange(port, data, limit=5.0):
    """Sends `data` on a fresh connection and reads until the server closes it.

    Returns (the bytes read, whether the server closed the connection within `limit` seconds).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as s:
        s.sendall(data)
        got = b""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return got, True
            if not chunk:
                return got, True
            got += chunk
        return got, False


def responses(raw):
    """Splits what the server sent into [(status, headers, body)], following Content-Length."""
    out = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"a truncated response: {raw!r}")
        status_line, *lines = head.decode().split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
        n = int(headers.get("content-length", "0"))
        out.append((int(status_line.split()[1]), headers, rest[:n].decode()))
        raw = rest[n:]
    return out


def closed_after(sock, limit):
    """Seconds until the server closes `sock` (EOF or reset), or None if it is still open at `limit`."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


class TransferEncodingTest(ProcessTest):
    """RFC 9112 §6.3: a Transfer-Encoding other than exactly `chunked` (or with Content-Length) cannot be
    framed safely: 400 and close, so that its body is never read as a next request."""

    def setUp(self):
        super().setUp()
        self.s = self.serve()
        self.s.wait_listening()

    def test_anything_but_a_single_chunked_coding_is_refused_and_the_connection_closed(self):
        head = b"POST /v1/visitors HTTP/1.1\r\nHost: x\r\n"
        cases = {
            "chunked, identity": b"Transfer-Encoding: chunked, identity\r\n\r\n" + SMUGGLED,
            "xchunked": b"Transfer-Encoding: xchunked\r\n\r\n" + SMUGGLED,
            "identity": b"Transfer-Encoding: identity\r\n\r\n" + SMUGGLED,
            # The last coding is chunked: a lenient parser reads the chunked body, then the next request.
            "gzip, chunked": b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
            "chunked twice": b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
            "with Content-Length": b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED,
        }
        for name, rest in cases.items():
            with self.subTest(name):
                raw, closed = exchange(self.s.http_port, head + rest)
                got = responses(raw)
                self.assertEqual([status for status, _, _ in got], [400], raw)
                self.assertEqual(json.loads(got[0][2])["code"], "bad_request", raw)
                self.assertEqual(got[0][1].get("connection", "").lower(), "close", raw)
                self.assertTrue(closed, f"the connection stayed open after {raw!r}")

    def test_a_chunked_body_is_still_read_and_the_connection_kept(self):
        data = (b"POST /v1/visitors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
                b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw, closed = exchange(self.s.http_port, data)
        got = responses(raw)
        self.assertEqual([status for status, _, _ in got], [200, 200], raw)
        self.assertIn("token", json.loads(got[0][2]))
        self.assertEqual(got[1][2], "ok\n")
        self.assertTrue(closed)


class DeadlineTest(ProcessTest):
    """One request must arrive within server.handshake_timeout_seconds; a kept-alive connection may
    idle for server.idle_timeout_seconds between requests."""

    def setUp(self):
        super().setUp()
        self.s = self.serve(server_extra="  handshake_timeout_seconds: 2\n  idle_timeout_seconds: 4\n")
        self.s.wait_listening()

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.s.http_port), timeout=5)
        self.cleanups.append(sock.close)
        return sock

    def test_half_a_request_is_cut_off_at_the_handshake_timeout(self):
        sock = self.connect()
        sock.sendall(b"GET /heal")
        after = closed_after(sock, 10)
        self.assertIsNotNone(after, "still open 10 s after half a request line")
        self.assertGreater(after, 1.5)
        self.assertLess(after, 4)

    def test_a_silent_new_connection_is_cut_off_at_the_handshake_timeout(self):
        after = closed_after(self.connect(), 10)
        self.assertIsNotNone(after, "a silent connection still open after 10 s")
        self.assertGreater(after, 1.5)
        self.assertLess(after, 4)

    def test_between_requests_a_connection_may_idle_for_the_idle_timeout(self):
        sock = self.connect()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"ok\n" not in got:
            chunk = sock.recv(65536)
            self.assertTrue(chunk, "closed before the answer")
            got += chunk
        self.assertEqual(responses(got)[0][0], 200)
        after = closed_after(sock, 10)
        self.assertIsNotNone(after, "an idle kept-alive connection still open after 10 s")
        self.assertGreater(after, 3)  # not the handshake timeout: the idle one
        self.assertLess(after, 6)


class ParametersTest(ProcessTest):
    """A bad query parameter is a 400 that names it; the KPI report is bounded per request."""

    def setUp(self):
        super().setUp()
        self.s = self.serve()
        self.s.wait_listening()
        self.token = staff_token("lead", "lead-1", ["care"])

    def get(self, path):
        status, body = get(self.s.http_port, path, self.token)
        return status, (json.loads(body) if body.startswith("{") else body)

    def test_bad_parameters_are_400_naming_the_parameter(self):
        cases = [
            ("/v1/customers/c-1/timeline?after=abc", "after"),
            ("/v1/customers/c-1/timeline?after=1-2-3", "after"),
            ("/v1/customers/c-1/timeline?after=99999999999999999999-0", "after"),
            ("/v1/customers/c-1/timeline?limit=abc", "limit"),
            ("/v1/customers/c-1/timeline?limit=0", "limit"),
            ("/v1/conversations/c-1?after_seq=x", "after_seq"),
            ("/v1/conversations/c-1?limit=5000", "limit"),
            ("/v1/reports/kpis?from=abc", "from"),
            ("/v1/reports/kpis?to=-1", "to"),
            ("/v1/reports/kpis?from=1000&to=1000", "to"),
            ("/v1/reports/kpis?by=planet", "by"),
            ("/v1/reports/kpis?interval=week", "interval"),
            ("/v1/reports/kpis?format=xml", "format"),
            ("/v1/reports/kpis?from=%zz", "query"),  # not a query string at all
        ]
        for path, name in cases:
            with self.subTest(path):
                status, body = self.get(path)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["code"], "bad_request", body)
                self.assertTrue(body["message"].startswith(name + ":"), body)

    def test_good_parameters_still_answer(self):
        # Good parameters pass the checks: an unknown customer is then "not found", as for anyone.
        status, body = self.get("/v1/customers/c-1/timeline?after=1717000000000-0&limit=10")
        self.assertEqual((status, body["code"]), (404, "not_found"))
        self.assertEqual(self.get("/v1/customers/c-1/timeline")[0], 404)

    def kpis(self, **params):
        return self.get("/v1/reports/kpis?" + urllib.parse.urlencode(params))

    def test_the_kpi_report_is_bounded_in_period_and_intervals(self):
        start = 1_700_000_000_000
        three_years = 3 * 365 * DAY_MS
        status, body = self.kpis(**{"from": 0, "to": three_years, "interval": "15m"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["code"], "bad_request")
        self.assertIn("400 days", body["message"])
        status, body = self.kpis(**{"from": start, "to": start + 400 * DAY_MS + 1, "interval": "day"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["code"], "bad_request")
        self.assertIn("400 days", body["message"])
        self.assertEqual(self.kpis(**{"from": start, "to": start + 400 * DAY_MS, "interval": "day"})[0], 200)
        # 3000 intervals at most: 15-minute ones over a little more than 31 days are too many.
        status, body = self.kpis(**{"from": start, "to": start + 3000 * 900_000 + 1, "interval": "15m"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["code"], "bad_request")
        self.assertIn("3000 intervals", body["message"])
        self.assertEqual(self.kpis(**{"from": start, "to": start + 3000 * 900_000, "interval": "15m"})[0], 200)
        status, body = self.kpis(**{"from": start, "to": start + DAY_MS, "interval": "15m"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["rows"], [])
        # Without `from`, the longest period allowed, up to now.
        for interval in ("15m", "hour", "day"):
            status, body = self.kpis(interval=interval)
            self.assertEqual(status, 200, body)
            self.assertLessEqual(body["to"] - body["from"], 400 * DAY_MS)


if __name__ == "__main__":
    unittest.main()
