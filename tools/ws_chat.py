#!/usr/bin/python3
"""Chat with Switchboard from a terminal, as a web-widget customer or as an agent.

    /usr/bin/python3 tools/ws_chat.py [--server http://127.0.0.1:8080] [--token TOKEN]

Gets a visitor token (POST /v1/visitors) unless one is given, connects to /v1/ws with the JSON
subprotocol, sends each line you type as a message, and prints every frame the server sends.
Lines starting with '{' are sent as raw frames (see docs/PROTOCOL.md). Needs python3-websockets.

As an agent (--token "$(build/app/switchboard token --role agent --sub ana --team care)"), lines
starting with '/' are desk commands on the conversation last offered or accepted:
    /available  /away  /accept  /decline  /note TEXT  /transfer QUEUE  /resolve [DISPOSITION]
and other lines are replies to the conversation last accepted.
"""
import argparse
import asyncio
import itertools
import json
import sys
import urllib.request

import websockets


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", default="http://127.0.0.1:8080")
    p.add_argument("--token")
    args = p.parse_args()
    token = args.token
    if not token:
        req = urllib.request.Request(args.server + "/v1/visitors", data=b"", method="POST")
        token = json.loads(urllib.request.urlopen(req, timeout=10).read())["token"]
    url = args.server.replace("http", "ws", 1) + "/v1/ws?access_token=" + token
    async with websockets.connect(url, subprotocols=["switchboard.v1.json"]) as ws:
        conversation = ""
        counter = itertools.count(1)

        offered = ""

        async def show():
            nonlocal conversation, offered
            async for frame in ws:
                print("<", frame, flush=True)
                got = json.loads(frame)
                conversation = got.get("ack", {}).get("conversationId", conversation)
                offered = got.get("offer", {}).get("conversationId", offered)

        def command(line, n):
            """A desk command as a frame, or None."""
            word, _, rest = line[1:].partition(" ")
            target = offered if word in ("accept", "decline") else conversation
            frames = {
                "available": {"setStatus": {"status": "AVAILABLE"}},
                "away": {"setStatus": {"status": "AWAY"}},
                "accept": {"answerOffer": {"conversationId": target, "accept": True}},
                "decline": {"answerOffer": {"conversationId": target, "accept": False}},
                "note": {"addNote": {"conversationId": target, "body": rest}},
                "transfer": {"transfer": {"conversationId": target, "toQueue": rest}},
                "resolve": {"resolve": {"conversationId": target, "disposition": rest or "solved"}},
            }
            return json.dumps({"requestId": f"r{n}", **frames[word]}) if word in frames else None

        reader = asyncio.create_task(show())
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            n = next(counter)
            if line.startswith("{"):
                frame = line
            elif line.startswith("/"):
                frame = command(line, n)
                if frame is None:
                    print("? commands: /available /away /accept /decline /note TEXT /transfer QUEUE /resolve", flush=True)
                    continue
            else:
                msg = {"body": line, "clientMessageId": f"cli-{n}"}
                send = {"message": msg, **({"conversationId": conversation} if conversation else {})}
                frame = json.dumps({"requestId": f"r{n}", "sendMessage": send})
            print(">", frame, flush=True)
            await ws.send(frame)
        await asyncio.sleep(1)  # input ended: show the answers still on their way, then leave
        reader.cancel()


if __name__ == "__main__":
    asyncio.run(main())
