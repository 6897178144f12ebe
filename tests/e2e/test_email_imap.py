"""End to end: customers' mail read from a mailbox over IMAP (issue 14, point 2), the IMAP server
being Debian's Dovecot (imap_server.py: a private instance per test, not our code), mail put there
with Python's imaplib as a customer's provider would deliver it.

What is checked: TLS from the start and STARTTLS, the server's certificate checked against
channels.ca_file; each message stored once into the same timeline and threading as SMTP mail, then
\\Seen (or moved to move_to); new mail taken at once through IDLE; the last UID kept in Redis, so a
restart takes nothing twice, and a lost mark or a new UIDVALIDITY reads everything again without
storing anything twice; noise marked \\Seen and not stored; a message over max_message_bytes left
unread; Redis down leaves the mail unread until it is back; a wrong password is logged and retried;
a bad mailbox config names its key. Every process a test starts is stopped by it.
"""
import json
import os

from imap_server import ImapServer
from test_email import ADMIN, SECRET, mail
from test_serve import ProcessTest, RedisServer, get, wait_for

USER, PASSWORD = "support", "imap-pass-1"


def config(server, tls="implicit", extra="", max_bytes=100000):
    port = server.port_tls if tls == "implicit" else server.port_plain
    return f"""channels:
  ca_file: {server.cert}
  email:
    hostname: mx.test
    inboxes:
      - {{address: support@example.com, queue: mail}}
    reply_secret: {SECRET}
    max_message_bytes: {max_bytes}
    mailboxes:
      - host: 127.0.0.1
        port: {port}
        tls: {tls}
        username: {USER}
        password: {PASSWORD}
{extra}queues:
  - {{name: general, team: care}}
  - {{name: mail, team: care}}
agents:
  - {{id: ann, teams: [care], capacity: [{{channel: email, max_concurrent: 10}}]}}
"""


class MailboxTest(ProcessTest):

    def setUp(self):
        super().setUp()
        self.imap = ImapServer(os.path.join(self.folder, "imap"), {USER: PASSWORD})
        self.cleanups.append(self.imap.stop)

    def start(self, **kw):
        s = self.serve(extra=config(self.imap, **{k: v for k, v in kw.items() if k != "redis_url"}),
                       redis_url=kw.get("redis_url", ""))
        s.wait_listening()
        s.redis_port = int(kw["redis_url"].rsplit(":", 1)[1]) if kw.get("redis_url") else s.embedded_port()
        return s

    def redis(self, s, *args):
        r = RedisServer.__new__(RedisServer)
        r.port = s.redis_port
        return r.cli(*args)

    def messages(self, s, address="ana@x.org"):
        customer = self.redis(s, "GET", f"sb:id:email:{address}")
        if not customer:
            return []
        status, body = get(s.http_port, f"/v1/customers/{customer}/timeline", ADMIN)
        self.assertEqual(status, 200, body)
        return [dict(e["message"], conversationId=e["conversationId"]) for e in json.loads(body)["events"] if "message" in e]

    def wait_stored(self, s, count, address="ana@x.org"):
        wait_for(lambda: len(self.messages(s, address)) >= count, f"{count} message(s) of {address} stored")
        return self.messages(s, address)

    def flags(self, folder="INBOX"):
        return [flags for _, flags, _ in self.imap.messages(USER, folder)]

    def mark(self, s, port=None):
        name = f"{USER}@127.0.0.1:{port or self.imap.port_tls}/INBOX"
        return self.redis(s, "HMGET", f"sb:mb:{name}", "uidvalidity", "uid").split("\n")


