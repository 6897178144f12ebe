"""End to end: customers chatting through real `switchboard serve` processes, driven by
python3-websockets (a WebSocket client this project did not write), over the JSON subprotocol.

Covers the handshake (tokens, subprotocol, origin), sending with acknowledgements and idempotent
re-sends, live events, resume after a reconnect with nothing lost or duplicated, two gateway
processes on one Redis, bad and out-of-role frames, the frame size limit, Redis going away, and
the drain with close code 1012.
"""
import asyncio
import json
import os
import signal
import unittest

import websockets

from test_serve import LIMIT, ProcessTest, RedisServer, get, post, staff_token

WS = "switchboard.v1.json"


def visitor_token(port):
    status, body = post(port, "/v1/visitors")
    assert status == 200, body
    return json.loads(body)["token"]


async def connect(port, token, **kw):
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/v1/ws?access_token={token}", subprotocols=[WS],
                                  open_timeout=LIMIT, **kw)
    welcome = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
    assert "welcome" in welcome, welcome
    return ws


async def request(ws, frame):
    """Sends a frame and returns (the frames before the answer, the answer)."""
    await ws.send(json.dumps(frame))
    before = []
    while True:
        got = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        if got.get("requestId") == frame["requestId"]:
            return before, got
        before.append(got)


def say(request_id, body, client_id, conversation=""):
    m = {"requestId": request_id, "sendMessage": {"message": {"body": body, "clientMessageId": client_id}}}
    if conversation:
        m["sendMessage"]["conversationId"] = conversation
    return m


