"""End to end: agents' answers delivered straight to the customer's mail servers, without a relay
(channels.email.deliver_direct; docs/EMAIL.md, "Delivering without a relay").

The DNS is a small server of the test's own made with Debian's dnspython (the public DNS cannot be
used here): the customers' domains have MX records pointing at loopback addresses. The customers'
mail servers are Debian's aiosmtpd, offering STARTTLS (not requiring it), as most servers do. What
is checked: the MX hosts are tried in preference order (the first refuses connections, the second
takes the mail over STARTTLS); a domain with a null MX and one that does not exist fail at once,
never tried again; a domain without MX is its own mail server; a config with both a relay and
deliver_direct names the key. Every process and thread a test starts is stopped by it.
"""
import asyncio
import os
import socket
import ssl
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from aiosmtpd.controller import Controller

from mail_relay import Relay, certificate
from test_desk import available, desk, next_frame
from test_email import SmtpServer, mail
from test_live_chat import request
from test_serve import free_port, wait_for

ZONES = {
    ("x.org", "MX"): ["10 mx1.x.org.", "20 mx2.x.org."],
    ("mx1.x.org", "A"): ["127.0.0.2"],   # nothing listens there: connection refused
    ("mx2.x.org", "A"): ["127.0.0.1"],
    ("nomail.org", "MX"): ["0 ."],       # RFC 7505: this domain takes no mail
    ("plain.org", "A"): ["127.0.0.1"],   # no MX: the domain is its own mail server
}


class Dns:
    """A DNS server on a free loopback UDP port answering from ZONES: NXDOMAIN for names it does not
    know, an empty answer for a known name without records of the type asked."""

    def __init__(self, zones):
        self.zones = zones
        self.names = {name for name, _ in zones}
        self.asked = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            self.sock.sendto(self.answer(dns.message.from_wire(data)).to_wire(), peer)

    def answer(self, query):
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.RA | dns.flags.AA  # a recursive resolver's answer (glibc ignores others that are empty)
        for q in query.question:
            name, kind = q.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(q.rdtype)
            self.asked.append((name, kind))
            if name not in self.names:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            elif (name, kind) in self.zones:
                reply.answer.append(dns.rrset.from_text(q.name, 60, "IN", kind, *self.zones[(name, kind)]))
        return reply

    def stop(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()


class MailServer(Relay):
    """A customer's mail server: aiosmtpd on 127.0.0.1:<port>, STARTTLS offered, not required, no
    AUTH (the relay's taken() and stop())."""

    def __init__(self, folder, port):
        cert, key = certificate(folder)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        self.received = []  # (mail_from, rcpts, bytes, over TLS)
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=False)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.ssl is not None))
        return "250 2.0.0 Ok: queued"


class DirectTest(SmtpServer):

    def setUp(self):
        super().setUp()
        self.dns = Dns(ZONES)
        self.cleanups.append(self.dns.stop)
        self.mx_port = free_port()
        self.mx = MailServer(os.path.join(self.folder), self.mx_port)
        self.cleanups.append(self.mx.stop)

    def serve_direct(self):
        return self.serve_mail(f"    deliver_direct: true\n    dns_server: 127.0.0.1:{self.dns.port}\n    mx_port: {self.mx_port}\n",
                               extra_channels="  send_attempts: 3\n  max_retry_delay_ms: 200\n")

    def answer(self, s, frm, text):
        """`frm` writes; Ann takes the offer and answers. The conversation."""
        async def scenario():
            ws, _ = await desk(s.http_port, "ann")
            await available(ws)
            conv = self.send(s, mail("Question", text, frm=frm), frm=frm.split("<")[-1].rstrip(">"))
            offer = (await next_frame(ws, "offer"))["offer"]
            self.assertEqual(offer["conversationId"], conv)
            _, ok = await request(ws, {"requestId": "a", "answerOffer": {"conversationId": conv, "accept": True}})
            self.assertIn("ack", ok)
            _, ok = await request(ws, {"requestId": "r", "sendMessage": {"conversationId": conv,
                                       "message": {"body": "Here is your answer.", "clientMessageId": "r1"}}})
            self.assertIn("ack", ok, ok)
            await ws.close()
            return conv
        return asyncio.run(scenario())

    def deliveries(self, s, conv):
        return [e["delivery"] for e in self.events(s, conv)["events"] if "delivery" in e]

    def test_the_answer_goes_to_the_mx_hosts_in_order_over_starttls(self):
        s = self.serve_direct()
        conv = self.answer(s, "Ana Ruiz <ana@x.org>", "Where is my order?")
        wait_for(lambda: self.mx.taken(), "the mail at the customer's server")
        [(mail_from, rcpts, data, tls)] = self.mx.taken()
        self.assertEqual((mail_from, rcpts), ("support@example.com", ["ana@x.org"]))
        self.assertTrue(tls, "STARTTLS, since the server offers it")
        self.assertIn(b"Here is your answer.", data)
        wait_for(lambda: any(d["state"] == "SENT" for d in self.deliveries(s, conv)), "SENT")
        self.assertEqual(self.dns.asked[:3], [("x.org", "MX"), ("mx1.x.org", "A"), ("mx1.x.org", "AAAA")])
        # A domain without MX records is its own mail server.
        self.answer(s, "Pat <pat@plain.org>", "Hello?")
        wait_for(lambda: len(self.mx.taken()) == 2, "the mail at plain.org itself")
        self.assertEqual(self.mx.taken()[1][1], ["pat@plain.org"])

    def test_a_domain_that_takes_no_mail_fails_at_once(self):
        s = self.serve_direct()
        for frm, why in (("Bo <bo@nomail.org>", "nomail.org takes no mail (its MX is null, RFC 7505)"),
                         ("Cy <cy@nowhere.org>", "the domain nowhere.org does not exist")):
            conv = self.answer(s, frm, "Hi")
            wait_for(lambda: any(d["state"] == "FAILED" for d in self.deliveries(s, conv)), "FAILED")
            failed = [d for d in self.deliveries(s, conv) if d["state"] == "FAILED"][0]
            self.assertEqual(failed["attempts"], 1, "never tried again")
            self.assertIn(why, failed["reason"])
        self.assertEqual(self.mx.taken(), [])

    def test_a_relay_and_direct_delivery_together_name_the_key(self):
        s = self.serve(extra="channels:\n  email:\n    inboxes: [{address: support@example.com}]\n"
                             "    reply_secret: " + "k" * 32 + "\n    deliver_direct: true\n    relay: {host: smtp.example.com}\n")
        self.assertEqual(s.proc.wait(30), 3)
        self.assertIn("channels.email.deliver_direct: and relay.host: one or the other", s.output())


if __name__ == "__main__":
    import unittest
    unittest.main()
