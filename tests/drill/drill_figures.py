"""The failure drill's figures: every conversation read back from the store, compared with what the
clients had acknowledged and seen; the documented Redis-failover window; the table, the JSON and the
verdict. Owns no process and starts no client; reads a finished Drill (drill.py)."""
import asyncio
import collections
import csv
import json
import time

import drill_redis_cluster
from drill_common import percentile
from test_serve import get, sign_token

AGENTS_VIEW = "double-assigned (agents' view)"


# --- delivery -------------------------------------------------------------------------------------


def undelivered(drill):
    """The acknowledged messages the other side has not seen: a customer's, by the agent holding its
    conversation; an agent's reply, by its customer."""
    seen_by_agents = set().union(*(a.seen for a in drill.agents))
    seen_by_customers = set().union(*(c.replies_seen for c in drill.customers))
    held = set().union(*(a.held for a in drill.agents))
    out = [m for c in drill.customers for m, (conv, _, _) in c.acked.items()
           if conv in held and m not in seen_by_agents]
    out += [m for a in drill.agents for m in a.acked if m not in seen_by_customers]
    return out


def undelivered_details(drill, acked):
    out = []
    for m in undelivered(drill):
        who, conv, seq, t = acked[m]
        holders = [a.name for a in drill.agents if conv in a.held]
        out.append(f"{m} by {who} ({conv} seq {seq}), acknowledged " + ", ".join(
            f"{t - at:+.2f} s from the {what}" for what, at in drill.marks.items() if "killed" in what) +
            f"; held by {holders}")
    return out


# --- the read-back --------------------------------------------------------------------------------


def read_conversation(conv, port, token):
    events, after = [], 0
    for _ in range(100):  # bounded: 100 pages of 1000 events
        status, body = get(port, f"/v1/conversations/{conv}?after_seq={after}&limit=1000", token)
        assert status == 200, (conv, status, body)
        page = json.loads(body)["events"]
        events += page
        if len(page) < 1000:
            return events
        after = int(page[-1]["seq"])
    raise AssertionError(f"{conv}: more than 100,000 events")


async def read_back(drill):
    """Every conversation a customer had a message acknowledged in, as the store has it: {id: events}."""
    port = [g for g in drill.cluster.gateways if g.proc.poll() is None][0].port
    admin = sign_token({"sub": "drill", "role": "admin", "iss": "switchboard", "aud": "switchboard",
                        "exp": int(time.time()) + 3600})
    convs = sorted({c.conv for c in drill.customers if c.conv} |
                   {conv for c in drill.customers for conv, _, _ in c.acked.values()})
    sem = asyncio.Semaphore(4)

    async def one(conv):
        async with sem:
            return conv, await asyncio.to_thread(read_conversation, conv, port, admin)
    return dict(await asyncio.gather(*(one(c) for c in convs)))


# --- the comparison -------------------------------------------------------------------------------


def stored_messages(store):
    """(clientMessageId -> times stored, clientMessageId -> (conversation, seq), conversations
    accepted by an agent while another held them)."""
    stored = collections.Counter()
    stored_at = {}
    double = []
    for conv, events in store.items():
        owner = None
        for e in sorted(events, key=lambda e: int(e["seq"])):
            m = e.get("message")
            if m and m.get("clientMessageId"):
                stored[m["clientMessageId"]] += 1
                stored_at[m["clientMessageId"]] = (conv, int(e["seq"]))
            outcome = e.get("offerOutcome")
            if outcome and outcome.get("outcome") == "ACCEPTED":
                if owner is not None and owner != outcome["agentId"]:
                    double.append(f"{conv}: accepted by {outcome['agentId']} at seq {e['seq']} while {owner} held it")
                owner = outcome["agentId"]
            if "takeover" in e:
                owner = e["takeover"].get("leadId")
            if any(k in e for k in ("transfer", "escalation")) or \
                    e.get("statusChange", {}).get("to") in ("QUEUED", "RESOLVED"):
                owner = None
    return stored, stored_at, double


