"""End to end: the gateway's own RFC 6455 framing, against a raw socket client written from the RFC
here (to send what a library would refuse to: unmasked frames, bad UTF-8, bytes glued to the
upgrade request, silence) and python3-websockets (fragmented messages, protocol pings).
"""
import asyncio
import base64
import hashlib
import json
import os
import socket
import struct
import time
import unittest


from test_live_chat import WS, connect, request, say, visitor_token
from test_serve import LIMIT, ProcessTest, get

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def masked(opcode, payload, fin=True, mask=True):
    """A client frame (RFC 6455 §5.2)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawClient:
    """A WebSocket client on a plain socket; every read is bounded by LIMIT."""

    def __init__(self, port, token, glued=b"", version="13", key=None, rcvbuf=None):
        self.key = key or base64.b64encode(os.urandom(16)).decode()
        self.sock = socket.socket()
        if rcvbuf:  # before connecting, so the window the server sees is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(LIMIT)
        self.sock.connect(("127.0.0.1", port))
        request = (f"GET /v1/ws?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: {version}\r\n"
                   f"Sec-WebSocket-Protocol: {WS}\r\n\r\n")
        self.sock.sendall(request.encode() + glued)
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status_line, *lines = head.decode().split("\r\n")
        self.headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}

    def fill(self):
        got = self.sock.recv(65536)
        if not got:
            raise EOFError("connection closed")
        self.buf += got

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        """The next server frame: (fin, opcode, payload). Server frames are never masked."""
        b0, b1 = self.take(2)
        assert b1 & 0x80 == 0, "a server frame was masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self.take(n)

    def json_frame(self):
        fin, op, payload = self.frame()
        assert fin and op == 1, (fin, op, payload)
        return json.loads(payload)

    def close_frame(self):
        """Skips data frames up to the server's close frame: (code, reason)."""
        while True:
            _, op, payload = self.frame()
            if op == 8:
                return struct.unpack("!H", payload[:2])[0], payload[2:].decode()

    def send(self, data):
        self.sock.sendall(data)

    def closed_by_server(self):
        """True when the server closes the TCP connection (within LIMIT)."""
        try:
            while True:
                self.fill()
        except EOFError:
            return True
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