class ReadTest(MailboxTest):

    def test_each_message_is_stored_once_threaded_and_seen_and_idle_brings_new_mail(self):
        self.imap.append(USER, "INBOX", mail("Order 1234", "It has not arrived.", headers=["Message-ID: <m1@x.org>"]))
        self.imap.append(USER, "INBOX", mail("Re: Order 1234", "Any news?", headers=["Message-ID: <m2@x.org>",
                                                                                    "In-Reply-To: <m1@x.org>"]))
        self.imap.append(USER, "INBOX", mail("Out of office", "I am away.", frm="bo@y.org",
                                             headers=["Auto-Submitted: auto-replied"]))
        s = self.start(extra="        poll_seconds: 1500\n")  # new mail must come by IDLE, not by a look
        first, second = self.wait_stored(s, 2)
        self.assertEqual((first["subject"], first["providerMessageId"]), ("Order 1234", "m1@x.org"))
        self.assertEqual(first["channel"], "CHANNEL_EMAIL")
        self.assertEqual(second["conversationId"], first["conversationId"], "threaded by In-Reply-To")
        status, body = get(s.http_port, f"/v1/conversations/{first['conversationId']}", ADMIN)
        self.assertEqual(json.loads(body)["conversation"]["queue"], "mail")
        wait_for(lambda: all("\\Seen" in f for f in self.flags()), "all three \\Seen (the auto-reply too)")
        self.assertEqual(self.messages(s, "bo@y.org"), [], "an auto-reply is not stored")
        validity = str(self.imap.uidvalidity(USER, "INBOX"))
        self.assertEqual(self.mark(s), [validity, "3"])
        # New mail while the reader waits in IDLE.
        self.imap.append(USER, "INBOX", mail("Re: Order 1234", "Hello?", headers=["Message-ID: <m3@x.org>"]))
        third = self.wait_stored(s, 3)[2]
        self.assertEqual(third["conversationId"], first["conversationId"], "threaded by the subject")
        wait_for(lambda: self.mark(s) == [validity, "4"], "the mark at UID 4")
        self.assertIn('switchboard_mail_received_total{outcome="automatic"} 1', get(s.http_port, "/metrics")[1])
        # A restart takes nothing twice: a person marks the first mail unread again in their mail
        # program, and it stays so. A lost mark reads everything again (so the first is \Seen again)
        # and stores nothing twice.
        self.assertEqual(s.stop(), 0)
        self.unseen(1)
        s = self.start()
        self.imap.append(USER, "INBOX", mail("Another", "New.", headers=["Message-ID: <m4@x.org>"]))
        self.wait_stored(s, 4)
        wait_for(lambda: self.mark(s) == [validity, "5"], "the mark at UID 5")
        self.assertNotIn("\\Seen", self.flags()[0], "UID 1 not taken again")
        self.redis(s, "DEL", f"sb:mb:{USER}@127.0.0.1:{self.imap.port_tls}/INBOX")
        self.assertEqual(s.stop(), 0)
        s = self.start()
        wait_for(lambda: "\\Seen" in self.flags()[0], "UID 1 read again")
        wait_for(lambda: self.mark(s) == [validity, "5"], "the mark written again")
        self.assertEqual(len(self.messages(s)), 4)

    def unseen(self, uid):
        imap = self.imap.login(USER)
        try:
            imap.select("INBOX")
            imap.uid("STORE", str(uid), "-FLAGS", "(\\Seen)")
        finally:
            imap.logout()

    def test_a_new_uidvalidity_is_read_again_without_duplicates(self):
        self.imap.append(USER, "INBOX", mail("First", "One.", headers=["Message-ID: <v1@x.org>"]))
        s = self.start(extra="        poll_seconds: 1\n")
        self.wait_stored(s, 1)
        old = self.mark(s)
        wait_for(lambda: self.mark(s)[1] == "1", "the mark at UID 1")
        new_validity = self.imap.recreate(USER, "INBOX", keep=True)
        self.imap.append(USER, "INBOX", mail("Second", "Two.", headers=["Message-ID: <v2@x.org>"]))
        wait_for(lambda: self.mark(s) == [str(new_validity), "2"], "the mark under the new UIDVALIDITY")
        self.assertNotEqual(old[0], str(new_validity))
        self.assertEqual([m["subject"] for m in self.messages(s)], ["First", "Second"])
        self.assertIn("is new: reading it from its first message", s.output())

    def test_starttls_and_move_to(self):
        self.imap.create(USER, "Done")
        self.imap.append(USER, "INBOX", mail("Moved", "Please move me.", headers=["Message-ID: <mv@x.org>"]))
        s = self.start(tls="starttls", extra="        move_to: Done\n")
        self.wait_stored(s, 1)
        wait_for(lambda: self.imap.messages(USER, "INBOX") == [], "INBOX emptied")
        [(_, flags, body)] = self.imap.messages(USER, "Done")
        self.assertIn("\\Seen", flags)
        self.assertIn(b"Please move me.", body)

    def test_what_is_not_taken_stays_unread(self):
        big = mail("Huge", "x" * 5000, headers=["Message-ID: <big@x.org>"])
        self.imap.append(USER, "INBOX", big)
        self.imap.append(USER, "INBOX", mail("Small", "Fine.", headers=["Message-ID: <small@x.org>"]))
        s = self.start(max_bytes=4096)
        self.assertEqual([m["subject"] for m in self.wait_stored(s, 1)], ["Small"])
        wait_for(lambda: self.mark(s)[1] == "2", "the mark past both")
        self.assertEqual(["\\Seen" in f for f in self.flags()], [False, True])
        self.assertIn('switchboard_mail_received_total{outcome="too large"} 1', get(s.http_port, "/metrics")[1])
        self.assertIn("UID 1 is", s.output())
        self.assertIn("bytes, over channels.email.max_message_bytes: left there", s.output())