def agents_overlaps(drill):
    """The agents' own view: spans from an accept's ack to the release they saw (or the end), two
    agents' overlapping on one conversation."""
    end = drill.marks["end"]
    spans = collections.defaultdict(list)
    for a in drill.agents:
        for conv, since, to, how in a.spans:
            spans[conv].append((since, to, a.name, how))
        for conv, since in a.held.items():
            spans[conv].append((since, end, a.name, "held at the end"))
    overlaps = []
    for conv, items in spans.items():
        items.sort()
        for i, (s1, e1, a1, h1) in enumerate(items):
            for s2, e2, a2, h2 in items[i + 1:]:
                if a1 != a2 and s2 < e1:
                    overlaps.append(f"{conv}: {a1} ({h1}) and {a2} ({h2}) both held it for {e1 - s2:.2f} s")
    return overlaps


def acknowledged(drill):
    """clientMessageId -> (client, conversation, seq, when acknowledged), customers' and agents'."""
    acked = {}
    for x in drill.customers + drill.agents:
        for m, (conv, seq, t) in x.acked.items():
            acked[m] = (x.name, conv, seq, t)
    return acked


# --- the failover window --------------------------------------------------------------------------


def switches(sentinel_events, kill):
    """The +switch-master the sentinels announced after the primary's kill, one per (old, new)
    primary, in the order first announced: {"from", "to", "first", "last"} (monotonic times, over
    every sentinel that announced it)."""
    found = {}
    for t, who, line in sentinel_events:
        fields = next(csv.reader([line]), [])
        if t < kill or len(fields) != 4 or fields[2] != "+switch-master" or len(fields[3].split()) != 5:
            continue
        _, _, old, _, new = fields[3].split()  # "<master> <old ip> <old port> <new ip> <new port>"
        s = found.setdefault((old, new), {"from": int(old), "to": int(new), "first": t, "last": t})
        s["last"] = max(s["last"], t)
    return sorted(found.values(), key=lambda s: s["first"])


def failover_window(drill):
    """The documented loss window (docs/OPERATIONS.md): from --window-before s ahead of the primary's
    kill (what asynchronous replication had not copied yet) to the last +switch-master the sentinels
    announced after it, plus redis.sentinel.check_interval_ms (every connection has asked them again
    by then and left a server they no longer name) plus --window-after s (a round trip and the
    sentinels' own agreement). A second switch after one kill (a split brain) thus extends it."""
    if drill.cluster.mode == "cluster":
        return drill_redis_cluster.failover_window(drill)
    args, kill = drill.args, drill.marks["primary killed"]
    found = switches(drill.cluster.sentinel_events, kill)
    if found:
        last = max(s["last"] for s in found)
        end_what = "the last +switch-master announced after the kill"
    else:  # no event heard (a watcher lost): when the poll saw every sentinel name a new primary
        last = drill.marks["sentinels named"]
        end_what = "the sentinels seen naming a new primary (no +switch-master heard)"
    return {"kill": kill, "start": kill - args.window_before,
            "end": last + args.check_interval_ms / 1000 + args.window_after, "switches": found,
            "described": f"from the primary's kill - {args.window_before} s to {end_what} (+{last - kill:.3f} s) "
                         f"+ check_interval_ms {args.check_interval_ms} + {args.window_after} s"}


def switch_name(s, kill):
    return f"+switch-master :{s['from']} -> :{s['to']} ({s['first'] - kill:+.3f} s from the kill)"


def losses(acked, stored, window):
    """Every acknowledged message not stored, with the switch it followed and whether it falls in the
    window."""
    kill, lost = window["kill"], []
    for m, (who, conv, seq, t) in sorted(acked.items(), key=lambda x: x[1][3]):
        if stored[m]:
            continue
        followed = [s for s in window["switches"] if s["first"] <= t]
        lost.append({"message": m, "by": who, "conversation": conv, "seq": seq,
                     "acked_s_from_primary_kill": t - kill,
                     "followed": switch_name(followed[-1], kill) if followed else None,
                     "acked_s_from_that_switch": t - followed[-1]["first"] if followed else None,
                     "in_window": window["start"] <= t <= window["end"]})
    return lost


# --- the figures ----------------------------------------------------------------------------------


def reconnects(drill):
    """Customers' outages from close to resumed: those the gateway's kill caused, and the others."""
    gw_kill, router_kill = drill.marks["gateway killed"], drill.marks["router killed"]
    after_kill = [(back - closed) for c in drill.customers for closed, back in c.outages if gw_kill <= closed < router_kill]
    others = [(back - closed) for c in drill.customers for closed, back in c.outages
              if not gw_kill <= closed < router_kill]
    return {"customers": len(after_kill), "p50 ms": 1000 * percentile(after_kill, 50) if after_kill else None,
            "p99 ms": 1000 * percentile(after_kill, 99) if after_kill else None,
            "max ms": 1000 * max(after_kill) if after_kill else None}, len(others)


