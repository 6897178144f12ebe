"""The failure drill's clients, all through HAProxy: customers (web visitors) who write, one message
at a time until acknowledged, and agents who accept every offer and answer; both reconnect and
resume when their connection dies. Owns what each client sent, had acknowledged and saw; no process."""
import asyncio
import collections
import json
import random
import time

import websockets  # Debian's python3-websockets

from drill_common import TEAM, log
from test_live_chat import WS
from test_serve import LIMIT, sign_token


class Closed(Exception):
    """The WebSocket closed while a request waited for its answer."""


class Link:
    """One WebSocket: requests matched to their answers by requestId; every other frame (and the
    frames before an answer, in order) goes to `on_frame`."""

    def __init__(self, ws, on_frame):
        self.ws = ws
        self.on_frame = on_frame
        self.waiting = {}
        self.count = 0
        self.closed = asyncio.Event()
        self.closed_at = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                future = self.waiting.pop(frame.get("requestId"), None)
                if future is not None:
                    if not future.done():
                        future.set_result(frame)
                else:
                    self.on_frame(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed_at = time.monotonic()
            self.closed.set()
            for future in self.waiting.values():
                if not future.done():
                    future.set_exception(Closed())
            self.waiting.clear()

    async def request(self, frame):
        if self.closed.is_set():
            raise Closed()
        self.count += 1
        rid = f"q{self.count}"
        future = asyncio.get_running_loop().create_future()
        self.waiting[rid] = future
        try:
            await self.ws.send(json.dumps(dict(frame, requestId=rid)))
        except websockets.ConnectionClosed:
            self.waiting.pop(rid, None)
            raise Closed()
        try:
            return await asyncio.wait_for(future, LIMIT)
        finally:
            self.waiting.pop(rid, None)

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 2)
        except (asyncio.TimeoutError, websockets.ConnectionClosed, OSError):
            pass
        self.reader.cancel()


async def open_link(drill, token, on_frame):
    """Connects through HAProxy (again and again until a deadline: a gateway may be dead or every
    gateway unready) and returns a Link past the welcome."""
    deadline = time.monotonic() + drill.reconnect_limit
    while time.monotonic() < deadline:
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{drill.haproxy.port}/v1/ws?access_token={token}",
                                          subprotocols=[WS], open_timeout=LIMIT, close_timeout=2,
                                          ping_interval=None, max_queue=None)
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed):
            drill.counts["connect attempts refused"] += 1
            await asyncio.sleep(0.1 + random.random() * 0.2)  # back-off between attempts
            continue
        try:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        except (asyncio.TimeoutError, websockets.ConnectionClosed):
            drill.counts["connect attempts refused"] += 1
            continue
        assert "welcome" in welcome, welcome
        return Link(ws, on_frame)
    raise AssertionError(f"could not connect through haproxy within {drill.reconnect_limit} s")


async def answer_of(drill, link, frame, who):
    """Sends a frame until it gets a final answer: `retry` errors (and answers that never come)
    send it again, bounded. Returns the answer; raises Closed when the connection goes."""
    for attempt in range(200):
        try:
            answer = await link.request(frame)
        except asyncio.TimeoutError:
            drill.counts["requests unanswered in time (sent again)"] += 1
            continue
        error = answer.get("error")
        if error and error.get("retry"):
            drill.counts[f"'{error['code']}' answers (sent again)"] += 1
            await asyncio.sleep(max(0.05, int(error.get("retryAfterMs", 0) or 0) / 1000) + random.random() * 0.1)
            continue
        return answer
    raise AssertionError(f"{who}: no final answer to {frame} after 200 tries")