class FailureTest(MailboxTest):

    def test_redis_down_leaves_the_mail_unread_until_it_is_back(self):
        r = RedisServer(os.path.join(self.folder, "ext"))
        self.cleanups.append(r.stop)
        s = self.start(redis_url=f"redis://127.0.0.1:{r.port}", extra="        poll_seconds: 1\n")
        wait_for(lambda: "read by this gateway" in s.output(), "the reader")
        r.stop()
        wait_for(lambda: get(s.http_port, "/readyz")[0] == 503, "readyz to go 503")
        self.imap.append(USER, "INBOX", mail("While down", "Later.", headers=["Message-ID: <down@x.org>"]))
        wait_for(lambda: "(trying again in 1 s)" in s.output(), "the reader to fail to store")
        self.assertEqual(self.flags(), [set()], "unread while Redis is down")
        r2 = RedisServer(os.path.join(self.folder, "ext"), port=r.port)
        self.cleanups.append(r2.stop)
        self.assertEqual([m["subject"] for m in self.wait_stored(s, 1)], ["While down"])
        wait_for(lambda: self.flags() == [{"\\Seen"}], "\\Seen once stored")

    def test_a_wrong_password_is_logged_and_retried(self):
        self.imap.append(USER, "INBOX", mail("Hi", "Hello.", headers=["Message-ID: <pw@x.org>"]))
        s = self.serve(extra=config(self.imap).replace(PASSWORD, "wrong-password"))
        s.wait_listening()
        wait_for(lambda: "signing in: AUTHENTICATE: NO" in s.output(), "the refused sign-in logged")
        self.assertIn(f"mailbox {USER}@127.0.0.1:{self.imap.port_tls}/INBOX", s.output())
        self.assertNotIn("wrong-password", s.output())
        self.assertEqual(self.flags(), [set()])

    def test_a_bad_mailbox_config_names_the_key(self):
        s = self.serve(extra=config(self.imap).replace(f"        password: {PASSWORD}\n", ""))
        self.assertEqual(s.proc.wait(30), 3)
        self.assertIn("channels.email.mailboxes[0].password: is required (set it in "
                      "SWITCHBOARD_CHANNELS_EMAIL_MAILBOXES_0_PASSWORD)", s.output())


if __name__ == "__main__":
    import unittest
    unittest.main()
