"""End to end: customers and agents through real `switchboard serve` processes (gateway and router
roles), driven by python3-websockets over the JSON subprotocol.

Whole conversations: offer, timeout and re-offer to another agent, accept with the customer's
timeline, reply, note, transfer, resolve and CSAT; queue positions; an agent who drops and is
requeued after the grace period (or comes back in time); router failover (the active router
process is killed, the standby assigns); customer and agent on two gateway processes; the agent
registry over REST; answers that are not the agent's to give.
"""
import asyncio
import json
import os
import signal
import unittest

from test_live_chat import connect, request, say, visitor_token
from test_serve import LIMIT, ProcessTest, RedisServer, get, post, staff_token, wait_for

GRACE_S = 2
DESK = """router: {lease_ttl_ms: 1200, agent_grace_seconds: %d}
queues:
  - name: general
    team: care
    policy: {strategy: longest_idle, offer_timeout_seconds: 2, service_level_seconds: 1, service_level_target: 0.8}
  - name: billing
    team: care
    required_skills: [{name: billing, proficiency: 2}]
    policy: {offer_timeout_seconds: 2}
  - name: vip
    team: care
    policy: {offer_timeout_seconds: 2, reply_target_seconds: 1}
  - name: escalations-care
    team: care
    required_skills: [{name: lead, proficiency: 1}]
    policy: {offer_timeout_seconds: 2, service_level_seconds: 120, service_level_target: 0.9}
agents:
  - {id: ann, teams: [care], capacity: [{channel: web, max_concurrent: 2}]}
  - {id: bob, teams: [care], capacity: [{channel: web, max_concurrent: 2}], skills: [{name: billing, proficiency: 3}]}
  - {id: solo, teams: [care], capacity: [{channel: web, max_concurrent: 1}]}
""" % GRACE_S


def put(port, path, body, token):
    return post(port, path, body.encode(), token, method="PUT")


def audit_records(redis):
    """Every audit record of every shard group, as dicts."""
    records = []
    for key in redis.cli("--scan", "--pattern", "sb:{g*}:audit").split():
        records += [json.loads(line) for line in redis.cli("XRANGE", key, "-", "+").splitlines() if line.startswith("{")]
    return records


async def desk(port, sub, teams=("care",)):
    """An agent's desk: connected, with its first AgentState read."""
    ws = await connect(port, staff_token("agent", sub, list(teams)))
    state = await next_frame(ws, "agentState")
    return ws, state["agentState"]


def early_frames(ws):
    """Frames a helper read while waiting for its answer (an offer can beat a setStatus ack)."""
    if not hasattr(ws, "sb_early"):
        ws.sb_early = []
    return ws.sb_early


async def next_frame(ws, key, skipped=None):
    """The next frame holding `key`; frames before it go to `skipped` (bounded)."""
    early = early_frames(ws)
    while early:
        got = early.pop(0)
        if key in got:
            return got
        if skipped is not None:
            skipped.append(got)
    for _ in range(200):
        got = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        if key in got:
            return got
        if skipped is not None:
            skipped.append(got)
    raise AssertionError("no " + key)


async def available(ws, rid="st"):
    before, answer = await request(ws, {"requestId": rid, "setStatus": {"status": "AVAILABLE"}})
    early_frames(ws).extend(before)  # the router may offer before the ack comes: next_frame sees it
    assert answer["agentState"]["status"] == "AVAILABLE", answer
    return answer


async def customer_event(ws, kind, skipped=None):
    """The customer's next event of a kind (message, statusChange, ...)."""
    for _ in range(200):
        got = await next_frame(ws, "event", skipped)
        if kind in got["event"]:
            return got["event"]
        if skipped is not None:
            skipped.append(got)
    raise AssertionError("no " + kind)


async def taken_by(agent_ws, customer_ws, text, client_id, topic=None):
    """The customer writes (opening on `topic` if given); the agent (available, with room) is
    offered it and accepts. Returns the conversation id."""
    if topic is None:
        frame = say("open-" + client_id, text, client_id)
    else:
        frame = {"requestId": "open-" + client_id, "openConversation": {
            "topic": topic, "firstMessage": {"body": text, "clientMessageId": client_id}}}
    _, a = await request(customer_ws, frame)
    conv = a["ack"]["conversationId"]
    offer = (await next_frame(agent_ws, "offer"))["offer"]
    assert offer["conversationId"] == conv, offer
    _, ok = await request(agent_ws, {"requestId": "take-" + client_id,
                                     "answerOffer": {"conversationId": conv, "accept": True}})
    assert "ack" in ok, ok
    return conv