def window_figures(drill, acked, stored):
    window = failover_window(drill)
    kill = window["kill"]
    lost = losses(acked, stored, window)
    return {
        "lost": lost, "lost outside the window": sum(1 for x in lost if not x["in_window"]),
        "lost in the window": sum(1 for x in lost if x["in_window"]),
        "failover window": {"from s": window["start"] - kill, "to s": window["end"] - kill,
                            "described": window["described"]},
        "switches after the primary's kill": [switch_name(s, kill) + f", last announced {s['last'] - kill:+.3f} s"
                                              for s in window["switches"]],
        "primaries named after the kill": list(dict.fromkeys(str(s["to"]) for s in window["switches"]))
                                          or [str(drill.figures["new primary"])],
        "redis": drill.cluster.mode,
        "sentinel events": [f"{t - kill:+.3f} s {who} {line}" for t, who, line in drill.cluster.sentinel_events
                            if t >= kill - 1 and "__sentinel__:hello" not in line],
    }


def compare(drill, store):
    """Fills drill.figures from the store's conversations and what the clients acknowledged and saw."""
    stored, stored_at, double = stored_messages(store)
    acked = acknowledged(drill)
    seen_by_agents = set().union(*(a.seen for a in drill.agents))
    seen_by_customers = set().union(*(c.replies_seen for c in drill.customers))
    customer_acked = [m for c in drill.customers for m in c.acked]
    agent_acked = [m for a in drill.agents for m in a.acked]
    after_kill, others = reconnects(drill)
    drill.figures.update({
        "customers": drill.args.customers, "agents": drill.args.agents,
        "messages acknowledged": len(acked),
        "customer messages acknowledged": len(customer_acked), "agent replies acknowledged": len(agent_acked),
        "messages stored": sum(1 for m in acked if stored[m]),
        "message events in the store": sum(stored.values()),
        "messages delivered": sum(1 for m in customer_acked if m in seen_by_agents) +
                              sum(1 for m in agent_acked if m in seen_by_customers),
        "customer messages delivered to an agent": sum(1 for m in customer_acked if m in seen_by_agents),
        "replies delivered to the customer": sum(1 for m in agent_acked if m in seen_by_customers),
        "undelivered": undelivered_details(drill, acked),
        "sent, never acknowledged": sum(1 for c in drill.customers for m in c.sent if m not in c.acked),
        "duplicated": [f"{m} stored {n} times" for m, n in stored.items() if n > 1],
        "acknowledged at another seq than stored": [
            f"{m}: acknowledged as {conv} seq {seq}, stored as {stored_at[m]}"
            for m, (who, conv, seq, t) in acked.items() if m in stored_at and stored_at[m] != (conv, seq)],
        "double-assigned (store)": double, AGENTS_VIEW: agents_overlaps(drill),
        "conversations": len(store), "conversations held at the end": drill.assigned(),
        "reconnect-to-resumed after the gateway kill": after_kill, "other reconnects": others,
        "agents reconnected": sum(1 for a in drill.agents if a.reconnects),
        "clients that failed": [x.name + ": " + x.failed for x in drill.customers + drill.agents if x.failed],
        "counts": dict(drill.counts),
    })
    drill.figures.update(window_figures(drill, acked, stored))


# --- the table and the verdict --------------------------------------------------------------------