class Customer:
    """A web visitor: writes a message every `interval` seconds or so (one at a time, each re-sent
    with the same clientMessageId until acknowledged), reconnects through HAProxy when its
    connection dies and resumes from the last seq it saw."""

    def __init__(self, index, drill):
        self.name = f"c{index:04d}"
        self.drill = drill
        self.rng = random.Random(index)
        self.conv = ""
        self.last_seq = 0
        self.count = 0
        self.sent = {}           # clientMessageId -> when first sent
        self.acked = {}          # clientMessageId -> (conversation, seq, when)
        self.replies_seen = set()  # the agents' clientMessageIds seen (live or resumed)
        self.outages = []        # (closed at, resumed at)
        self.link = None
        self.resuming = True
        self.failed = None

    def on_frame(self, frame):
        event = frame.get("event")
        if not event:
            return
        if event.get("conversationId") == self.conv:
            self.last_seq = max(self.last_seq, int(event.get("seq", "0")))
        message = event.get("message")
        if message and message.get("direction") == "DIRECTION_OUTBOUND":
            self.replies_seen.add(message.get("clientMessageId", ""))

    async def connect(self):
        closed_at = self.link.closed_at if self.link else None
        while True:  # bounded: open_link has a deadline, and so has answer_of
            self.resuming = True
            self.link = await open_link(self.drill, self.drill.customer_tokens[self.name], self.on_frame)
            try:
                if self.conv:
                    answer = await answer_of(self.drill, self.link, {"resume": {
                        "conversationId": self.conv, "afterSeq": str(self.last_seq)}}, self.name)
                    assert "ack" in answer, (self.name, answer)
                    self.last_seq = max(self.last_seq, int(answer["ack"].get("seq", "0")))
            except Closed:
                continue
            if closed_at is not None:
                self.outages.append((closed_at, time.monotonic()))
            self.resuming = False
            return

    async def send(self, cmid):
        frame = {"sendMessage": {"message": {"body": f"message {cmid}", "clientMessageId": cmid}}}
        if self.conv:
            frame["sendMessage"]["conversationId"] = self.conv
        answer = await answer_of(self.drill, self.link, frame, self.name)
        if "ack" not in answer:
            self.drill.counts[f"customer message refused: {answer['error']['code']}"] += 1
            return
        ack = answer["ack"]
        self.conv = self.conv or ack["conversationId"]
        self.acked[cmid] = (ack["conversationId"], int(ack["seq"]), time.monotonic())
        if ack.get("duplicate"):
            self.drill.counts["customer re-sends acknowledged as duplicates"] += 1

    async def run(self, start_delay):
        try:
            await asyncio.sleep(start_delay)  # the ramp: customers arrive over a few seconds
            await self.connect()
            pending = None
            while True:  # bounded: ends when the drill stops sending (it has a deadline)
                if self.link.closed.is_set():
                    await self.connect()
                    continue
                if pending is None:
                    if self.drill.stopping:
                        break
                    pace = self.drill.interval * (0.5 + self.rng.random()) if self.count else 0
                    try:  # pacing, cut short when the connection dies (reconnect at once)
                        await asyncio.wait_for(self.link.closed.wait(), pace)
                        continue
                    except asyncio.TimeoutError:
                        pass
                    if self.drill.stopping:
                        break
                    self.count += 1
                    pending = f"{self.name}-m{self.count}"
                    self.sent[pending] = time.monotonic()
                try:
                    await self.send(pending)
                    pending = None
                except Closed:
                    continue
            await self.drill.closing.wait()
        except Exception as e:  # reported at the end; the drill goes on without this customer
            self.failed = repr(e)
            log(f"{self.name} failed: {e!r}")
        finally:
            if self.link:
                await self.link.close()