class LiveChatTest(ProcessTest):
    def serve(self, **kw):
        """A gateway in a folder of its own (several may run in one test), listening."""
        folder = os.path.join(self.folder, f"gw{len(self.cleanups)}")
        os.makedirs(folder)
        s = super().serve(folder, **kw)
        s.wait_listening()
        return s

    def run_async(self, coro):
        """Runs a test's coroutine to completion, within a minute."""
        return asyncio.run(asyncio.wait_for(coro, 60))

    def test_a_customer_chats_and_resumes_without_loss_or_duplicates(self):
        s = self.serve()
        token = visitor_token(s.http_port)

        async def scenario():
            ws = await connect(s.http_port, token)
            _, a1 = await request(ws, say("r1", "hello", "m1"))
            conv = a1["ack"]["conversationId"]
            self.assertEqual(a1["ack"]["seq"], "1")
            before, a2 = await request(ws, say("r2", "my order is late", "m2"))
            self.assertEqual(a2["ack"]["seq"], "2")
            # Live: the stored event came back through pub/sub (before or after its ack).
            events = [f["event"] for f in before if "event" in f]
            if not events:
                events = [json.loads(await asyncio.wait_for(ws.recv(), LIMIT))["event"]]
            self.assertEqual(events[0]["seq"], "2")
            self.assertEqual(events[0]["message"]["body"], "my order is late")
            # A re-send with the same client id is acknowledged as a duplicate, stored once.
            _, dup = await request(ws, say("r3", "my order is late", "m2"))
            self.assertEqual(dup["ack"], {"conversationId": conv, "seq": "2", "duplicate": True})
            await ws.close()

            # Reconnect and resume after seq 1: exactly seq 2, then the ack with the last seq.
            ws = await connect(s.http_port, token)
            before, resumed = await request(ws, {"requestId": "r4", "resume": {"conversationId": conv, "afterSeq": "1"}})
            self.assertEqual([e["event"]["seq"] for e in before], ["2"])
            # The ack carries the conversation's latest seq: staff-only events (the customer's
            # disconnect and return while waiting) count too.
            self.assertGreaterEqual(int(resumed["ack"]["seq"]), 2)
            # Another visitor cannot read it: "not found", no existence leak.
            other = await connect(s.http_port, visitor_token(s.http_port))
            _, refused = await request(other, {"requestId": "r5", "resume": {"conversationId": conv, "afterSeq": "0"}})
            self.assertEqual(refused["error"]["code"], "not_found")
            await other.close()
            await ws.close()

        self.run_async(scenario())

    def test_a_resume_that_missed_over_a_thousand_events_gets_a_gap_it_can_resume_from(self):
        # Found in the pages: the gap said oldestAvailableSeq 1, so a client resuming from there
        # (seq 0) got the same gap again, for ever (the widget and the desk did exactly that). Now
        # the gap comes before a replay of the latest 1000 events.
        fast = ("  frames_per_second: 100000\n  frame_burst: 100000\n"
                "  user_frames_per_second: 100000\n  user_frame_burst: 100000\n")
        s = self.serve(server_extra=fast)
        token = visitor_token(s.http_port)

        async def scenario():
            ws = await connect(s.http_port, token)
            _, a = await request(ws, say("r0", "message 0", "m0"))
            conv = a["ack"]["conversationId"]
            for i in range(1, 1100):
                await request(ws, say(f"r{i}", f"message {i}", f"m{i}", conv))
            await ws.close()
            ws = await connect(s.http_port, token)
            # The gap first, then the latest 1000 events from its seq, then the ack.
            before, resumed = await request(ws, {"requestId": "g", "resume": {"conversationId": conv, "afterSeq": "0"}})
            self.assertIn("ack", resumed, resumed)
            self.assertIn("historyGap", before[0], before[:2])
            oldest = int(before[0]["historyGap"]["oldestAvailableSeq"])
            seqs = [int(f["event"]["seq"]) for f in before[1:] if "event" in f]
            self.assertEqual(len(seqs), len(before) - 1)
            self.assertEqual(seqs[0], oldest)
            self.assertEqual(seqs, list(range(oldest, oldest + len(seqs))))
            self.assertLessEqual(len(seqs), 1000)
            # The latest 1000 of all events; the customer is not sent the staff-only ones among
            # them (their disconnect and return), so the replay may end before the ack's seq.
            self.assertEqual(oldest, int(resumed["ack"]["seq"]) - 999)
            self.assertLessEqual(seqs[-1], int(resumed["ack"]["seq"]))
            self.assertEqual(before[-1]["event"]["message"]["body"], "message 1099")
            await ws.close()

        self.run_async(scenario())

    def test_typing_is_live_only_and_read_receipts_are_stored(self):
        s = self.serve()
        token = visitor_token(s.http_port)

        async def next_event(ws):
            for _ in range(10):  # bounded: skip acks and other frames
                got = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
                if "event" in got:
                    return got["event"]
            raise AssertionError("no event")

        async def scenario():
            a = await connect(s.http_port, token)
            _, first = await request(a, say("r1", "hello", "m1"))
            conv = first["ack"]["conversationId"]
            b = await connect(s.http_port, token)  # the same customer in a second tab
            await request(b, {"requestId": "r2", "resume": {"conversationId": conv, "afterSeq": "1"}})
            _, typed = await request(a, {"requestId": "r3", "typing": {"conversationId": conv, "active": True}})
            self.assertEqual(typed["ack"]["conversationId"], conv)
            ev = await next_event(b)
            self.assertEqual(ev["typing"]["active"], True)
            self.assertNotIn("seq", ev)  # seq 0: not stored
            _, read = await request(a, {"requestId": "r4", "read": {"conversationId": conv, "upToSeq": "1"}})
            self.assertEqual(read["ack"]["seq"], "2")
            ev = await next_event(b)
            self.assertEqual((ev["seq"], ev["read"]["upToSeq"]), ("2", "1"))
            _, again = await request(a, {"requestId": "r5", "read": {"conversationId": conv, "upToSeq": "1"}})
            self.assertTrue(again["ack"]["duplicate"])
            _, bad = await request(a, {"requestId": "r6", "read": {"conversationId": conv, "upToSeq": "99"}})
            self.assertEqual(bad["error"]["code"], "bad_request")
            # Typing is not in the history: a resume from 0 sees the message and the read receipt.
            c = await connect(s.http_port, token)
            before, done = await request(c, {"requestId": "r7", "resume": {"conversationId": conv, "afterSeq": "0"}})
            self.assertEqual([("message" in e["event"], "read" in e["event"]) for e in before],
                             [(True, False), (False, True)])
            for ws in (a, b, c):
                await ws.close()

        self.run_async(scenario())

    def test_rate_and_connection_limits(self):
        s = self.serve(server_extra="  frames_per_second: 1\n  frame_burst: 3\n  max_connections_per_user: 2\n")
        token = visitor_token(s.http_port)

        async def scenario():
            a = await connect(s.http_port, token)
            for i in range(5):
                await a.send(json.dumps({"requestId": f"p{i}", "ping": {}}))
            answers = [json.loads(await asyncio.wait_for(a.recv(), LIMIT)) for _ in range(5)]
            limited = [x for x in answers if "error" in x]
            self.assertEqual(len([x for x in answers if "pong" in x]), 3)  # the burst
            self.assertEqual(len(limited), 2)
            self.assertEqual((limited[0]["error"]["code"], limited[0]["error"]["retry"]), ("rate_limited", True))
            b = await connect(s.http_port, token)
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                await connect(s.http_port, token)
            self.assertEqual(refused.exception.status_code, 429)
            await b.close()
            for attempt in range(100):  # bounded: the slot frees when the server drops the session
                try:
                    c = await connect(s.http_port, token)
                    break
                except websockets.exceptions.InvalidStatusCode:
                    await asyncio.sleep(0.05)
            await c.close()
            await a.close()

        self.run_async(scenario())

    def test_staff_read_conversations_and_timelines_over_rest(self):
        s = self.serve(extra="queues: [{name: general, team: care}, {name: billing}]\n")
        token = visitor_token(s.http_port)

        async def chat():
            ws = await connect(s.http_port, token)
            _, a = await request(ws, say("r1", "hello", "m1"))
            await request(ws, say("r2", "are you there?", "m2", a["ack"]["conversationId"]))
            await ws.close()
            return a["ack"]["conversationId"]

        conv = self.run_async(chat())
        agent = staff_token(teams=["care"])
        status, body = get(s.http_port, f"/v1/conversations/{conv}", agent)
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        # Staff of another team: "not found", as for a conversation that does not exist.
        status, body = get(s.http_port, f"/v1/conversations/{conv}", staff_token(teams=["tech"]))
        self.assertEqual((status, json.loads(body)["code"]), (404, "not_found"))
        self.assertEqual(got["conversation"]["state"], "QUEUED")
        self.assertEqual(got["conversation"]["queue"], "general")
        self.assertEqual([e["message"]["body"] for e in got["events"] if "message" in e], ["hello", "are you there?"])
        status, body = get(s.http_port, f"/v1/conversations/{conv}?after_seq=1", agent)
        self.assertEqual([e["seq"] for e in json.loads(body)["events"] if "message" in e], ["2"])
        customer = got["conversation"]["customerId"]
        lead = staff_token("lead", "lead-1", ["care"])  # the timeline: the customer's teams' leads (or who held them)
        status, body = get(s.http_port, f"/v1/customers/{customer}/timeline?limit=1", lead)
        page = json.loads(body)
        self.assertEqual((status, len(page["events"])), (200, 1))
        status, body = get(s.http_port, f"/v1/customers/{customer}/timeline?after={page['nextAfter']}", lead)
        self.assertEqual(json.loads(body)["events"][0]["message"]["body"], "are you there?")
        status, body = get(s.http_port, "/v1/queues", staff_token("lead", "lead-1"))
        self.assertEqual([q["name"] for q in json.loads(body)["queues"]], ["general", "billing"])
        # Refusals, as JSON with a code.
        self.assertEqual(get(s.http_port, f"/v1/conversations/{conv}")[0], 401)
        self.assertEqual(get(s.http_port, f"/v1/conversations/{conv}", token)[0], 403)  # a customer's token
        status, body = get(s.http_port, "/v1/conversations/01M84T42DQ18W34E6Z0Z12X1J8-4", agent)
        self.assertEqual((status, json.loads(body)["code"]), (404, "not_found"))
        status, body = get(s.http_port, f"/v1/conversations/{conv}?limit=0", agent)
        self.assertEqual((status, json.loads(body)["code"]), (400, "bad_request"))

    def test_two_gateway_processes_on_one_redis(self):
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        g1, g2 = self.serve(redis_url=url), self.serve(redis_url=url)
        token = visitor_token(g1.http_port)  # both gateways share the keys of the config

        async def scenario():
            a = await connect(g1.http_port, token)
            _, first = await request(a, say("r1", "on gateway one", "m1"))
            conv = first["ack"]["conversationId"]
            b = await connect(g2.http_port, token)
            await request(b, {"requestId": "r2", "resume": {"conversationId": conv, "afterSeq": "1"}})
            await request(a, say("r3", "seen on gateway two?", "m2", conv))
            got = json.loads(await asyncio.wait_for(b.recv(), LIMIT))
            self.assertEqual(got["event"]["message"]["body"], "seen on gateway two?")
            await a.close()
            await b.close()

        self.run_async(scenario())

    def test_handshakes_are_refused_before_the_upgrade(self):
        s = self.serve(server_extra="  allowed_origins: [https://shop.example.com]\n")
        port = s.http_port
        token = visitor_token(port)

        async def status_of(path, headers=None, subprotocols=(WS,)):
            try:
                ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}", subprotocols=list(subprotocols),
                                              extra_headers=headers or {}, open_timeout=LIMIT)
                await ws.close()
                return 101
            except websockets.exceptions.InvalidStatusCode as e:
                return e.status_code

        async def scenario():
            self.assertEqual(await status_of("/v1/ws"), 401)
            self.assertEqual(await status_of("/v1/ws?access_token=not.a.token"), 401)
            self.assertEqual(await status_of("/v1/ws", {"Authorization": f"Bearer {token}"}), 101)
            self.assertEqual(await status_of(f"/v1/ws?access_token={token}", subprotocols=("chat",)), 400)
            self.assertEqual(await status_of(f"/elsewhere?access_token={token}"), 404)
            path = f"/v1/ws?access_token={token}"
            self.assertEqual(await status_of(path, {"Origin": "https://evil.example.com"}), 403)
            self.assertEqual(await status_of(path, {"Origin": "https://shop.example.com"}), 101)

        self.run_async(scenario())

    def test_bad_frames_get_error_frames_and_the_connection_stays_usable(self):
        s = self.serve()
        token = visitor_token(s.http_port)

        async def scenario():
            ws = await connect(s.http_port, token)
            await ws.send("{not json")
            self.assertEqual(json.loads(await ws.recv())["error"]["code"], "bad_frame")
            await ws.send(b"\x00\x01")  # binary on the JSON subprotocol
            self.assertEqual(json.loads(await ws.recv())["error"]["code"], "bad_frame_type")
            _, forbidden = await request(ws, {"requestId": "x", "answerOffer": {"conversationId": "c", "accept": True}})
            self.assertEqual(forbidden["error"]["code"], "forbidden")
            _, missing_id = await request(ws, {"requestId": "y", "sendMessage": {"message": {"body": "hi"}}})
            self.assertEqual(missing_id["error"]["code"], "bad_request")
            _, ok = await request(ws, say("z", "still here", "m1"))
            self.assertIn("ack", ok)
            # Over the frame limit: an error frame, and the connection stays usable...
            await ws.send(json.dumps(say("big", "x" * 70000, "m2")))
            self.assertEqual(json.loads(await ws.recv())["error"]["code"], "frame_too_large")
            _, ok = await request(ws, say("z2", "still usable", "m3"))
            self.assertIn("ack", ok)
            # ...but far over it (twice the limit) the connection is closed with 1009.
            await ws.send(json.dumps(say("huge", "x" * 140000, "m4")))
            with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                for _ in range(10):  # live events of the earlier messages may still arrive first
                    await asyncio.wait_for(ws.recv(), LIMIT)
            self.assertEqual(closed.exception.rcvd.code, 1009)

        self.run_async(scenario())

    def test_redis_down_means_retry_and_nothing_half_written(self):
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        s = self.serve(redis_url=f"redis://127.0.0.1:{r.port}")
        token = visitor_token(s.http_port)

        async def scenario():
            ws = await connect(s.http_port, token)
            _, first = await request(ws, say("r1", "before", "m1"))
            conv = first["ack"]["conversationId"]
            r.stop()
            _, down = await request(ws, say("r2", "during", "m2", conv))
            self.assertEqual(down["error"]["code"], "retry")
            self.assertTrue(down["error"]["retry"])
            RedisServer.__init__(r, os.path.join(self.folder, "redis"), port=r.port)  # same port, no data kept
            for attempt in range(100):  # bounded: the client reconnects within its backoff
                _, again = await request(ws, say(f"r3-{attempt}", "after", "m3"))
                if "ack" in again:
                    break
                await asyncio.sleep(0.1)
            self.assertIn("ack", again)
            await ws.close()

        self.run_async(scenario())

    def test_sigterm_tells_clients_to_reconnect_with_1012(self):
        s = self.serve()
        token = visitor_token(s.http_port)

        async def scenario():
            ws = await connect(s.http_port, token)
            s.proc.send_signal(signal.SIGTERM)
            with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), LIMIT)
            self.assertEqual(closed.exception.rcvd.code, 1012)

        self.run_async(scenario())
        self.assertEqual(s.proc.wait(LIMIT), 0)


if __name__ == "__main__":
    unittest.main()
