"""Local HTTPS fakes of the providers' send APIs, for the outbox's tests: one server (a self-signed
certificate made with the openssl CLI, trusted by the server under test through channels.ca_file)
answering as each provider documents, after checking each request the way the provider does:

- WhatsApp Cloud API: POST /v21.0/{phone number id}/messages, "Authorization: Bearer <token>",
  JSON {"messaging_product": "whatsapp", "to": digits, "type": "text", "text": {"body"}} or a
  template ("type": "template", "template": {"name", "language": {"code"}, "components"})
  → {"messaging_product", "contacts", "messages": [{"id": "wamid..."}]}; a bad token is 401 with
  Meta's {"error": {"message", "type": "OAuthException", "code": 190}}, a bad body 400 (code 100).
- Messenger / Instagram: POST /v21.0/me/messages, Bearer token, JSON {"recipient": {"id"},
  "messaging_type": "RESPONSE", "message": {"text"}} → {"recipient_id", "message_id"}.
- Telegram: POST /bot<token>/sendMessage, JSON {"chat_id", "text"} → {"ok": true, "result":
  {"message_id", "chat": {"id"}, "date", "text"}}; a wrong token is 401 {"ok": false,
  "error_code": 401, "description": "Unauthorized"}.
- Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, HTTP Basic sid:token, a form with To,
  From, Body → 201 {"sid": "SM...", "status": "queued"}; a bad login is 401 (code 20003).

Media (outbox/media_fetcher fetching a customer's attachment; `media` maps an id to (type, bytes)):
- WhatsApp: GET /v21.0/{media id} with the Bearer token → {"messaging_product", "url", "mime_type",
  "sha256", "file_size", "id"}; GET that url (/wa-media/{id}) with the same token → the bytes
  (without it: 401, as Meta's lookaside URLs answer).
- Telegram: GET /bot<token>/getFile?file_id= → {"ok", "result": {"file_id", "file_unique_id",
  "file_size", "file_path"}}; GET /file/bot<token>/{file_path} → the bytes.
- Twilio: GET /2010-04-01/Accounts/{sid}/Messages/{MM}/Media/{id} with Basic auth → 307 to
  https://localhost:{port}/cdn/{id} (another host name), which answers without auth (as Twilio's CDN does; a request that still carries the
  account's password is refused, so a client that forwards it is caught).
- Messenger/Instagram: GET /cdn/{id} (Meta's CDN URLs carry their own signature; no token).
Replies with media (WhatsApp "image"/"document"/"audio"/"video" with a "link", Messenger's
"attachment" with a payload url, Telegram's sendPhoto/sendDocument/..., Twilio's MediaUrl) are
taken when each link is an absolute http(s) URL.

`script` queues answers to give instead (a status with a body and headers, or "hang" to say
nothing for `hang_seconds`); every request is kept in `received`, every refusal in `refused`.
"""
import base64
import json
import os
import re
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKENS = {"whatsapp": "wa-token", "messenger": "fb-token", "instagram": "ig-token", "telegram": "123456:TEST-bot-token",
          "twilio": ("AC0123456789abcdef0123456789abcdef", "tw-token")}


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key) paths."""
    cert, key = os.path.join(folder, "fake-cert.pem"), os.path.join(folder, "fake-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Fake:
    def __init__(self, folder):
        self.cert, key = make_certificate(folder)
        self.received = []   # (provider, path, headers, fields)
        self.refused = []    # (provider, status, why)
        self.script = []     # answers to give next: (status, body dict, headers) or "hang"
        self.hang_seconds = 3
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.hung = 0  # requests left unanswered by a scripted "hang"
        self.media = {}  # id → (content type, bytes), for the media downloads
        self.fetched = []  # (path, headers) of every GET
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status, answer, headers = fake.handle(self.path, dict(self.headers), body)
                if status == "hang":
                    fake.released.wait(fake.hang_seconds)  # say nothing (stop() ends it early)
                    self.close_connection = True
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                status, headers, data = fake.get(self.path, dict(self.headers))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def sent(self, provider):
        with self.lock:
            return [r for r in self.received if r[0] == provider]

    def refuse(self, provider, status, why, answer):
        with self.lock:
            self.refused.append((provider, status, why))
        return status, answer, {}

    def handle(self, path, headers, body):
        with self.lock:
            scripted = self.script.pop(0) if self.script else None
        if scripted == "hang":
            with self.lock:
                self.hung += 1
            return "hang", None, {}
        m = re.fullmatch(r"/v21\.0/(\d+)/messages", path)
        if m:
            return scripted or self.whatsapp(m.group(1), headers, body)
        if path == "/v21.0/me/messages":
            return scripted or self.messenger(headers, body)
        m = re.fullmatch(r"/bot([^/]+)/(sendMessage|sendPhoto|sendDocument|sendVideo|sendAudio|sendVoice|sendAnimation)", path)
        if m:
            return scripted or self.telegram(m.group(1), headers, body, m.group(2))
        m = re.fullmatch(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json", path)
        if m:
            return scripted or self.twilio(m.group(1), headers, body)
        return 404, {"error": {"message": f"Unknown path {path}", "code": 803}}, {}

    def get(self, path, headers):
        """A media download, as each provider answers it: (status, headers, bytes)."""
        with self.lock:
            self.fetched.append((path, headers))
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        as_json = {"Content-Type": "application/json"}

        def found(media_id):
            return self.media.get(media_id)

        m = re.fullmatch(r"/v21\.0/([0-9]+)", url.path)
        if m:
            if headers.get("Authorization") != "Bearer " + TOKENS["whatsapp"]:
                return 401, as_json, json.dumps({"error": {"message": "Invalid OAuth access token.", "code": 190}}).encode()
            item = found(m.group(1))
            if not item:
                return 404, as_json, json.dumps({"error": {"message": "Unsupported get request.", "code": 100}}).encode()
            return 200, as_json, json.dumps({"messaging_product": "whatsapp", "url": f"{self.url}/wa-media/{m.group(1)}",
                                             "mime_type": item[0], "sha256": "", "file_size": len(item[1]), "id": m.group(1)}).encode()
        m = re.fullmatch(r"/wa-media/([0-9]+)", url.path)
        if m:
            if headers.get("Authorization") != "Bearer " + TOKENS["whatsapp"]:
                return 401, {}, b""
            item = found(m.group(1))
            return (200, {"Content-Type": item[0]}, item[1]) if item else (404, {}, b"")
        m = re.fullmatch(r"/bot([^/]+)/getFile", url.path)
        if m:
            item = found(query.get("file_id", ""))
            if m.group(1) != TOKENS["telegram"] or not item:
                return 400, as_json, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}).encode()
            return 200, as_json, json.dumps({"ok": True, "result": {"file_id": query["file_id"], "file_unique_id": "u",
                                                                    "file_size": len(item[1]), "file_path": f"documents/{query['file_id']}"}}).encode()
        m = re.fullmatch(r"/file/bot([^/]+)/documents/(.+)", url.path)
        if m:
            item = found(m.group(2))
            if m.group(1) != TOKENS["telegram"] or not item:
                return 404, {}, b""
            return 200, {"Content-Type": "application/octet-stream"}, item[1]
        m = re.fullmatch(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/MM[0-9a-f]+/Media/(ME[0-9a-f]+)", url.path)
        if m:
            want = "Basic " + base64.b64encode(f"{TOKENS['twilio'][0]}:{TOKENS['twilio'][1]}".encode()).decode()
            if headers.get("Authorization") != want:
                return 401, as_json, json.dumps({"code": 20003, "message": "Authenticate", "status": 401}).encode()
            # Another host, as Twilio's CDN is (the same fake, named localhost): no password goes there.
            return 307, {"Location": f"https://localhost:{self.port}/cdn/{m.group(2)}"}, b""
        m = re.fullmatch(r"/cdn/(.+)", url.path)
        if m:
            if headers.get("Authorization"):
                return 400, {}, b"credentials sent to the CDN"
            item = found(m.group(1))
            return (200, {"Content-Type": item[0]}, item[1]) if item else (404, {}, b"")
        return 404, {}, b""

    @staticmethod
    def link(url):
        return isinstance(url, str) and re.fullmatch(r"https?://[^/]+/.+", url) is not None

    def next_id(self):
        with self.lock:
            self.count += 1
            return self.count

    def json_body(self, headers, body):
        if not headers.get("Content-Type", "").startswith("application/json"):
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def meta_error(self, provider, status, message, code):
        return self.refuse(provider, status, message, {"error": {"message": message, "type": "OAuthException", "code": code}})

    @staticmethod
    def whatsapp_text(j):
        return j.get("type") == "text" and bool(j.get("text", {}).get("body"))

    @staticmethod
    def whatsapp_template(j):
        """A template message as the Cloud API takes it: {"type": "template", "template": {"name",
        "language": {"code"}, "components": [{"type": "body", "parameters": [{"type": "text",
        "text"}, ...]}]}} (no components when the template has no variables)."""
        t = j.get("template") if j.get("type") == "template" else None
        if not isinstance(t, dict) or not re.fullmatch(r"[a-z0-9_]+", str(t.get("name", ""))):
            return False
        if not isinstance(t.get("language"), dict) or not t["language"].get("code"):
            return False
        for c in t.get("components", []):
            if c.get("type") != "body" or not c.get("parameters"):
                return False
            for p in c["parameters"]:
                if p.get("type") != "text" or not p.get("text") or "\n" in p["text"] or "\t" in p["text"]:
                    return False
        return True

    def whatsapp_media(self, j):
        """{"type": image|document|audio|video, <type>: {"link", "caption"?, "filename"?}}: no
        caption on audio, a file name only on documents."""
        kind = j.get("type")
        media = j.get(kind) if kind in ("image", "document", "audio", "video") else None
        if not isinstance(media, dict) or not self.link(media.get("link")):
            return False
        return not (kind == "audio" and "caption" in media) and not (kind != "document" and "filename" in media)

    def whatsapp(self, phone_id, headers, body):
        if headers.get("Authorization") != "Bearer " + TOKENS["whatsapp"]:
            return self.meta_error("whatsapp", 401, "Invalid OAuth access token.", 190)
        j = self.json_body(headers, body)
        if (not j or j.get("messaging_product") != "whatsapp" or not re.fullmatch(r"\d{6,15}", str(j.get("to", "")))
                or not (self.whatsapp_text(j) or self.whatsapp_template(j) or self.whatsapp_media(j))):
            return self.meta_error("whatsapp", 400, "(#100) Invalid parameter", 100)
        with self.lock:
            self.received.append(("whatsapp", f"/{phone_id}/messages", headers, j))
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": j["to"], "wa_id": j["to"]}],
                     "messages": [{"id": f"wamid.fake{self.next_id()}"}]}, {}

    def messenger(self, headers, body):
        auth = headers.get("Authorization", "")
        provider = {"Bearer " + TOKENS["messenger"]: "messenger", "Bearer " + TOKENS["instagram"]: "instagram"}.get(auth)
        if not provider:
            return self.meta_error("messenger", 401, "Invalid OAuth access token.", 190)
        j = self.json_body(headers, body)
        attachment = (j or {}).get("message", {}).get("attachment") or {}
        media = attachment.get("type") in ("image", "video", "audio", "file") and self.link(attachment.get("payload", {}).get("url"))
        if (not j or not j.get("recipient", {}).get("id") or j.get("messaging_type") != "RESPONSE"
                or not (j.get("message", {}).get("text") or media) or (media and j["message"].get("text"))):
            return self.meta_error(provider, 400, "(#100) param recipient must be non-empty", 100)
        with self.lock:
            self.received.append((provider, "/me/messages", headers, j))
        return 200, {"recipient_id": j["recipient"]["id"], "message_id": f"m_fake{self.next_id()}"}, {}

    def telegram(self, token, headers, body, method="sendMessage"):
        if token != TOKENS["telegram"]:
            return self.refuse("telegram", 401, "Unauthorized", {"ok": False, "error_code": 401, "description": "Unauthorized"})
        j = self.json_body(headers, body)
        field = {"sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video", "sendAudio": "audio",
                 "sendVoice": "voice", "sendAnimation": "animation"}.get(method)
        ok = j and (self.link(j.get(field)) if field else j.get("text"))
        if not j or not j.get("chat_id") or not ok:
            return self.refuse("telegram", 400, "bad", {"ok": False, "error_code": 400,
                                                        "description": "Bad Request: message text is empty"})
        with self.lock:
            self.received.append(("telegram", "/" + method, headers, j))
        n = self.next_id()
        return 200, {"ok": True, "result": {"message_id": n, "chat": {"id": int(j["chat_id"]), "type": "private"},
                                            "date": int(time.time()), "text": j.get("text", "")}}, {}

    def twilio(self, sid, headers, body):
        want = "Basic " + base64.b64encode(f"{TOKENS['twilio'][0]}:{TOKENS['twilio'][1]}".encode()).decode()
        if sid != TOKENS["twilio"][0] or headers.get("Authorization") != want:
            return self.refuse("twilio", 401, "Authenticate", {"code": 20003, "message": "Authenticate", "status": 401})
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.refuse("twilio", 400, "form", {"code": 21601, "message": "not a form", "status": 400})
        pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
        form = dict(pairs)
        media = [v for k, v in pairs if k == "MediaUrl"]
        if media:
            form["MediaUrl"] = media
        if not form.get("To") or not form.get("From") or not (form.get("Body") or media) or not all(map(self.link, media)):
            return self.refuse("twilio", 400, "fields", {"code": 21602, "message": "Message body is required.", "status": 400})
        with self.lock:
            self.received.append(("twilio", "/Messages.json", headers, form))
        return 201, {"sid": f"SM{self.next_id():032d}", "status": "queued", "to": form["To"], "from": form["From"],
                     "body": form.get("Body", "")}, {}