class StaffTest(ProcessTest):
    """Processes with the desk configuration (no tests of its own)."""

    def serve(self, extra=DESK, **kw):
        folder = os.path.join(self.folder, f"p{len(self.cleanups)}")
        os.makedirs(folder)
        s = super().serve(folder, extra=extra, **kw)
        if kw.get("roles", "gateway,router").startswith("gateway"):
            s.wait_listening()
        return s

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 90))

    def primary_and_replica(self):
        """Two plain redis-servers, the second replicating the first, in sync: (primary, replica)."""
        primary = RedisServer(os.path.join(self.folder, "primary"))
        self.cleanups.append(primary.stop)
        replica = RedisServer(os.path.join(self.folder, "replica"))
        self.cleanups.append(replica.stop)
        replica.cli("REPLICAOF", "127.0.0.1", str(primary.port))
        wait_for(lambda: "master_link_status:up" in replica.cli("INFO", "replication"), "the replica to sync")
        return primary, replica

    def gateway_and_two_routers(self):
        """A gateway and two router processes on one Redis: (gateway, the leader, the standby)."""
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        gateway = self.serve(redis_url=url, roles="gateway")
        first = self.serve(redis_url=url, roles="router")
        wait_for(lambda: "is the leader" in first.output(), "the first router to lead")
        standby = self.serve(redis_url=url, roles="router")
        wait_for(lambda: "contending for the lease" in standby.output(), "the standby to start")
        return gateway, first, standby


