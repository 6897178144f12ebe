"""End to end: customers' mail through our SMTP listener into Redis, sent with swaks (Debian's SMTP
test tool, not ours).

The protocol: plain, STARTTLS (a certificate made here with openssl), pipelining, a message over
the size limit (552), a relay attempt (550), a forged reply address (550), a sender who must
STARTTLS first (530), too many connections (421), a silent client (421), Redis down (451, then the
retry stores it once). The content: what the customer wrote now apart from the quoted history and
signature, the subject and ids, the queue of the inbox. Threading, by each clue alone: the reply
address, our Message-ID, the customer's own earlier Message-ID, "Re: <subject>"; a forward and new
mail start new conversations of the same customer; a reply reopens a resolved conversation.
Noise: an auto-reply, list mail and our own mail are not stored; a bounce marks our message
FAILED. The reply addresses and ids are made here with Python's hmac, not the server's code.
Every process a test starts is stopped by it.
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import unittest

from test_desk import available, desk, next_frame
from test_live_chat import request
from test_serve import LIMIT, ProcessTest, RedisServer, get, staff_token, wait_for

SECRET = "e2e-reply-secret-0123456789abcdefghijkl"
ADMIN = staff_token("admin", "root", ["care"])


def config(extra="", extra_channels=""):
    """`extra`: more keys of channels.email; `extra_channels`: more keys of channels."""
    return f"""channels:
{extra_channels}  email:
    smtp_listen: 127.0.0.1:0
    hostname: mx.test
    inboxes:
      - {{address: support@example.com, queue: mail}}
      - {{address: Billing@Example.com}}
    reply_secret: {SECRET}
    max_message_bytes: 100000
{extra}queues:
  - {{name: general, team: care}}
  - {{name: mail, team: care, policy: {{offer_timeout_seconds: 30}}}}
agents:
  - {{id: ann, teams: [care], capacity: [{{channel: email, max_concurrent: 10}}]}}
