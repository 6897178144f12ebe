"""End to end: the limits on what one client address, and all of them together, may take from a
gateway — visitor tokens minted (POST /v1/visitors, a token bucket per address) and WebSocket
connections open (server.max_connections_per_address, server.max_connections) — each refused with
429 and a Retry-After before anything is given.

A second client address is 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux): sockets bound to
it reach the gateway on 127.0.0.1 from another address.
"""
import asyncio
import http.client
import json
import unittest

import websockets

from test_framing import RawClient
from test_live_chat import connect, visitor_token
from test_serve import LIMIT, ProcessTest

OTHER = "127.0.0.2"


def mint(port, source="127.0.0.1"):
    """POST /v1/visitors from `source`: (status, headers with lower-case names, JSON body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=LIMIT, source_address=(source, 0))
    try:
        c.request("POST", "/v1/visitors", body=b"")
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(r.read().decode())
    finally:
        c.close()


def refused_upgrade(port, token):
    """An upgrade from 127.0.0.1 that the gateway refuses: (status line, headers, JSON body)."""
    c = RawClient(port, token)
    try:
        assert " 101 " not in c.status_line, "the upgrade was accepted"
        body = json.loads(c.take(int(c.headers["content-length"])))
        return c.status_line, c.headers, body
    finally:
        c.sock.close()


class LimitsTest(ProcessTest):
    def serve(self, **kw):
        s = super().serve(**kw)
        s.wait_listening()
        return s

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 60))

    def assert_retry_after(self, headers, at_most):
        self.assertIn("retry-after", headers)
        seconds = int(headers["retry-after"])  # delta-seconds (RFC 9110 §10.2.3)
        self.assertGreaterEqual(seconds, 1)
        self.assertLessEqual(seconds, at_most)

    async def admitted_soon(self, port, token, **kw):
        """Connects once the gateway has dropped a closed session's place (bounded polling)."""
        for _ in range(100):
            try:
                return await connect(port, token, **kw)
            except websockets.exceptions.InvalidStatusCode as e:
                self.assertEqual(e.status_code, 429)
                await asyncio.sleep(0.05)
        self.fail("no place was freed")

    def test_minting_visitor_tokens_is_limited_per_address(self):
        # `extra` continues the `auth:` block of the test config.
        s = self.serve(extra="  visitor_token_burst: 3\n  visitor_tokens_per_minute_per_address: 1\n")
        for _ in range(3):  # the burst
            status, _, body = mint(s.http_port)
            self.assertEqual(status, 200, body)
            self.assertIn("token", body)
        status, headers, body = mint(s.http_port)
        self.assertEqual(status, 429, body)
        self.assertEqual(body["code"], "too_many_requests")
        self.assertTrue(body["message"])
        self.assertNotIn("token", body)
        self.assert_retry_after(headers, 60)  # one token a minute
        # Another address has its own bucket; the first is still empty.
        status, _, body = mint(s.http_port, OTHER)
        self.assertEqual(status, 200, body)
        self.assertEqual(mint(s.http_port)[0], 429)

    def test_by_default_an_address_gets_a_burst_of_ten_tokens(self):
        s = self.serve()
        statuses = [mint(s.http_port)[0] for _ in range(11)]
        self.assertEqual(statuses, [200] * 10 + [429])

    def test_connections_per_address_are_capped(self):
        s = self.serve(server_extra="  max_connections_per_address: 3\n  max_connections_per_user: 2\n")
        port = s.http_port
        tokens = [visitor_token(port) for _ in range(6)]

        async def scenario():
            a = await connect(port, tokens[0])
            b = await connect(port, tokens[0])
            # The user's own cap refuses a third: that refusal takes no place of the address.
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as user_full:
                await connect(port, tokens[0])
            self.assertEqual(user_full.exception.status_code, 429)
            c = await connect(port, tokens[1])
            # The address has 3: a fourth is refused whoever's token it carries, again and again.
            for t in tokens[2:5]:
                status_line, headers, body = refused_upgrade(port, t)
                self.assertIn(" 429 ", status_line)
                self.assertEqual(body["code"], "too_many_connections")
                self.assertIn("address", body["message"])
                self.assert_retry_after(headers, 60)
            # Another address is not affected.
            other = await connect(port, tokens[2], local_addr=(OTHER, 0))
            # Closing one frees one place, exactly: the next is admitted, the one after refused.
            await a.close()
            d = await self.admitted_soon(port, tokens[3])
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as full:
                await connect(port, tokens[4])
            self.assertEqual(full.exception.status_code, 429)
            # Connections come and go many times over the cap: each place is given back once.
            await d.close()
            for t in tokens[3:6] * 2:
                ws = await self.admitted_soon(port, t)
                await ws.close()
            for ws in (b, c, other):
                await ws.close()

        self.run_async(scenario())

    def test_connections_in_total_are_capped(self):
        s = self.serve(server_extra="  max_connections: 4\n")
        port = s.http_port
        tokens = [visitor_token(port) for _ in range(6)]

        async def scenario():
            open_ = [await connect(port, tokens[0]), await connect(port, tokens[1]),
                     await connect(port, tokens[2], local_addr=(OTHER, 0)),
                     await connect(port, tokens[3], local_addr=(OTHER, 0))]
            # A fifth, from either address, is refused before the upgrade.
            status_line, headers, body = refused_upgrade(port, tokens[4])
            self.assertIn(" 429 ", status_line)
            self.assertEqual(body["code"], "too_many_connections")
            self.assert_retry_after(headers, 60)
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as full:
                await connect(port, tokens[4], local_addr=(OTHER, 0))
            self.assertEqual(full.exception.status_code, 429)
            self.assert_retry_after({k.lower(): v for k, v in full.exception.headers.items()}, 60)
            await open_.pop(0).close()
            open_.append(await self.admitted_soon(port, tokens[5], local_addr=(OTHER, 0)))
            with self.assertRaises(websockets.exceptions.InvalidStatusCode):
                await connect(port, tokens[4])
            for ws in open_:
                await ws.close()

        self.run_async(scenario())


if __name__ == "__main__":
    unittest.main()
