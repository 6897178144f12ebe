"""End to end: attachments (docs/CHANNELS.md, "Media"). A customer's image, document or MMS comes
by a signed webhook as the provider's reference; the outbox role fetches it from the provider (the
local HTTPS fakes of provider_fakes.py, which check each request as the provider does: WhatsApp's
two steps with the Bearer token, Telegram's getFile, Twilio's Basic auth and redirect to a CDN that
must not see the password, Meta's CDN) into the blob store, and a `mediaStored` event beside the
message says where — or why not (a type not taken, too large, the provider's 404). An agent uploads
a file (POST /v1/blobs), sends it, and the provider is told to fetch it from a signed URL that
serves exactly those bytes. Every process a test starts is stopped by it.
"""
import asyncio
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from test_channels import ROUTES, send, signed
from test_desk import available, desk, next_frame
from test_live_chat import request
from test_outbox import WithFakes, config, messenger_body
from provider_fakes import Fake
from test_serve import ProcessTest, staff_token, wait_for

MEDIA = "  media: {max_bytes: 131072, fetch_attempts: 2}\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"invoice 7\n" * 10000  # 100 KB: over the 64 KiB of other requests


def whatsapp_media(mid, kind, media_id, mime, caption="", filename=""):
    media = {"id": media_id, "mime_type": mime, "sha256": "x"}
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"},
        "contacts": [{"profile": {"name": "Wanda"}, "wa_id": "34600111222"}],
        "messages": [{"from": "34600111222", "id": mid, "timestamp": str(int(time.time())), "type": kind, kind: media}]}}]}]}).encode()