class FramingTest(ProcessTest):
    def setUp(self):
        super().setUp()
        self.s = self.serve(server_extra="  idle_timeout_seconds: 2\n")
        self.s.wait_listening()
        self.token = visitor_token(self.s.http_port)

    def raw(self, **kw):
        c = RawClient(self.s.http_port, self.token, **kw)
        self.cleanups.append(c.close)
        return c

    def test_the_upgrade_follows_the_rfc_and_bytes_glued_to_it_are_read(self):
        ping = json.dumps({"requestId": "p1", "ping": {"clientTimeMs": "7"}}).encode()
        c = self.raw(glued=masked(1, ping))  # sent in the same packet as the upgrade request
        self.assertEqual(c.status_line, "HTTP/1.1 101 Switching Protocols")
        accept = base64.b64encode(hashlib.sha1((c.key + GUID).encode()).digest()).decode()
        self.assertEqual(c.headers["sec-websocket-accept"], accept)
        self.assertEqual(c.headers["sec-websocket-protocol"], WS)
        self.assertIn("welcome", c.json_frame())
        pong = c.json_frame()
        self.assertEqual(pong["requestId"], "p1")
        self.assertIn("pong", pong)

    def test_a_wrong_version_or_key_is_refused_before_the_upgrade(self):
        c = self.raw(version="8")
        self.assertTrue(c.status_line.startswith("HTTP/1.1 426 "), c.status_line)
        self.assertEqual(c.headers["sec-websocket-version"], "13")
        c = self.raw(key="c2hvcnQ=")  # 5 bytes, not 16
        self.assertTrue(c.status_line.startswith("HTTP/1.1 400 "), c.status_line)
        self.assertEqual(json.loads(c.take(int(c.headers["content-length"])))["code"], "bad_handshake")

    def test_an_unmasked_frame_is_a_protocol_error(self):
        c = self.raw()
        c.json_frame()  # welcome
        c.send(masked(1, b'{"requestId":"x","ping":{}}', mask=False))
        self.assertEqual(c.close_frame()[0], 1002)
        self.assertTrue(c.closed_by_server())

    def test_text_that_is_not_utf8_closes_with_1007(self):
        c = self.raw()
        c.json_frame()
        c.send(masked(1, b'{"requestId":"\xc0\x80"}'))
        self.assertEqual(c.close_frame()[0], 1007)
        self.assertTrue(c.closed_by_server())

    def test_a_close_is_answered_with_the_same_code(self):
        c = self.raw()
        c.json_frame()
        c.send(masked(8, struct.pack("!H", 1001) + b"going away"))
        self.assertEqual(c.close_frame(), (1001, ""))
        self.assertTrue(c.closed_by_server())

    def test_a_silent_client_is_pinged_then_closed(self):
        # idle_timeout_seconds is 2: a ping after ~1 s of silence, closed ~1 s later without a pong.
        c = self.raw()
        c.json_frame()
        started = time.monotonic()
        _, op, _ = c.frame()
        self.assertEqual(op, 9)  # a ping
        self.assertTrue(c.closed_by_server())
        self.assertLess(time.monotonic() - started, LIMIT)

    def test_a_client_answering_pings_stays_connected(self):
        c = self.raw()
        c.json_frame()
        for _ in range(2):  # a ping every ~2 s of silence, each answered with its payload
            _, op, payload = c.frame()
            self.assertEqual(op, 9)
            c.send(masked(10, payload))
        c.send(masked(1, json.dumps({"requestId": "alive", "ping": {}}).encode()))
        self.assertEqual(c.json_frame()["requestId"], "alive")

    def test_fragmented_messages_and_protocol_pings_from_a_library_client(self):
        async def scenario():
            ws = await connect(self.s.http_port, self.token)
            # websockets sends an iterable as one fragmented message (a frame per part).
            parts = ['{"requestId":"f1",', '"ping":{"clientTimeMs"', ':"3"}}']
            await ws.send(iter(parts))
            got = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            self.assertEqual(got["requestId"], "f1")
            pong_waiter = await ws.ping(b"are you there")
            await asyncio.wait_for(pong_waiter, LIMIT)
            _, answer = await request(ws, {"requestId": "f2", "ping": {}})
            self.assertIn("pong", answer)
            await ws.close()
            self.assertEqual(ws.close_code, 1000)

        asyncio.run(asyncio.wait_for(scenario(), 60))

    def test_metrics_show_sessions_and_the_dwell_of_messages(self):
        def metric(body, name):
            return float(next(line.split()[-1] for line in body.splitlines() if line.startswith(name + " ")))

        async def scenario():
            ws = await connect(self.s.http_port, self.token)
            for i in range(3):
                _, a = await request(ws, say(f"m{i}", f"hello {i}", f"c{i}"))
                self.assertIn("ack", a)
            status, body = get(self.s.http_port, "/metrics")
            self.assertEqual(status, 200)
            self.assertEqual(metric(body, 'switchboard_ws_sessions{role="customer"}'), 1)
            self.assertEqual(metric(body, "switchboard_gateway_dwell_seconds_count"), 3)
            self.assertIn('switchboard_gateway_dwell_seconds_bucket{le="+Inf"} 3', body)
            self.assertGreater(metric(body, "switchboard_gateway_dwell_seconds_sum"), 0)
            _, pong = await request(ws, {"requestId": "p", "ping": {}})  # not a message: not counted
            self.assertEqual(metric(get(self.s.http_port, "/metrics")[1], "switchboard_gateway_dwell_seconds_count"), 3)
            await ws.close()

        asyncio.run(asyncio.wait_for(scenario(), 60))


if __name__ == "__main__":
    unittest.main()
