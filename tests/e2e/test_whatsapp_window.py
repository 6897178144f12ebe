"""End to end: WhatsApp's 24-hour window. A customer whose last WhatsApp message is 25 hours old
(by WhatsApp's timestamp) cannot be sent free text: the agent's reply is refused with
`whatsapp_window_closed` and nothing is stored or sent; an approved template from the config goes,
its body filled in by the server, and reaches the provider (a local HTTPS fake that checks it as
the Cloud API documents templates). Once the customer writes again, free text goes. Every process
a test starts is stopped by it.
"""
import asyncio
import json
import time
import unittest

from test_channels import ROUTES, send, signed
from test_desk import available, desk, next_frame
from test_live_chat import request
from test_outbox import WithFakes, whatsapp_body
from test_serve import get, staff_token, wait_for


class WhatsAppWindowTest(WithFakes):

    def customer_writes(self, mid, text, sent_at=None):
        body = whatsapp_body("34600111222", mid, text, sent_at)
        status, answer, _ = send(self.s.http_port, ROUTES["whatsapp"], body, signed("whatsapp", body, ROUTES["whatsapp"]))
        self.assertEqual(status, 200, answer)

    def messages(self, conv):
        status, body = get(self.s.http_port, f"/v1/conversations/{conv}?limit=1000", staff_token("admin", "root", ["care"]))
        self.assertEqual(status, 200, body)
        return [e["message"] for e in json.loads(body)["events"] if "message" in e]

    def test_after_24_hours_only_a_template_goes_until_the_customer_writes_again(self):
        self.customer_writes("wamid.old", "Is my order on its way?", sent_at=time.time() - 25 * 3600)

        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            conv = (await next_frame(ws, "offer"))["offer"]["conversationId"]
            _, ok = await request(ws, {"requestId": "take", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertIn("ack", ok)

            def reply(rid, message):
                return request(ws, {"requestId": rid, "sendMessage": {"conversationId": conv, "message": message}})
            _, refused = await reply("free", {"body": "Yes, it left today.", "clientMessageId": "c1"})
            self.assertEqual(refused["error"]["code"], "whatsapp_window_closed", refused)
            self.assertIn("window closed 1 h ago", refused["error"]["message"])
            _, bad = await reply("tpl-bad", {"clientMessageId": "c2", "templateMessage": {"name": "order_update", "variables": ["Wanda"]}})
            self.assertEqual(bad["error"]["code"], "bad_request", bad)
            self.assertIn("'order_update' takes 2 variable(s), 1 given", bad["error"]["message"])
            _, unknown = await reply("tpl-unknown", {"clientMessageId": "c3", "templateMessage": {"name": "nope", "variables": []}})
            self.assertIn("no template 'nope'", unknown["error"]["message"])
            _, ok = await reply("tpl", {"clientMessageId": "c4", "templateMessage": {"name": "order_update", "variables": ["Wanda", "1042"]}})
            self.assertIn("ack", ok)

            wait_for(lambda: len(self.fake.received) == 1, "the template at the fake")
            self.customer_writes("wamid.new", "Thanks! One more question.")
            await next_frame(ws, "event")
            _, ok = await reply("free-again", {"body": "Of course, go ahead.", "clientMessageId": "c5"})
            self.assertIn("ack", ok)
            await ws.close()
            return conv
        conv = asyncio.run(scenario())

        wait_for(lambda: len(self.fake.received) == 2, "the free reply at the fake")
        self.assertEqual(self.fake.refused, [])
        template = self.fake.received[0][3]
        self.assertEqual(template["type"], "template")
        self.assertEqual(template["template"]["name"], "order_update")
        self.assertEqual(template["template"]["language"], {"code": "en_US"})
        self.assertEqual(template["template"]["components"],
                         [{"type": "body", "parameters": [{"type": "text", "text": "Wanda"}, {"type": "text", "text": "1042"}]}])
        self.assertEqual(self.fake.received[1][3]["text"]["body"], "Of course, go ahead.")
        sent = [m for m in self.messages(conv) if m["direction"] == "DIRECTION_OUTBOUND"]
        self.assertEqual([m["body"] for m in sent], ["Hi Wanda, your order 1042 has shipped.", "Of course, go ahead."],
                         "the refused replies stored nothing")
        self.assertEqual(sent[0]["templateMessage"], {"name": "order_update", "language": "en_US", "variables": ["Wanda", "1042"]})

    def test_the_templates_are_listed_for_staff(self):
        status, body = get(self.s.http_port, "/v1/whatsapp-templates", staff_token("agent", "ann", ["care"]))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["templates"], [{"name": "order_update", "language": "en_US",
                                                          "body": "Hi {{1}}, your order {{2}} has shipped.",
                                                          "variables": ["customer name", "order number"]}])
        self.assertEqual(get(self.s.http_port, "/v1/whatsapp-templates")[0], 401)


if __name__ == "__main__":
    unittest.main()