def upload(port, data, content_type, name="invoice 7.pdf", token=None):
    query = "" if name is None else "?name=" + urllib.parse.quote(name)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/blobs{query}", data=data, method="POST")
    req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def download(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


class MediaTest(WithFakes):

    def setUp(self):
        ProcessTest.setUp(self)  # WithFakes's server, with media limits of its own
        self.fake = Fake(self.folder)
        self.cleanups.append(self.fake.stop)
        self.s = self.serve(extra=config(self.fake).replace("channels:\n", "channels:\n" + MEDIA, 1))
        self.s.wait_listening()

    def post_webhook(self, provider, body):
        status, answer, _ = send(self.s.http_port, ROUTES[provider], body, signed(provider, body, ROUTES[provider]))
        self.assertEqual(status, 200, answer)

    def conversations_of(self, bodies):
        """Each webhook posted; Ann's desk takes the offers. Returns the conversation ids in order."""
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            convs = []
            for provider, body in bodies:
                self.post_webhook(provider, body)
                offer = (await next_frame(ws, "offer"))["offer"]
                convs.append(offer["conversationId"])
            await ws.close()
            return convs
        return asyncio.run(scenario())

    def stored(self, conv, n=1):
        wait_for(lambda: len([e for e in self.events(conv) if "mediaStored" in e]) >= n, f"{n} mediaStored in {conv}")
        return [e["mediaStored"] for e in self.events(conv) if "mediaStored" in e]

    def test_a_whatsapp_image_is_fetched_into_the_blob_store_once(self):
        self.fake.media["7001"] = ("image/jpeg", JPEG)
        body = whatsapp_media("wamid.img1", "image", "7001", "image/jpeg", caption="my receipt")
        [conv] = self.conversations_of([("whatsapp", body)])
        [m] = self.stored(conv)
        message = next(e for e in self.events(conv) if "message" in e)
        self.assertEqual(m["messageSeq"], message["seq"])
        self.assertEqual(message["message"]["attachments"][0]["url"], "whatsapp-media:7001")  # never rewritten
        a = m["attachment"]
        self.assertEqual(a["contentType"], "image/jpeg")
        self.assertEqual(a["sha256"], hashlib.sha256(JPEG).hexdigest())
        self.assertEqual(int(a["sizeBytes"]), len(JPEG))
        self.assertTrue(a["url"].startswith("/v1/blobs/" + a["sha256"] + "?"), a)
        status, data, headers = download(self.s.http_port, a["url"])  # no token: the URL is the permission
        self.assertEqual((status, data), (200, JPEG))
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", headers["Content-Security-Policy"])
        self.assertEqual(download(self.s.http_port, a["url"].replace("image%2Fjpeg", "text%2Fhtml"))[0], 404)
        steps = [p for p, h in self.fake.fetched]
        self.assertEqual(steps, ["/v21.0/7001", "/wa-media/7001"])
        self.assertTrue(all(h.get("Authorization") == "Bearer wa-token" for _, h in self.fake.fetched))
        self.post_webhook("whatsapp", body)  # WhatsApp sends it again: stored once, recorded once
        wait_for(lambda: len(self.fake.fetched) >= 2, "the retry's fetch")
        self.assertEqual(len([e for e in self.events(conv) if "mediaStored" in e]), 1)
        self.assertEqual(len([e for e in self.events(conv) if "message" in e]), 1)

    def test_telegram_twilio_and_messenger_media_each_their_providers_way(self):
        self.fake.media["BQAD-doc1"] = ("application/pdf", PDF)
        self.fake.media["ME" + "a" * 32] = ("image/png", JPEG)
        self.fake.media["fbimg1"] = ("image/jpeg", JPEG[:500])
        tg = json.dumps({"update_id": 91, "message": {"message_id": 91, "from": {"id": 5550009, "is_bot": False, "first_name": "Tom"},
                                                       "chat": {"id": 5550009, "type": "private"}, "date": int(time.time()),
                                                       "document": {"file_id": "BQAD-doc1", "file_unique_id": "u1", "file_name": "invoice.pdf",
                                                                    "mime_type": "application/pdf", "file_size": len(PDF)}}}).encode()
        media_url = f"{self.fake.url}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM{'b' * 32}/Media/ME{'a' * 32}"
        sms = urllib.parse.urlencode({"MessageSid": "MM" + "b" * 32, "From": "+15557654000", "To": "+15550001111", "Body": "",
                                      "NumMedia": "1", "MediaUrl0": media_url, "MediaContentType0": "image/png"}).encode()
        fb = json.dumps({"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [{
            "sender": {"id": "2400009"}, "recipient": {"id": "999"}, "timestamp": int(time.time() * 1000),
            "message": {"mid": "m_img1", "attachments": [{"type": "image", "payload": {"url": f"{self.fake.url}/cdn/fbimg1"}}]}}]}]}).encode()
        convs = self.conversations_of([("telegram", tg), ("twilio", sms), ("messenger", fb)])
        got = [self.stored(c)[0] for c in convs]
        for m in got:
            self.assertNotIn("error", m, m)
        self.assertEqual([m["attachment"]["contentType"] for m in got], ["application/pdf", "image/png", "image/jpeg"])
        self.assertEqual(got[0]["attachment"]["fileName"], "invoice.pdf")
        status, data, headers = download(self.s.http_port, got[0]["attachment"]["url"])
        self.assertEqual((status, data), (200, PDF))
        self.assertTrue(headers["Content-Disposition"].startswith("attachment;"), headers)  # a PDF downloads, never opens here
        self.assertEqual(download(self.s.http_port, got[1]["attachment"]["url"])[1], JPEG)
        cdn = [h for p, h in self.fake.fetched if p.startswith("/cdn/ME")]
        self.assertEqual(len(cdn), 1)
        self.assertNotIn("Authorization", cdn[0])  # Twilio's password stayed with Twilio

    def test_a_type_not_taken_a_file_too_large_and_a_missing_one_are_recorded_not_stored(self):
        self.fake.media["7101"] = ("text/html", b"<script>alert(1)</script>")
        self.fake.media["7102"] = ("image/jpeg", b"\xff" * 140000)
        bodies = [("whatsapp", whatsapp_media("wamid.d1", "document", "7101", "text/html", filename="x.html")),
                  ("whatsapp", whatsapp_media("wamid.d2", "image", "7102", "image/jpeg")),
                  ("whatsapp", whatsapp_media("wamid.d3", "image", "7199", "image/jpeg"))]
        for _, body in bodies:
            self.post_webhook("whatsapp", body)
        conv = self.one_conversation()  # one customer, one conversation: three messages, three records
        records = sorted(self.stored(conv, 3), key=lambda m: m["messageSeq"])
        self.assertEqual([m.get("error", "") for m in records],
                         ["type text/html is not allowed (media.allowed_types)",
                          "larger than 128 KiB (media.max_bytes)",
                          "the provider answered 404"])
        self.assertTrue(all("attachment" not in m for m in records))
        self.assertEqual([p for p, _ in self.fake.fetched].count("/v21.0/7199"), 1, "a 404 is not tried again")

    def one_conversation(self):
        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            offer = (await next_frame(ws, "offer"))["offer"]
            await ws.close()
            return offer["conversationId"]
        return asyncio.run(scenario())

    def test_an_agent_uploads_a_file_and_sends_it_to_whatsapp_and_messenger(self):
        token = staff_token("agent", "ann", ["care"])
        self.assertEqual(upload(self.s.http_port, PDF, "application/pdf")[0], 401)
        status, answer = upload(self.s.http_port, b"<html>", "text/html", "x.html", token)
        self.assertEqual((status, answer["code"]), (415, "unsupported_media_type"))
        status, answer = upload(self.s.http_port, b"x" * 131073, "application/pdf", token=token)
        self.assertEqual((status, answer["code"]), (413, "payload_too_large"))
        self.assertIn("128 KiB", answer["message"])
        self.assertEqual(upload(self.s.http_port, PDF, "application/pdf", None, token)[0], 400)
        status, pdf = upload(self.s.http_port, PDF, "application/pdf", token=token)
        self.assertEqual(status, 201, pdf)
        self.assertEqual((pdf["fileName"], pdf["contentType"], int(pdf["sizeBytes"])), ("invoice 7.pdf", "application/pdf", len(PDF)))
        _, jpeg = upload(self.s.http_port, JPEG, "image/jpeg", "photo.jpg", token)

        async def scenario():
            ws, _ = await desk(self.s.http_port, "ann")
            await available(ws)
            results = {}
            for provider, body, attachment, text in [
                    # The client's word on the file is not taken: its signed URL's is.
                    ("whatsapp", whatsapp_media("wamid.t1", "image", "7301", "image/jpeg"),
                     dict(pdf, contentType="image/png", fileName="x.png", sizeBytes="1"), "Your invoice"),
                    ("messenger", messenger_body("page", "2400077", "m_t1", "a photo please?"), jpeg, "Here it is")]:
                self.post_webhook(provider, body)
                conv = (await next_frame(ws, "offer"))["offer"]["conversationId"]
                _, ok = await request(ws, {"requestId": "take-" + provider, "answerOffer": {"conversationId": conv, "accept": True}})
                assert "ack" in ok, ok
                _, bad = await request(ws, {"requestId": "bad-" + provider, "sendMessage": {"conversationId": conv, "message": {
                    "body": "x", "clientMessageId": "bad-" + provider, "attachments": [{"url": "https://evil.example/x.exe"}]}}})
                results[provider + "-bad"] = bad
                _, ok = await request(ws, {"requestId": "send-" + provider, "sendMessage": {"conversationId": conv, "message": {
                    "body": text, "clientMessageId": "f-" + provider, "attachments": [attachment]}}})
                assert "ack" in ok, ok
                results[provider] = conv
            await ws.close()
            return results
        self.fake.media["7301"] = ("image/jpeg", JPEG)
        results = asyncio.run(scenario())
        for provider in ("whatsapp", "messenger"):
            self.assertEqual(results[provider + "-bad"]["error"]["code"], "bad_attachment")
        wa_conv, fb_conv = results["whatsapp"], results["messenger"]
        [sent] = [e for e in self.events(wa_conv) if e.get("message", {}).get("direction") == "DIRECTION_OUTBOUND"]
        kept = sent["message"]["attachments"][0]
        self.assertEqual((kept["contentType"], kept["fileName"], int(kept["sizeBytes"])), ("application/pdf", "invoice 7.pdf", len(PDF)))
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(fb_conv)), "messenger SENT")
        wait_for(lambda: any(d.get("state") == "SENT" for d in self.deliveries(wa_conv)), "whatsapp SENT")
        self.assertEqual(self.fake.refused, [])
        [wa] = [r[3] for r in self.fake.sent("whatsapp")]
        self.assertEqual(wa["type"], "document")
        self.assertEqual((wa["document"]["caption"], wa["document"]["filename"]), ("Your invoice", "invoice 7.pdf"))
        fb = [r[3]["message"] for r in self.fake.sent("messenger")]
        self.assertEqual(fb[0], {"text": "Here it is"})  # Messenger: the text, then the file
        self.assertEqual(fb[1]["attachment"]["type"], "image")
        self.assertEqual(len([d for d in self.deliveries(fb_conv) if d.get("state") == "SENT"]), 1)
        for link, data in ((wa["document"]["link"], PDF), (fb[1]["attachment"]["payload"]["url"], JPEG)):
            prefix = "https://support.example.com/v1/blobs/"
            self.assertTrue(link.startswith(prefix), link)
            status, got, _ = download(self.s.http_port, link[len("https://support.example.com"):])
            self.assertEqual((status, got), (200, data))
