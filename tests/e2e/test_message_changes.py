"""End to end: what a customer does to a message after sending it, on their channel — a WhatsApp
reaction to the agent's reply and the deletion of their own message, a Telegram edit, Messenger's
read receipt (a watermark, not message ids) — each stored as a new event beside the message it is
about (`messageChange`, or a READ `delivery`), never rewriting it, and each once however often the
provider posts it. The replies go out through the outbox to the local HTTPS fakes, which give them
the provider ids the reactions name. Every process a test starts is stopped by it.
"""
import asyncio
import json
import time
import unittest

from test_channels import ROUTES, send, signed
from test_desk import available, desk
from test_outbox import CUSTOMERS, WithFakes
from test_serve import RedisServer, wait_for


class MessageChangesTest(WithFakes):

    def post(self, provider, payload):
        body = json.dumps(payload).encode()
        status, answer, _ = send(self.s.http_port, ROUTES[provider], body, signed(provider, body, ROUTES[provider]))
        self.assertEqual(status, 200, answer)
        return json.loads(answer)

    def whatsapp(self, message):
        return self.post("whatsapp", {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"},
            "contacts": [{"profile": {"name": "Wanda"}, "wa_id": "34600111222"}],
            "messages": [dict(message, **{"from": "34600111222", "timestamp": str(int(time.time()))})]}}]}]})

    def changes(self, conv):
        return [(e["seq"], e["messageChange"]) for e in self.events(conv) if "messageChange" in e]

    def seq_of(self, conv, body):
        return [e["seq"] for e in self.events(conv) if e.get("message", {}).get("body") == body][0]

    def test_reactions_deletions_edits_and_read_watermarks_are_new_events_beside_their_message(self):
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = await self.answer_each(ws, [CUSTOMERS[0], CUSTOMERS[1], CUSTOMERS[3]])
            await ws.close()
            return convs
        convs = asyncio.run(scenario())
        wait_for(lambda: len(self.fake.received) == 3, "the three replies at the fakes")
        wa = convs["whatsapp"]
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(wa)), "WhatsApp SENT")
        wamid = self.deliveries(wa)[0]["providerMessageId"]
        reply_seq = self.seq_of(wa, "Hello whatsapp, Ann here.")
        asked_seq = self.seq_of(wa, "WhatsApp: where is my order?")

        # WhatsApp: a reaction to Ann's reply (twice: the provider's retry), then the customer
        # deletes their own question.
        reaction = {"id": "wamid.react1", "type": "reaction", "reaction": {"message_id": wamid, "emoji": "\U0001F44D"}}
        self.whatsapp(reaction)
        self.whatsapp(reaction)
        self.whatsapp({"id": "wamid.revoke1", "type": "revoke", "revoke": {"original_message_id": "wamid.in1"}})
        self.whatsapp({"id": "wamid.react2", "type": "reaction", "reaction": {"message_id": "wamid.unknown", "emoji": "x"}})
        changes = self.changes(wa)
        self.assertEqual([(c["kind"], c.get("emoji", ""), c["messageSeq"]) for _, c in changes],
                         [("REACTION", "\U0001F44D", reply_seq), ("DELETION", "", asked_seq)], "once each, beside their message")
        self.assertIn("WhatsApp: where is my order?", [e.get("message", {}).get("body") for e in self.events(wa)],
                      "the deleted message is still there: the deletion is a new event")

        # Telegram: the customer edits their message.
        self.post("telegram", {"update_id": 9001, "edited_message": {
            "message_id": 71, "from": {"id": 5550001, "is_bot": False, "first_name": "Tom"},
            "chat": {"id": 5550001, "type": "private"}, "date": int(time.time()) - 60, "edit_date": int(time.time()),
            "text": "Telegram: how do I reset my password? (I use the app)"}})
        tg = convs["telegram"]
        self.assertEqual([(c["kind"], c["body"], c["messageSeq"]) for _, c in self.changes(tg)],
                         [("EDIT", "Telegram: how do I reset my password? (I use the app)",
                           self.seq_of(tg, "Telegram: how do I reset my password?"))])

        # Messenger: the read receipt's watermark covers Ann's reply: READ, once.
        fb = convs["messenger"]
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(fb)), "Messenger SENT")
        watermark = {"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [{
            "sender": {"id": "2400001"}, "recipient": {"id": "999"}, "timestamp": int(time.time() * 1000),
            "read": {"watermark": int(time.time() * 1000)}}]}]}
        self.assertEqual(self.post("messenger", watermark)["skipped"], {"read (watermark)": 1})
        self.assertEqual(self.post("messenger", watermark)["skipped"], {}, "nothing left unread")
        self.assertEqual([d["state"] for d in self.deliveries(fb)], ["SENT", "READ"])

    def test_a_change_from_a_sender_never_seen_is_counted_and_makes_no_customer(self):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"},
            "messages": [{"from": "34699000111", "id": "wamid.stranger", "timestamp": str(int(time.time())), "type": "reaction",
                          "reaction": {"message_id": "wamid.somewhere", "emoji": "x"}}]}}]}]}).encode()
        status, answer, _ = send(self.s.http_port, ROUTES["whatsapp"], body, signed("whatsapp", body, ROUTES["whatsapp"]))
        self.assertEqual(status, 200, answer)
        self.assertEqual(json.loads(answer)["skipped"], {"change from an unknown sender": 1})
        r = RedisServer.__new__(RedisServer)
        r.port = self.s.embedded_port()
        self.assertEqual(r.cli("EXISTS", "sb:id:whatsapp:+34699000111"), "0", "no customer was made for it")


if __name__ == "__main__":
    unittest.main()