class Agent:
    """An agent at their desk: available, accepts every offer, greets, and answers each customer
    message of the conversations they hold. Reconnects through HAProxy and resumes what the
    agentState lists."""

    RELEASES = ("transfer", "takeover", "escalation")

    def __init__(self, index, drill):
        self.name = f"a{index:02d}"
        self.drill = drill
        self.token = sign_token({"sub": self.name, "role": "agent", "teams": [TEAM], "iss": "switchboard",
                                 "aud": "switchboard", "exp": int(time.time()) + 4 * 3600})
        self.held = {}           # conversation -> since when (the accept's ack)
        self.spans = []          # (conversation, from, to, how it ended)
        self.last_seq = {}       # conversation -> last seq seen
        self.seen = set()        # the customers' clientMessageIds seen (live, resumed, timeline)
        self.work = collections.deque()
        self.wake = asyncio.Event()
        self.count = 0
        self.acked = {}          # reply clientMessageId -> (conversation, seq, when)
        self.link = None
        self.failed = None
        self.offers = 0
        self.reconnects = 0
        self.fresh = True

    def todo(self, item, first=False):
        (self.work.appendleft if first else self.work.append)(item)
        self.wake.set()

    def release(self, conv, how):
        since = self.held.pop(conv, None)
        if since is not None:
            self.spans.append((conv, since, time.monotonic(), how))

    def reply(self, conv):
        self.count += 1
        self.todo(("reply", conv, f"{self.name}-r{self.count}"))

    def note(self, event, live):
        conv = event.get("conversationId", "")
        if "seq" in event:
            self.last_seq[conv] = max(self.last_seq.get(conv, 0), int(event["seq"]))
        message = event.get("message")
        if message and message.get("direction") == "DIRECTION_INBOUND":
            cmid = message.get("clientMessageId", "")
            if cmid not in self.seen:
                self.seen.add(cmid)
                if live and conv in self.held:
                    self.reply(conv)
        if any(k in event for k in self.RELEASES):
            self.release(conv, next(k for k in self.RELEASES if k in event))
        change = event.get("statusChange")
        if change and change.get("to") in ("QUEUED", "RESOLVED"):
            self.release(conv, "statusChange " + change["to"])

    def on_frame(self, frame):
        if "offer" in frame:
            self.offers += 1
            self.todo(("accept", frame["offer"]["conversationId"]))
        elif "event" in frame:
            self.note(frame["event"], live=True)
        elif "timeline" in frame:
            for event in frame["timeline"].get("events", []):
                self.note(event, live=False)
        elif "agentState" in frame:  # on connect (and when the router changes it)
            state = frame["agentState"]
            listed = {c["conversationId"]: c.get("state") for c in state.get("conversations", [])}
            if self.fresh:  # the first after a (re)connect: what the agent holds now
                self.fresh = False
                for conv in list(self.held):
                    if listed.get(conv) != "ASSIGNED":
                        self.release(conv, "not listed on reconnect")
            for conv, st in listed.items():
                if st == "ASSIGNED":
                    if conv not in self.held:
                        self.held[conv] = time.monotonic()
                        self.drill.counts["conversations found held on reconnect"] += 1
                    self.todo(("resume", conv))
                elif st == "OFFERED":
                    self.todo(("accept", conv))
            if state.get("status") != "AVAILABLE":
                self.todo(("available",), first=True)

    async def connect(self):
        if self.link:
            self.reconnects += 1
        self.fresh = True
        self.link = await open_link(self.drill, self.token, self.on_frame)
        self.todo(("available",), first=True)

    async def do(self, item):
        kind = item[0]
        if kind == "available":
            answer = await answer_of(self.drill, self.link, {"setStatus": {"status": "AVAILABLE"}}, self.name)
            assert answer.get("agentState", {}).get("status") == "AVAILABLE", (self.name, answer)
        elif kind == "accept":
            conv = item[1]
            answer = await answer_of(self.drill, self.link, {"answerOffer": {"conversationId": conv, "accept": True}},
                                     self.name)
            if "ack" in answer:
                if conv not in self.held:
                    self.held[conv] = time.monotonic()
                    self.reply(conv)  # a greeting
            else:
                self.drill.counts[f"accepts refused: {answer['error']['code']}"] += 1
        elif kind == "resume":
            conv = item[1]
            answer = await answer_of(self.drill, self.link, {"resume": {
                "conversationId": conv, "afterSeq": str(self.last_seq.get(conv, 0))}}, self.name)
            if "ack" not in answer:
                self.drill.counts[f"agent resumes refused: {answer['error']['code']}"] += 1
        elif kind == "reply":
            conv, cmid = item[1], item[2]
            if conv not in self.held:
                return
            answer = await answer_of(self.drill, self.link, {"sendMessage": {"conversationId": conv, "message": {
                "body": f"answer {cmid}", "clientMessageId": cmid}}}, self.name)
            if "ack" in answer:
                self.acked[cmid] = (conv, int(answer["ack"]["seq"]), time.monotonic())
            else:
                self.drill.counts[f"replies refused: {answer['error']['code']}"] += 1
                if answer["error"]["code"] == "not_owner":
                    self.release(conv, "not_owner")

    async def run(self):
        try:
            await self.connect()
            while not self.drill.closing.is_set():  # bounded: the drill sets `closing` by a deadline
                if self.link.closed.is_set():
                    await self.connect()
                    continue
                if not self.work:
                    self.wake.clear()
                    waits = [asyncio.create_task(e.wait()) for e in (self.wake, self.link.closed, self.drill.closing)]
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    for w in waits:
                        w.cancel()
                    continue
                item = self.work.popleft()
                try:
                    await self.do(item)
                except Closed:
                    self.todo(item, first=True)
        except Exception as e:
            self.failed = repr(e)
            log(f"{self.name} failed: {e!r}")
        finally:
            if self.link:
                await self.link.close()

    def busy(self):
        return bool(self.work)