class DeskTest(StaffTest):

    def test_a_whole_conversation_with_timeout_reoffer_transfer_resolve_and_csat(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, st = await desk(port, "ann")
            self.assertEqual(st["status"], "OFFLINE")
            await available(ann)
            bob, _ = await desk(port, "bob")
            await available(bob)
            cu = await connect(port, visitor_token(port))
            _, a = await request(cu, {"requestId": "o1", "openConversation": {
                "topic": "general", "firstMessage": {"body": "my parcel is lost", "clientMessageId": "m1"}}})
            conv = a["ack"]["conversationId"]

            # Ann, idle longest, is offered it with a countdown and a preview; she lets it time out.
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual((offer["conversationId"], offer["queue"]), (conv, "general"))
            self.assertEqual(offer["preview"], "my parcel is lost")
            self.assertEqual(offer["decision"]["agentId"], "ann")
            self.assertGreater(int(offer["expiresAtMs"]), 0)
            withdrawn = await next_frame(ann, "event")
            self.assertEqual(withdrawn["event"]["offerOutcome"], {"agentId": "ann", "outcome": "TIMED_OUT"})
            # Re-offered to bob, never to ann again; bob accepts and sees the customer's timeline.
            offer = (await next_frame(bob, "offer"))["offer"]
            self.assertEqual(offer["decision"]["agentId"], "bob")
            before, accepted = await request(bob, {"requestId": "a1", "answerOffer": {"conversationId": conv,
                                                                                      "accept": True}})
            self.assertIn("ack", accepted)
            pages = [f["timeline"] for f in before if "timeline" in f]
            self.assertTrue(pages)
            bodies = [e["message"]["body"] for e in pages[0]["events"] if "message" in e]
            self.assertEqual(bodies, ["my parcel is lost"])
            # A second accept (a re-send) is a duplicate, not an error; ann's late accept is refused.
            _, again = await request(bob, {"requestId": "a2", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertTrue(again["ack"]["duplicate"])
            _, late = await request(ann, {"requestId": "a3", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertEqual(late["error"]["code"], "offer_unavailable")

            # Bob replies (the customer sees it), writes a note (the customer never does), types.
            _, r = await request(bob, say("b1", "Hi, Bob here. Let me look.", "bm1", conv))
            self.assertIn("ack", r)
            reply = await customer_event(cu, "message")
            self.assertEqual((reply["message"]["body"], reply["message"]["direction"], reply["message"]["authorId"]),
                             ("Hi, Bob here. Let me look.", "DIRECTION_OUTBOUND", "bob"))
            _, n = await request(bob, {"requestId": "n1", "addNote": {"conversationId": conv,
                                                                      "body": "customer is upset; VIP"}})
            self.assertIn("ack", n)
            _, t = await request(bob, {"requestId": "t1", "typing": {"conversationId": conv, "active": True}})
            self.assertIn("ack", t)
            typing = await customer_event(cu, "typing")
            self.assertEqual(typing["typing"]["who"], "bob")

            # Bob transfers to the queue with a note: ann (who never took it) is offered it and sees
            # bob's reply and note in the timeline.
            _, tr = await request(bob, {"requestId": "x1", "transfer": {"conversationId": conv, "toQueue": "general",
                                                                        "note": "please check the courier"}})
            self.assertIn("ack", tr)
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            before, accepted = await request(ann, {"requestId": "a4", "answerOffer": {"conversationId": conv,
                                                                                      "accept": True}})
            events = [e for f in before if "timeline" in f for e in f["timeline"]["events"]]
            self.assertIn("customer is upset; VIP", [e["note"]["body"] for e in events if "note" in e])
            self.assertIn("please check the courier", [e["transfer"]["note"] for e in events if "transfer" in e])
            # Bob no longer owns it.
            _, refused = await request(bob, say("b2", "still me", "bm2", conv))
            self.assertEqual(refused["error"]["code"], "not_owner")

            # The customer types: ann sees it live.
            await request(cu, {"requestId": "ct", "typing": {"conversationId": conv, "active": True}})
            seen_typing = await next_frame(ann, "event")
            while "typing" not in seen_typing["event"]:
                seen_typing = await next_frame(ann, "event")
            self.assertEqual(seen_typing["event"]["typing"]["active"], True)
            # Ann hands it to bob by name: bob is offered it first.
            _, tb = await request(ann, {"requestId": "x2", "transfer": {"conversationId": conv, "toAgentId": "bob",
                                                                        "note": "bob knows this courier"}})
            self.assertIn("ack", tb)
            offer = (await next_frame(bob, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            await request(bob, {"requestId": "a5", "answerOffer": {"conversationId": conv, "accept": True}})
            _, nope = await request(ann, {"requestId": "x3", "transfer": {"conversationId": conv, "toQueue": "general"}})
            self.assertEqual(nope["error"]["code"], "not_owner")
            _, res = await request(bob, {"requestId": "z1", "resolve": {"conversationId": conv,
                                                                        "disposition": "solved"}})
            self.assertIn("ack", res)
            skipped = []
            resolved = await customer_event(cu, "statusChange", skipped)
            self.assertEqual(resolved["statusChange"]["to"], "RESOLVED")
            seen = [f["event"] for f in skipped if "event" in f]
            self.assertFalse([e for e in seen if "note" in e or "offer" in e or "decision" in e],
                             "the customer must not see notes, offers or decisions")
            _, rated = await request(cu, {"requestId": "c1", "rate": {"conversationId": conv, "score": 5}})
            self.assertFalse(rated["ack"].get("duplicate", False))
            _, twice = await request(cu, {"requestId": "c2", "rate": {"conversationId": conv, "score": 1}})
            self.assertTrue(twice["ack"]["duplicate"])
            for ws in (ann, bob, cu):
                await ws.close()
            return conv

        conv = self.run_async(scenario())
        # Every decision is in the conversation's events, with its reasons.
        status, body = get(port, f"/v1/conversations/{conv}?limit=1000", staff_token("lead", "lead-1", ["care"]))
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["conversation"]["state"], "RESOLVED")
        decisions = [e["decision"] for e in got["events"] if "decision" in e]
        kinds = [d["kind"] for d in decisions]
        self.assertEqual(kinds[:3], ["OFFER", "REQUEUE", "OFFER"])
        self.assertIn("timed out", decisions[1]["reason"])
        self.assertEqual(decisions[2]["agentId"], "bob")
        self.assertTrue(all(e.get("actor") == "router" for e in got["events"] if "decision" in e))
        # The KPIs of the period, computed from these events, for the lead of the team.
        status, body = get(port, "/v1/reports/kpis?by=queue&interval=day", staff_token("lead", "lead-1", ["care"]))
        self.assertEqual(status, 200, body)
        rows = json.loads(body)["rows"]
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertEqual((row["key"], row["conversations"], row["answered"], row["resolved"], row["transferred"],
                          row["ratings"], row["csat"], row["abandoned"]), ("general", 1, 1, 1, 1, 1, 5, 0))
        self.assertGreater(row["asaSeconds"], 1.5)  # ann's offer timed out (2 s) before bob took it
        status, csv = get(port, "/v1/reports/kpis?by=agent&format=csv", staff_token("lead", "lead-1", ["care"]))
        self.assertEqual(status, 200)
        self.assertTrue(csv.startswith("key,start,conversations,"))
        self.assertIn("\nbob,", csv)  # bob resolved it (the last to take it)
        # Another team's lead: nothing of it.
        status, body = get(port, "/v1/reports/kpis", staff_token("lead", "tom", ["tech"]))
        self.assertEqual(json.loads(body)["rows"], [])
        status, body = get(port, "/v1/reports/kpis?by=planet", staff_token("lead", "tom", ["tech"]))
        self.assertEqual((status, json.loads(body)["code"]), (400, "bad_request"))

    def test_an_agent_who_goes_away_with_an_offer_declines_it_and_the_next_agent_gets_it(self):
        # Found in the desk: the offer stayed the away agent's until it timed out (TIMED_OUT, a
        # missed offer on their count), and only then went to the agent available all along.
        port = self.serve(extra=DESK.replace("offer_timeout_seconds: 2, service_level_seconds: 1",
                                             "offer_timeout_seconds: 30, service_level_seconds: 1")).http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cust = await connect(port, visitor_token(port))
            _, a = await request(cust, say("r1", "is anyone there?", "m1"))
            conv = a["ack"]["conversationId"]
            self.assertEqual((await next_frame(ann, "offer"))["offer"]["conversationId"], conv)
            bob, _ = await desk(port, "bob")
            await available(bob)
            _, away = await request(ann, {"requestId": "away", "setStatus": {"status": "AWAY", "reason": "lunch"}})
            self.assertEqual(away["agentState"]["status"], "AWAY", away)
            self.assertNotIn("OFFERED", [c.get("state") for c in away["agentState"].get("conversations", [])], away)
            offer = (await next_frame(bob, "offer"))["offer"]  # well before ann's 30 s offer time
            self.assertEqual(offer["conversationId"], conv)
            status, body = get(port, f"/v1/conversations/{conv}?limit=1000", staff_token("admin", "root", ["care"]))
            self.assertEqual(status, 200, body)
            outcomes = [e["offerOutcome"] for e in json.loads(body)["events"] if "offerOutcome" in e]
            self.assertEqual(outcomes, [{"agentId": "ann", "outcome": "DECLINED"}], outcomes)
            for ws in (ann, bob, cust):
                await ws.close()

        self.run_async(scenario())

    def test_waiting_customers_see_their_place_and_it_moves(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            c1 = await connect(port, visitor_token(port))
            _, a1 = await request(c1, say("r1", "first", "m1"))
            c2 = await connect(port, visitor_token(port))
            _, a2 = await request(c2, say("r2", "second", "m2"))
            p1 = (await next_frame(c1, "queuePosition"))["queuePosition"]
            p2 = (await next_frame(c2, "queuePosition"))["queuePosition"]
            self.assertEqual((p1["conversationId"], p1["position"]), (a1["ack"]["conversationId"], 1))
            self.assertEqual((p2["conversationId"], p2["position"]), (a2["ack"]["conversationId"], 2))
            self.assertGreater(p2["estimatedWaitSeconds"], 0)
            # One agent with room for one chat: the first is offered; the second moves up to place 1.
            ann, _ = await desk(port, "solo")
            await available(ann)
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], a1["ack"]["conversationId"])
            skipped = []
            p2 = (await next_frame(c2, "queuePosition", skipped))["queuePosition"]
            self.assertEqual(p2["position"], 1, (p2, skipped))
            for ws in (ann, c1, c2):
                await ws.close()

        self.run_async(scenario())

    def test_an_agent_who_drops_keeps_conversations_for_the_grace_period_then_they_are_requeued(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cu1 = await connect(port, visitor_token(port))
            cu2 = await connect(port, visitor_token(port))
            kept = await taken_by(ann, cu1, "first", "m1")
            lost = await taken_by(ann, cu2, "second", "m2")
            # Ann drops and comes back within the grace period: her desk lists both; after the
            # grace period is over she still owns them (her reply is accepted).
            await ann.close()
            ann, st = await desk(port, "ann")
            self.assertEqual(sorted(c["conversationId"] for c in st["conversations"]), sorted([kept, lost]))
            self.assertEqual({c["state"] for c in st["conversations"]}, {"ASSIGNED"})
            await asyncio.sleep(GRACE_S + 1)  # waits out the grace period on purpose
            _, r = await request(ann, say("b1", "still here", "am1", kept))
            self.assertIn("ack", r)
            # Now she drops for good: after the grace period both are requeued and offered to bob.
            await ann.close()
            bob, _ = await desk(port, "bob")
            await available(bob)
            offered = {(await next_frame(bob, "offer"))["offer"]["conversationId"] for _ in range(2)}
            self.assertEqual(offered, {kept, lost})
            for ws in (bob, cu1, cu2):
                await ws.close()
            return kept

        kept = self.run_async(scenario())
        status, body = get(port, f"/v1/conversations/{kept}?limit=1000", staff_token("lead", "lead-1", ["care"]))
        reasons = [e["statusChange"].get("reason", "") for e in json.loads(body)["events"] if "statusChange" in e]
        self.assertTrue(any("ann disconnected" in r for r in reasons), reasons)

    def test_a_desk_that_reconnects_right_after_an_accept_shows_it_assigned(self):
        # Found in CI: the router writes the agent's index after it reads the accept, so a desk
        # reconnecting before that listed the conversation as still OFFERED. The router is paused
        # (SIGSTOP) between the offer and the accept to make that moment last.
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        gateway = self.serve(redis_url=url, roles="gateway")
        router = self.serve(redis_url=url, roles="router")
        wait_for(lambda: "is the leader" in router.output(), "the router to lead")
        port = gateway.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cu = await connect(port, visitor_token(port))
            _, a = await request(cu, say("o", "hello", "m1"))
            conv = a["ack"]["conversationId"]
            self.assertEqual((await next_frame(ann, "offer"))["offer"]["conversationId"], conv)
            router.proc.send_signal(signal.SIGSTOP)
            try:
                _, ok = await request(ann, {"requestId": "take", "answerOffer": {"conversationId": conv, "accept": True}})
                self.assertIn("ack", ok, ok)
                await ann.close()
                ann, st = await desk(port, "ann")
                self.assertEqual([(c["conversationId"], c["state"]) for c in st["conversations"]], [(conv, "ASSIGNED")])
            finally:
                router.proc.send_signal(signal.SIGCONT)
            for ws in (ann, cu):
                await ws.close()

        self.run_async(scenario())

    def test_an_agent_on_a_gateway_that_dies_is_requeued_after_presence_and_grace(self):
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        presence = "  desk_presence_seconds: 2\n"
        g1 = self.serve(redis_url=url, server_extra=presence)
        g2 = self.serve(redis_url=url, server_extra=presence, roles="gateway")

        async def scenario():
            ann, _ = await desk(g2.http_port, "ann")
            await available(ann)
            cu = await connect(g1.http_port, visitor_token(g1.http_port))
            _, a = await request(cu, say("r1", "hello", "m1"))
            conv = a["ack"]["conversationId"]
            offer = (await next_frame(ann, "offer"))["offer"]
            await request(ann, {"requestId": "a1", "answerOffer": {"conversationId": offer["conversationId"],
                                                                   "accept": True}})
            # Ann's gateway dies without closing anything: her desk session expires (nobody
            # refreshes it), the grace period runs, and her conversation goes to bob.
            g2.proc.send_signal(signal.SIGKILL)
            g2.proc.wait(LIMIT)
            bob, _ = await desk(g1.http_port, "bob")
            await available(bob)
            offer = (await next_frame(bob, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            for ws in (bob, cu):
                await ws.close()

        self.run_async(scenario())

    def test_the_standby_router_assigns_when_the_active_one_is_killed(self):
        gateway, first, standby = self.gateway_and_two_routers()
        port = gateway.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cu = await connect(port, visitor_token(port))
            _, a = await request(cu, say("r1", "before the failover", "m1"))
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], a["ack"]["conversationId"])
            await request(ann, {"requestId": "d1", "answerOffer": {"conversationId": offer["conversationId"],
                                                                   "accept": False}})
            # The active router dies without a word: the standby takes the lease within its TTL,
            # rebuilds, and routes the next conversation.
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(LIMIT)
            cu2 = await connect(port, visitor_token(port))
            _, b = await request(cu2, say("r2", "after the failover", "m2"))
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], b["ack"]["conversationId"])
            for ws in (ann, cu, cu2):
                await ws.close()

        self.run_async(scenario())
        self.assertIn("is the leader", standby.output())

    def test_customer_and_agent_on_two_gateway_processes(self):
        r = RedisServer(os.path.join(self.folder, "redis"))
        self.cleanups.append(r.stop)
        url = f"redis://127.0.0.1:{r.port}"
        g1, g2 = self.serve(redis_url=url), self.serve(redis_url=url)  # both roles: one router leads

        async def scenario():
            ann, _ = await desk(g2.http_port, "ann")
            await available(ann)
            cu = await connect(g1.http_port, visitor_token(g1.http_port))
            _, a = await request(cu, say("r1", "hello from gateway one", "m1"))
            conv = a["ack"]["conversationId"]
            offer = (await next_frame(ann, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            await request(ann, {"requestId": "a1", "answerOffer": {"conversationId": conv, "accept": True}})
            await request(ann, say("b1", "hello from gateway two", "am1", conv))
            reply = await customer_event(cu, "message")
            self.assertEqual(reply["message"]["body"], "hello from gateway two")
            await request(cu, say("r2", "thanks", "m2", conv))
            got = await next_frame(ann, "event")
            while got["event"].get("message", {}).get("body") != "thanks":
                got = await next_frame(ann, "event")
            for ws in (ann, cu):
                await ws.close()

        self.run_async(scenario())

    def test_the_agent_registry_over_rest(self):
        s = self.serve()
        port = s.http_port
        lead = staff_token("lead", "lea", ["care"])
        status, body = put(port, "/v1/agents/cara", json.dumps({
            "displayName": "Cara", "teams": ["care"], "skills": [{"name": "billing", "proficiency": 4}],
            "capacity": [{"channel": "CHANNEL_WEB", "maxConcurrent": 3}]}), lead)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["skills"], [{"name": "billing", "proficiency": 4}])
        # Invalid profiles name what is wrong and change nothing.
        status, body = put(port, "/v1/agents/cara", json.dumps({"skills": [{"name": "billing", "proficiency": 9}]}),
                           lead)
        self.assertEqual(status, 400)
        self.assertIn("agent[0].skills[0].proficiency", json.loads(body)["message"])
        status, body = put(port, "/v1/agents/cara", '{"skils": []}', lead)
        self.assertEqual(status, 400)
        # A lead places agents in their own teams only; agents may not edit profiles.
        self.assertEqual(put(port, "/v1/agents/cara", json.dumps({"teams": ["tech"]}), lead)[0], 403)
        # A lead of another team cannot take her over: she does not exist for them.
        self.assertEqual(put(port, "/v1/agents/cara", json.dumps({"teams": ["tech"]}),
                             staff_token("lead", "tom", ["tech"]))[0], 404)
        self.assertEqual(put(port, "/v1/agents/cara", "{}", staff_token("agent", "ann", ["care"]))[0], 403)

        async def connected():
            ws, _ = await desk(port, "cara")
            await available(ws)
            status, body = get(port, "/v1/agents", lead)
            await ws.close()
            return status, body

        status, body = self.run_async(connected())
        self.assertEqual(status, 200, body)
        cara = [a for a in json.loads(body)["agents"] if a["id"] == "cara"][0]
        self.assertEqual((cara["status"], cara["connections"], cara["displayName"]), ("AVAILABLE", 1, "Cara"))
        # Staff of another team do not see her.
        other = staff_token("lead", "tom", ["tech"])
        self.assertEqual(get(port, "/v1/agents/cara", other)[0], 404)
        self.assertEqual([a["id"] for a in json.loads(get(port, "/v1/agents", other)[1])["agents"]], [])

    def test_answers_that_are_not_the_agents_to_give(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            cu = await connect(port, visitor_token(port))
            _, a = await request(cu, say("r1", "hello", "m1"))
            conv = a["ack"]["conversationId"]
            # Nobody was offered it: accepting, replying, resolving are refused whole.
            _, acc = await request(ann, {"requestId": "x1", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertEqual(acc["error"]["code"], "offer_unavailable")
            _, rep = await request(ann, say("x2", "hi", "am1", conv))
            self.assertEqual(rep["error"]["code"], "not_owner")
            _, res = await request(ann, {"requestId": "x3", "resolve": {"conversationId": conv}})
            self.assertEqual(res["error"]["code"], "not_owner")
            _, tr = await request(ann, {"requestId": "x4", "transfer": {"conversationId": conv}})
            self.assertEqual(tr["error"]["code"], "bad_request")
            # Out of role both ways; the connections stay usable.
            _, f1 = await request(cu, {"requestId": "x5", "setStatus": {"status": "AVAILABLE"}})
            self.assertEqual(f1["error"]["code"], "forbidden")
            _, f2 = await request(ann, {"requestId": "x6", "rate": {"conversationId": conv, "score": 5}})
            self.assertEqual(f2["error"]["code"], "forbidden")
            # Another team's agent cannot even see it.
            tom, _ = await desk(port, "tom", teams=("tech",))
            _, nf = await request(tom, {"requestId": "x7", "resume": {"conversationId": conv, "afterSeq": "0"}})
            self.assertEqual(nf["error"]["code"], "not_found")
            _, ok = await request(ann, {"requestId": "x8", "ping": {"clientTimeMs": "1"}})
            self.assertIn("pong", ok)
            # Nothing was written by the refused requests: the conversation holds the first message
            # (and the router's decisions) only.
            events = json.loads(get(port, f"/v1/conversations/{conv}", staff_token("lead", "l", ["care"]))[1])["events"]
            self.assertEqual([e["message"]["body"] for e in events if "message" in e], ["hello"])
            for ws in (ann, tom, cu):
                await ws.close()

        self.run_async(scenario())


class TimelineAccessTest(StaffTest):
    """GET /v1/customers/{id}/timeline by role and team (issue 10.14): admins read every customer's;
    leads those with a conversation of one of their teams; agents those whose conversation they
    held; everyone else gets 404 not_found, like a customer that does not exist."""

    def test_a_customers_timeline_is_read_by_their_teams_leads_and_who_held_them(self):
        s = self.serve()
        port = s.http_port

        async def scenario():
            ann, _ = await desk(port, "ann")
            await available(ann)
            cu = await connect(port, visitor_token(port))
            conv = await taken_by(ann, cu, "my parcel is lost", "m1", topic="general")
            for ws in (ann, cu):
                await ws.close()
            return conv

        conv = self.run_async(scenario())
        status, body = get(port, f"/v1/conversations/{conv}", staff_token("admin", "root"))
        self.assertEqual(status, 200, body)
        customer = json.loads(body)["conversation"]["customerId"]
        path = f"/v1/customers/{customer}/timeline"

        def bodies(token):
            status, body = get(port, path, token)
            self.assertEqual(status, 200, body)
            return [e["message"]["body"] for e in json.loads(body)["events"] if "message" in e]

        def refused(token, where=path):
            status, body = get(port, where, token)
            self.assertEqual(status, 404, body)
            self.assertEqual(json.loads(body)["code"], "not_found")

        # The agent who held the care conversation, a care lead and an admin read it.
        self.assertEqual(bodies(staff_token("agent", "ann", ["care"])), ["my parcel is lost"])
        self.assertEqual(bodies(staff_token("lead", "lea", ["care"])), ["my parcel is lost"])
        self.assertEqual(bodies(staff_token("admin", "root")), ["my parcel is lost"])
        # Another team's agent and lead, and a care agent who never held it: as if it did not exist.
        refused(staff_token("agent", "tom", ["tech"]))
        refused(staff_token("lead", "tim", ["tech"]))
        refused(staff_token("agent", "bob", ["care"]))
        # A customer that does not exist: the same answer, for everyone.
        refused(staff_token("lead", "lea", ["care"]), "/v1/customers/cu-nobody/timeline")
        refused(staff_token("admin", "root"), "/v1/customers/cu-nobody/timeline")


if __name__ == "__main__":
    unittest.main()
