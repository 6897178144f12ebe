#!/usr/bin/python3
"""Chat with Switchboard as a web-widget customer from a terminal.

    /usr/bin/python3 tools/ws_chat.py [--server http://127.0.0.1:8080] [--token TOKEN]

Gets a visitor token (POST /v1/visitors) unless one is given, connects to /v1/ws with the JSON
subprotocol, sends each line you type as a message, and prints every frame the server sends.
Lines starting with '{' are sent as raw frames (see docs/PROTOCOL.md). Needs python3-websockets.
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

        async def show():
            nonlocal conversation
            async for frame in ws:
                print("<", frame, flush=True)
                ack = json.loads(frame).get("ack", {})
                conversation = ack.get("conversationId", conversation)

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
