"""End to end: what one WebSocket session may rely on, found by attacking it (issue 10): scoped
idempotency keys (a customer cannot cancel an agent's reply), frames taking effect in the order
sent, answers and replays paced by the writer (never a "slow reader"), opaque session ids, limits
that answer with the request id and a delay and close sustained abuse, a token's expiry on an open
socket, and the idle limit to within a second. python3-websockets and a raw RFC 6455 client.
"""
import asyncio
import json
import time
import unittest

import websockets

from test_desk import StaffTest, available, desk, taken_by
from test_framing import RawClient, masked
from test_live_chat import WS, connect, request, say, visitor_token
from test_serve import LIMIT, get, sign_token, staff_token

FAST = """  frames_per_second: 100000
  frame_burst: 100000
  user_frames_per_second: 100000
  user_frame_burst: 100000
"""


async def answers(ws, ids):
    """The answers to the request ids `ids` (in arrival order), skipping other frames (bounded)."""
    got, want = [], set(ids)
    for _ in range(len(ids) * 20 + 200):
        f = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        if f.get("requestId") in want:
            got.append(f)
            want.discard(f["requestId"])
            if not want:
                return got
    raise AssertionError("missing answers to " + ", ".join(sorted(want)))


class IdempotencyTest(StaffTest):

    def test_a_customer_cannot_cancel_an_agents_reply_note_or_resolve(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cust = await connect(port, visitor_token(port))
            conv = await taken_by(ann, cust, "hello", "m1")
            # The customer sends message ids shaped like the keys staff actions used.
            for i, key in enumerate(["staff:ann:am-77", "note:ann:n1", "resolve:ann:z1", "s:3:ann:m:am-77"]):
                _, a = await request(cust, say(f"c{i}", "x", key, conv))
                self.assertFalse(a["ack"].get("duplicate", False), a)
            _, reply = await request(ann, {"requestId": "m1", "sendMessage": {
                "conversationId": conv, "message": {"body": "Hi, I am Ann", "clientMessageId": "am-77"}}})
            self.assertIn("ack", reply, reply)
            self.assertFalse(reply["ack"].get("duplicate", False), reply)
            _, note = await request(ann, {"requestId": "n1", "addNote": {"conversationId": conv, "body": "vip"}})
            self.assertFalse(note["ack"].get("duplicate", False), note)
            # A desk that reconnects and numbers its requests from n1 again: a new note, not a duplicate.
            await ann.close()
            ann, _ = await desk(port, "ann")
            _, again = await request(ann, {"requestId": "n1", "addNote": {"conversationId": conv, "body": "again"}})
            self.assertFalse(again["ack"].get("duplicate", False), again)
            # The desk's own key for an action makes its re-send safe.
            frame = {"requestId": "n2", "actionId": "note-42", "addNote": {"conversationId": conv, "body": "once"}}
            _, first = await request(ann, frame)
            _, second = await request(ann, dict(frame, requestId="n3"))
            self.assertFalse(first["ack"].get("duplicate", False), first)
            self.assertTrue(second["ack"]["duplicate"], second)
            _, z = await request(ann, {"requestId": "z1", "resolve": {"conversationId": conv}})
            self.assertIn("ack", z, z)
            self.assertFalse(z["ack"].get("duplicate", False), z)
            body = self.conversation(port, conv)
            self.assertEqual(sum(1 for e in body["events"] if "note" in e), 3, body)
            agent_messages = [e["message"]["body"] for e in body["events"]
                              if "message" in e and e["message"].get("authorId") == "ann"]
            self.assertEqual(agent_messages, ["Hi, I am Ann"])
            self.assertEqual(body["conversation"]["state"], "RESOLVED")
            await ann.close()
            await cust.close()

        self.run_async(scenario())

    def conversation(self, port, conv):
        status, body = get(port, f"/v1/conversations/{conv}?limit=1000", staff_token("admin", "root", ["care"]))
        self.assertEqual(status, 200, body)
        return json.loads(body)


class OrderTest(StaffTest):

    def test_a_desks_frames_take_effect_in_the_order_sent(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            for i in range(4):
                cust = await connect(port, visitor_token(port))
                conv = await taken_by(ann, cust, f"question {i}", f"q{i}")
                # Reply, then resolve, without waiting in between.
                await ann.send(json.dumps({"requestId": f"r{i}", "sendMessage": {
                    "conversationId": conv, "message": {"body": "done", "clientMessageId": f"a{i}"}}}))
                await ann.send(json.dumps({"requestId": f"z{i}", "resolve": {"conversationId": conv}}))
                got = await answers(ann, [f"r{i}", f"z{i}"])
                self.assertEqual([f["requestId"] for f in got], [f"r{i}", f"z{i}"], got)
                for f in got:
                    self.assertIn("ack", f, f)
                self.assertLess(int(got[0]["ack"]["seq"]), int(got[1]["ack"]["seq"]))
                await cust.close()
            await ann.close()

        self.run_async(scenario())


class PacingTest(StaffTest):

    def test_a_resume_of_more_missed_events_than_the_queue_limit_arrives_whole(self):
        s = self.serve(server_extra="server:\n  max_queued_frames: 16\n" + FAST)
        port = s.http_port
        token = visitor_token(port)

        async def scenario():
            ws = await connect(port, token)
            _, a = await request(ws, say("r0", "first", "m0"))
            conv = a["ack"]["conversationId"]
            for i in range(1, 80):
                await request(ws, say(f"r{i}", f"message {i}", f"m{i}", conv))
            await ws.close()
            ws = await connect(port, token)
            before, ack = await request(ws, {"requestId": "back", "resume": {"conversationId": conv, "afterSeq": "0"}})
            seqs = sorted({int(f["event"]["seq"]) for f in before if "event" in f})
            self.assertIn("ack", ack, ack)
            self.assertEqual(seqs[:80], list(range(1, 81)))
            await ws.close()

        self.run_async(scenario())

    def test_a_client_that_pipelines_more_frames_than_the_queue_limit_gets_every_answer(self):
        s = self.serve(server_extra="server:\n  max_queued_frames: 16\n  frames_per_second: 10\n  frame_burst: 10\n")
        port = s.http_port

        async def scenario():
            ws = await connect(port, visitor_token(port))
            ids = [f"p{i}" for i in range(300)]
            for rid in ids:
                await ws.send(json.dumps({"requestId": rid, "ping": {"clientTimeMs": "1"}}))
            got = await answers(ws, ids)
            self.assertEqual(len(got), 300)
            limited = [f for f in got if "error" in f]
            self.assertTrue(limited)
            for f in limited:
                self.assertEqual(f["error"]["code"], "rate_limited", f)
                self.assertTrue(f["error"]["retry"], f)
                self.assertGreater(int(f["error"]["retryAfterMs"]), 0, f)
            await ws.close()

        self.run_async(scenario())


class SlowReaderTest(StaffTest):

    def test_a_slow_reader_that_reads_late_still_gets_its_1008(self):
        s = self.serve(server_extra="server:\n  max_queued_frames: 8\n  idle_timeout_seconds: 20\n"
                                    "  handshake_timeout_seconds: 1\n" + FAST)
        port = s.http_port
        token = visitor_token(port)

        async def flood(conv):
            """Another tab of the same customer writes, fast: every message is pushed to the room."""
            ws = await connect(port, token)
            body = "x" * 50_000  # big events: the socket buffers between them fill after a few dozen
            for batch in range(40):  # 200 messages, 5 at a time (within what a connection may queue)
                ids = [f"t{batch}-{i}" for i in range(5)]
                for rid in ids:
                    await ws.send(json.dumps(say(rid, body, rid, conv)))
                for f in await answers(ws, ids):
                    self.assertIn("ack", f, f)
            await ws.close()

        async def open_conversation():
            ws = await connect(port, token)
            _, a = await request(ws, say("r1", "hello", "m1"))
            await ws.close()
            return a["ack"]["conversationId"]

        conv = self.run_async(open_conversation())
        slow = RawClient(port, token, rcvbuf=4096)
        slow.json_frame()  # welcome
        slow.sock.sendall(masked(0x1, json.dumps({"requestId": "back", "resume": {"conversationId": conv}}).encode()))
        while slow.json_frame().get("requestId") != "back":
            pass
        self.run_async(flood(conv))  # the slow reader reads nothing meanwhile: the server gives up on it
        time.sleep(3)  # the scenario: it starts reading late, after the close handshake's own timeout
        code = None
        try:
            while True:
                fin, op, payload = slow.frame()
                if op == 0x8:
                    code = int.from_bytes(payload[:2], "big")
                    break
        except (EOFError, ConnectionResetError):
            pass
        self.assertEqual(code, 1008, "the slow reader did not get its close frame")
        slow.sock.close()


class LimitsTest(StaffTest):

    def test_session_ids_are_opaque_and_random(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ids = []
            for _ in range(2):
                ws = await websockets.connect(f"ws://127.0.0.1:{port}/v1/ws?access_token={visitor_token(port)}",
                                              subprotocols=[WS], open_timeout=LIMIT)
                ids.append(json.loads(await asyncio.wait_for(ws.recv(), LIMIT))["welcome"]["sessionId"])
                await ws.close()
            self.assertNotEqual(ids[0], ids[1])
            for sid in ids:
                self.assertGreaterEqual(len(sid), 20, sid)
                self.assertFalse(sid.isdigit(), sid)

        self.run_async(scenario())

    def test_an_unknown_frame_type_is_answered_with_its_request_id(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ws = await connect(port, visitor_token(port))
            _, a = await request(ws, {"requestId": "u1", "teleport": {"to": "mars"}})
            self.assertEqual(a["error"]["code"], "bad_frame", a)
            await ws.close()

        self.run_async(scenario())

    def test_sustained_abuse_is_closed_and_pings_count(self):
        s = self.serve(server_extra="server:\n  frames_per_second: 20\n  frame_burst: 20\n")
        port = s.http_port
        token = visitor_token(port)
        for flood in (masked(0x9, b"hi"), masked(0x1, json.dumps({"requestId": "f", "ping": {}}).encode())):
            c = RawClient(port, token)
            c.json_frame()  # welcome
            self.assertEqual(self.flood_until_closed(c, flood), 4029, "a flood of %r was not closed" % flood[:1])
            c.sock.close()

    @staticmethod
    def flood_until_closed(c, flood):
        """Sends `flood` over and over (at most 15 s) and returns the close code the server sent."""
        deadline = time.monotonic() + 15
        c.sock.settimeout(0.01)
        while time.monotonic() < deadline:
            try:
                c.sock.sendall(flood * 50)
            except OSError:
                deadline = 0  # the server closed: read what it sent
            try:
                got = c.sock.recv(1 << 20)
                if not got:
                    break
                c.buf += got
            except (TimeoutError, BlockingIOError):
                pass
            except OSError:
                break
        while len(c.buf) >= 2:  # the frames received, up to the close
            n = c.buf[1] & 0x7F
            head = 2 + (2 if n == 126 else 8 if n == 127 else 0)
            if n == 126:
                n = int.from_bytes(c.buf[2:4], "big")
            elif n == 127:
                n = int.from_bytes(c.buf[2:10], "big")
            if len(c.buf) < head + n:
                break
            op, payload, c.buf = c.buf[0] & 0x0F, c.buf[head:head + n], c.buf[head + n:]
            if op == 0x8:
                return int.from_bytes(payload[:2], "big")
        return None

    def test_an_open_socket_is_closed_when_its_token_expires(self):
        s = self.serve(extra="", server_extra="")
        port = s.http_port
        leeway = 30  # the config's auth.leeway_seconds default
        exp = int(time.time()) - leeway + 3  # expired already, but within the leeway for 3 s more
        token = sign_token({"sub": "ann", "role": "agent", "teams": ["care"], "iss": "switchboard",
                            "aud": "switchboard", "exp": exp})

        async def scenario():
            ws = await connect(port, token)
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                for _ in range(100):
                    await asyncio.wait_for(ws.recv(), 60)
            return closed.exception, time.time()

        exc, at = self.run_async(scenario())
        self.assertEqual(exc.rcvd.code, 4001, exc)
        self.assertLess(abs(at - (exp + leeway)), 1.5)


class IdleTest(StaffTest):

    def test_a_silent_client_is_closed_at_the_idle_limit_within_a_second(self):
        s = self.serve(server_extra="server:\n  idle_timeout_seconds: 4\n")
        c = RawClient(s.http_port, visitor_token(s.http_port))
        c.json_frame()  # welcome
        start = time.monotonic()
        pinged = closed = None
        try:
            while True:
                fin, op, payload = c.frame()
                if op == 0x9 and pinged is None:
                    pinged = time.monotonic() - start
                if op == 0x8:
                    closed = time.monotonic() - start
                    break
        except (EOFError, ConnectionResetError):
            closed = time.monotonic() - start
        self.assertIsNotNone(pinged)
        self.assertLess(abs(pinged - 2), 1, pinged)
        self.assertLess(abs(closed - 4), 1, closed)


if __name__ == "__main__":
    unittest.main()