def rows(f):
    r = f["reconnect-to-resumed after the gateway kill"]
    p = f["time to a new primary s"]
    w = f["failover window"]

    def ms(x):
        return "-" if x is None else f"{x:.0f} ms"
    named = f["primaries named after the kill"]
    who = "the cluster" if f["redis"] == "cluster" else "sentinels"
    return [
        ("customers / agents", f"{f['customers']} / {f['agents']}"),
        ("messages acknowledged", f"{f['messages acknowledged']} ({f['customer messages acknowledged']} customers', "
                                  f"{f['agent replies acknowledged']} agents')"),
        ("stored (of those acknowledged)", f"{f['messages stored']}"),
        ("delivered (seen by the other side)", f"{f['messages delivered']} ({f['customer messages delivered to an agent']}"
                                               f" to agents, {f['replies delivered to the customer']} to customers;"
                                               f" {len(f['undelivered'])} not seen by a holder)"),
        ("lost", f"{len(f['lost'])} ({f['lost in the window']} in the failover window, "
                 f"{f['lost outside the window']} outside)"),
        ("the failover window", f"{w['from s']:+.3f} s to {w['to s']:+.3f} s from the primary's kill: {w['described']}"),
        ("duplicated", f"{len(f['duplicated'])}"),
        ("assigned to two agents at once", f"{len(f['double-assigned (store)'])} (store), "
                                           f"{len(f[AGENTS_VIEW])} (agents' view)"),
        ("reconnect-to-resumed p50 / p99", f"{ms(r['p50 ms'])} / {ms(r['p99 ms'])} (max {ms(r['max ms'])}, "
                                           f"{r['customers']} customers)"),
        ("time to a new router", f"{f['time to a new router s']:.2f} s"),
        ("time to a new primary", f"{p.get('sentinels', p.get('cluster')):.2f} s ({who}), {p['first gateway']:.2f} s "
                                  f"(a gateway's /readyz names it), {p['every gateway']:.2f} s (every gateway's)"),
        ("primaries named after the kill", ", ".join(":" + x for x in named)
         + (" (a second failover: see the sentinel events)" if len(named) > 1 else "")),
    ] + migration_rows(f)


def migration_rows(f):
    m = f.get("slot migration")
    if not m:
        return []
    return [("slots moved under traffic", f"{m['slots']} from {m['from']} to {m['to']} in {m['seconds']:.1f} s "
                                          f"(redis-cli --cluster reshard); keys per primary "
                                          f"{m['keys per primary before']} -> {m['keys per primary after']}")]


def print_losses(f):
    for x in f["lost"][:100]:
        where = "inside" if x["in_window"] else "OUTSIDE"
        after = (f"{x['acked_s_from_that_switch']:+.3f} s from {x['followed']}" if x["followed"]
                 else "before any +switch-master")
        print(f"  lost: {x['message']} by {x['by']} ({x['conversation']} seq {x['seq']}), acknowledged "
              f"{x['acked_s_from_primary_kill']:+.3f} s from the primary's kill, {after}: {where} the window")
    if len(f["lost"]) > 100:
        print(f"  lost: ... and {len(f['lost']) - 100} more (every one in --json), acknowledged up to "
              f"{f['lost'][-1]['acked_s_from_primary_kill']:+.3f} s from the primary's kill")


def table(f):
    width = max(len(a) for a, _ in rows(f))
    print(f"\nFailure drill ({f['redis'].capitalize()}): figures")
    for a, b in rows(f):
        print(f"  {a:<{width}}  {b}")
    print_losses(f)
    for title in ("undelivered", "duplicated", "double-assigned (store)", AGENTS_VIEW,
                  "acknowledged at another seq than stored", "clients that failed"):
        for x in f[title][:50]:
            print(f"  {title}: {x}")
        if len(f[title]) > 50:
            print(f"  {title}: ... and {len(f[title]) - 50} more (every one in --json)")
    print(f"  agents reconnected: {f['agents reconnected']}; other customer reconnects: {f['other reconnects']}")
    print(f"  sent but never acknowledged (the client gave up or stopped): {f['sent, never acknowledged']}")
    for line in f["switches after the primary's kill"]:
        print(f"  switch after the primary's kill: {line}")
    for line in f["sentinel events"]:
        print(f"  sentinel event (from the primary's kill): {line}")
    print(f"  redis roles at the end: {'; '.join(f['redis roles at the end'])}")
    print(f"  gateways at the end: {'; '.join(f['gateways at the end'])}")
    print(f"  replication at the primary's kill: {'; '.join(f['replication at the kill'])}")
    for k, v in sorted(f["counts"].items()):
        print(f"  {k}: {v}")
    print(flush=True)


def verdict(f):
    """True when nothing acknowledged was lost outside the window, nothing stored twice and no
    conversation held by two agents at once."""
    return (f["lost outside the window"] == 0 and not f["duplicated"] and not f["double-assigned (store)"]
            and not f[AGENTS_VIEW])