"""


def mac(text):
    """80 bits of HMAC-SHA256 as 16 Crockford base32 letters, lower case."""
    n = int.from_bytes(hmac.new(SECRET.encode(), text.lower().encode(), hashlib.sha256).digest()[:10], "big")
    return "".join("0123456789abcdefghjkmnpqrstvwxyz"[(n >> (75 - 5 * i)) & 31] for i in range(16))


def reply_address(conv, inbox="support@example.com"):
    local, domain = inbox.split("@")
    return f"{local}+{conv.lower()}.{mac(conv)}@{domain}"


def our_message_id(conv, seq, host="mx.test"):
    body = f"{conv.lower()}.{seq}"
    return f"sb.{body}.{mac(body)}@{host}"


def mail(subject, body, frm="Ana Ruiz <ana@x.org>", to="support@example.com", headers=()):
    lines = [f"From: {frm}", f"To: {to}", f"Subject: {subject}", "Date: Tue, 01 Dec 2026 10:00:00 +0000",
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", *headers, "", body]
    return "\r\n".join(lines).encode()


class SmtpServer(ProcessTest):
    """A switchboard with mail on a free port (read from its log)."""

    def serve_mail(self, extra="", extra_channels="", **kw):
        s = self.serve(extra=config(extra, extra_channels), **kw)
        s.wait_listening()
        wait_for(lambda: "smtp listening on" in s.output(), "the mail listener")
        line = next(x for x in s.output().splitlines() if "smtp listening on" in x)
        s.smtp_port = int(line.split("smtp listening on 127.0.0.1:")[1].split()[0])
        return s

    def swaks(self, s, *args, data=None, to="support@example.com", frm="ana@x.org"):
        """swaks against our listener: (exit code, transcript)."""
        cmd = ["swaks", "--server", f"127.0.0.1:{s.smtp_port}", "--to", to, "--from", frm, "--timeout", "20", *args]
        if data is not None:
            path = os.path.join(self.folder, "mail.eml")
            with open(path, "wb") as f:
                f.write(data)
            cmd += ["--data", "@" + path]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT)
        return p.returncode, p.stdout + p.stderr

    def send(self, s, data, to="support@example.com", frm="ana@x.org"):
        """One mail taken (250): the conversation it went to, as the 250 line says."""
        rc, out = self.swaks(s, data=data, to=to, frm=frm)
        self.assertEqual(rc, 0, out)
        line = next(x for x in out.splitlines() if "250 2.0.0 Ok: queued as" in x)
        return line.split("queued as ")[1].strip()

    def customer(self, s, address):
        r = RedisServer.__new__(RedisServer)
        url = getattr(s, "redis_url", "")
        r.port = int(url.rsplit(":", 1)[1]) if url else s.embedded_port()
        return r.cli("GET", f"sb:id:email:{address}")

    def messages(self, s, address):
        status, body = get(s.http_port, f"/v1/customers/{self.customer(s, address)}/timeline", ADMIN)
        self.assertEqual(status, 200, body)
        return [dict(e["message"], conversationId=e["conversationId"]) for e in json.loads(body)["events"] if "message" in e]

    def events(self, s, conv):
        status, body = get(s.http_port, f"/v1/conversations/{conv}?limit=1000", ADMIN)
        self.assertEqual(status, 200, body)
        return json.loads(body)


class ReceiveTest(SmtpServer):

    def test_a_mail_lands_in_the_inbox_queue_with_what_is_new_apart(self):
        s = self.serve_mail()
        body = ("Hello,\r\n\r\nmy order 1234 has not arrived.\r\n\r\nBest,\r\nAna\r\n-- \r\nAna Ruiz, Lisbon\r\n\r\n"
                "On Mon, 30 Nov 2026 at 09:00, Shop <shop@example.com> wrote:\r\n> Your order has shipped.\r\n")
        conv = self.send(s, mail("Order 1234", body, headers=["Message-ID: <first@x.org>"]))
        [m] = self.messages(s, "ana@x.org")
        self.assertEqual(m["conversationId"], conv)
        self.assertEqual(m["channel"], "CHANNEL_EMAIL")
        self.assertEqual(m["direction"], "DIRECTION_INBOUND")
        self.assertEqual(m["subject"], "Order 1234")
        self.assertEqual(m["providerMessageId"], "first@x.org")
        self.assertIn("my order 1234 has not arrived.", m["body"])
        self.assertNotIn("Your order has shipped", m["body"])
        self.assertNotIn("Lisbon", m["body"])
        self.assertIn("Your order has shipped", m["quotedText"])
        self.assertIn("Ana Ruiz, Lisbon", m["quotedText"])
        self.assertEqual(m["quotedText"].count("-- "), 1, "the signature's own delimiter, once")
        self.assertTrue(m["quotedText"].startswith("-- \nAna Ruiz, Lisbon"), m["quotedText"])
        c = self.events(s, conv)["conversation"]
        self.assertEqual((c["queue"], c["channel"]), ("mail", "CHANNEL_EMAIL"))
        status, rec = get(s.http_port, f"/v1/customers/{self.customer(s, 'ana@x.org')}", ADMIN)
        self.assertEqual(json.loads(rec)["customer"]["displayName"], "Ana Ruiz")
        self.assertEqual(json.loads(rec)["customer"]["attributes"]["email"], "ana@x.org")
        # The same mail delivered again (its server never saw our 250) is stored once.
        self.assertEqual(self.send(s, mail("Order 1234", body, headers=["Message-ID: <first@x.org>"])), conv)
        self.assertEqual(len(self.messages(s, "ana@x.org")), 1)
        # The second inbox, named in another case, takes mail too; its queue is the first.
        conv2 = self.send(s, mail("Invoice", "Where is my invoice?"), to="billing@example.COM", frm="bo@y.org")
        self.assertEqual(self.events(s, conv2)["conversation"]["queue"], "general")

    def test_threading_by_each_clue_alone(self):
        s = self.serve_mail()
        conv = self.send(s, mail("Order 1234", "It has not arrived.", headers=["Message-ID: <m1@x.org>"]))
        clues = {
            "the reply address": (mail("Anything", "By the reply address.", to=reply_address(conv)), reply_address(conv)),
            "our Message-ID": (mail("Anything else", "By our id.", headers=[f"In-Reply-To: <{our_message_id(conv, 1)}>"]), None),
            "their own Message-ID": (mail("Other words", "By References.", headers=["References: <zz@q> <m1@x.org>"]), None),
            "the subject": (mail("RE: [Shop] Re:  order   1234", "By the subject."), None),
        }
        for what, (data, to) in clues.items():
            self.assertEqual(self.send(s, data, to=to or "support@example.com"), conv, what)
        # A forward and new mail: new conversations, the same customer.
        fwd = self.send(s, mail("Fwd: Order 1234", "Forwarding this.", headers=["References: <m1@x.org>"]))
        new = self.send(s, mail("Order 1234", "A new mail with the same subject and no Re:."))
        self.assertEqual(len({conv, fwd, new}), 3)
        by_conv = [m["conversationId"] for m in self.messages(s, "ana@x.org")]
        self.assertEqual(by_conv.count(conv), 5)
        # Another customer's mail naming Ana's ids or subject starts their own.
        other = self.send(s, mail("Re: Order 1234", "Me too.", frm="bo@y.org", headers=["In-Reply-To: <m1@x.org>"]), frm="bo@y.org")
        self.assertNotEqual(other, conv)
        # A forged reply address is not one of our inboxes: refused at RCPT, nothing stored.
        real = reply_address(conv)
        last = real[-len("@example.com") - 1]
        forged = real[:-len("@example.com") - 1] + ("y" if last == "x" else "x") + "@example.com"
        rc, out = self.swaks(s, data=mail("Hi", "forged"), to=forged)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("550 5.7.1", out)
        self.assertEqual(len(self.messages(s, "ana@x.org")), 7)

    def test_a_reply_reopens_a_resolved_conversation(self):
        s = self.serve_mail()

        async def answer_and_resolve():
            ws, _ = await desk(s.http_port, "ann")
            await available(ws)
            conv = self.send(s, mail("Broken", "My kettle is broken.", headers=["Message-ID: <k1@x.org>"]))
            offer = (await next_frame(ws, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            self.assertEqual(offer["preview"], "Broken — My kettle is broken.", "the subject first")
            _, ok = await request(ws, {"requestId": "a", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertIn("ack", ok)
            _, ok = await request(ws, {"requestId": "r", "resolve": {"conversationId": conv}})
            self.assertIn("ack", ok, ok)
            await ws.close()
            return conv
        conv = asyncio.run(answer_and_resolve())
        self.assertEqual(self.events(s, conv)["conversation"]["state"], "RESOLVED")
        self.assertEqual(self.send(s, mail("Re: Broken", "Still broken.", headers=["In-Reply-To: <k1@x.org>"])), conv)
        c = self.events(s, conv)["conversation"]
        self.assertEqual(c["state"], "QUEUED")
        self.assertEqual(c.get("reopenCount"), 1)

    def test_noise_is_not_routed_and_a_bounce_fails_our_message(self):
        s = self.serve_mail()
        conv = self.send(s, mail("Order 1234", "Where is it?"))
        noise = [
            mail("Out of office", "I am away.", headers=["Auto-Submitted: auto-replied"]),
            mail("Weekly news", "Our news.", headers=["Precedence: bulk"]),
            mail("Re: Order 1234", "Our own mail, come back.", headers=[f"Message-ID: <{our_message_id(conv, 2)}>"]),
        ]
        for data in noise:
            rc, out = self.swaks(s, data=data)
            self.assertEqual(rc, 0, out)
            self.assertIn("250 2.0.0 Ok: queued as nothing", out)
        self.assertEqual(len(self.messages(s, "ana@x.org")), 1)
        dsn = "\r\n".join([
            "From: Mail Delivery System <MAILER-DAEMON@mx.x.org>", "To: support@example.com",
            "Subject: Undelivered Mail Returned to Sender", "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"', "", "--B",
            "Content-Type: text/plain", "", "Your message could not be delivered.", "", "--B",
            "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.x.org", "",
            "Final-Recipient: rfc822; ana@x.org", "Action: failed", "Status: 5.1.1",
            "Diagnostic-Code: smtp; 550 5.1.1 <ana@x.org>: mailbox unknown", "", "--B",
            "Content-Type: text/rfc822-headers", "", f"Message-ID: <{our_message_id(conv, 1)}>", "Subject: Re: Order 1234",
            "", "--B--", ""]).encode()
        rc, out = self.swaks(s, data=dsn, frm="<>")
        self.assertEqual(rc, 0, out)
        deliveries = [e["delivery"] for e in self.events(s, conv)["events"] if "delivery" in e]
        self.assertEqual(len(deliveries), 1, deliveries)
        self.assertEqual((deliveries[0]["state"], deliveries[0]["messageSeq"]), ("FAILED", "1"))
        self.assertIn("5.1.1", deliveries[0]["reason"])
        self.assertIn("mailbox unknown", deliveries[0]["reason"])
        metrics = get(s.http_port, "/metrics")[1]
        self.assertIn('switchboard_mail_received_total{outcome="automatic"} 2', metrics)
        self.assertIn('switchboard_mail_received_total{outcome="our own mail"} 1', metrics)
        self.assertIn('switchboard_mail_received_total{outcome="bounce"} 1', metrics)


class ProtocolTest(SmtpServer):

    def make_certificate(self):
        cert, key = os.path.join(self.folder, "cert.pem"), os.path.join(self.folder, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=mx.test", "-days", "1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=LIMIT)
        return cert, key

    def test_plain_starttls_pipelining_oversize_and_relay(self):
        cert, key = self.make_certificate()
        s = self.serve_mail(f"    tls_certificate_file: {cert}\n    tls_key_file: {key}\n")
        rc, out = self.swaks(s, "--tls", data=mail("Over TLS", "Sent after STARTTLS."))
        self.assertEqual(rc, 0, out)
        self.assertIn("TLS started", out)
        rc, out = self.swaks(s, "--pipeline", data=mail("Pipelined", "Sent pipelined."))
        self.assertEqual(rc, 0, out)
        self.assertIn("250-PIPELINING", out)
        rc, out = self.swaks(s, data=mail("Big", "x" * 120_000))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("552", out)
        rc, out = self.swaks(s, data=mail("Relay?", "Pass this on."), to="someone@gmail.com")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("550 5.7.1", out)
        subjects = sorted(m["subject"] for m in self.messages(s, "ana@x.org"))
        self.assertEqual(subjects, ["Over TLS", "Pipelined"])

    def test_tls_required_connections_and_silence(self):
        cert, key = self.make_certificate()
        s = self.serve_mail(f"    tls_certificate_file: {cert}\n    tls_key_file: {key}\n    tls_required: true\n"
                            "    max_connections: 2\n    command_timeout_seconds: 1\n")
        rc, out = self.swaks(s, data=mail("Plain", "No TLS."))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("530", out)
        self.assertEqual(self.swaks(s, "--tls", data=mail("TLS", "With TLS."))[0], 0)
        held = []

        def hold():
            """A connection greeted 220 (swaks' own may still be closing: a 421 then is tried again)."""
            c = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=LIMIT)
            if c.recv(512).startswith(b"220 "):
                held.append(c)
                return True
            c.close()
            return False
        try:
            for n in (1, 2):
                wait_for(hold, f"connection {n} greeted")
            third = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=LIMIT)
            self.assertTrue(third.recv(512).startswith(b"421 "), "a third connection is told to come back later")
            third.close()
            # Silent for longer than command_timeout_seconds: 421, then closed.
            said = b""
            for _ in range(100):  # until the server closes it
                chunk = held[0].recv(512)
                if not chunk:
                    break
                said += chunk
            self.assertTrue(said.startswith(b"421 "), said)
        finally:
            for h in held:
                h.close()

    def test_redis_down_is_451_and_the_retry_stores_it_once(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        s = self.serve_mail(redis_url=f"redis://127.0.0.1:{r.port}")
        s.redis_url = f"redis://127.0.0.1:{r.port}"
        data = mail("While down", "Stored later.", headers=["Message-ID: <down@x.org>"])
        r.stop()
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 503, "readyz to go 503")
        rc, out = self.swaks(s, data=data)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("451 4.3.0", out)
        r2 = RedisServer(os.path.join(self.folder, "ext"), port=r.port)
        self.cleanups.append(r2.stop)
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 200, "readyz back to 200")
        conv = self.send(s, data)
        self.assertEqual(self.send(s, data), conv)
        self.assertEqual([m["subject"] for m in self.messages(s, "ana@x.org")], ["While down"])

    def test_a_bad_email_config_names_the_key(self):
        s = self.serve(extra="channels:\n  email:\n    inboxes: [{address: support@example.com}]\n    reply_secret: short\n")
        self.assertEqual(s.proc.wait(30), 3)
        self.assertIn("channels.email.reply_secret: must be at least 32 bytes (set it in "
                      "SWITCHBOARD_CHANNELS_EMAIL_REPLY_SECRET)", s.output())


if __name__ == "__main__":
    unittest.main()
