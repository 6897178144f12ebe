"""A mail relay for the tests: Debian's aiosmtpd (not our code) on a free loopback port, in a thread
of the test process, with STARTTLS required (a certificate for 127.0.0.1 made with openssl) and AUTH
required over TLS, as a company's submission server is. It keeps every message it took, and can be
told to answer the next messages with a failure ("451 ..." or "550 ...")."""
import os
import subprocess
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from test_serve import free_port

USER, PASSWORD = "switchboard", "relay-password"
# aiosmtpd 1.4 warns about its own attribute on every AUTH.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


def certificate(folder):
    """A self-signed certificate for 127.0.0.1 (subjectAltName IP), and its key."""
    cert, key = os.path.join(folder, "relay-cert.pem"), os.path.join(folder, "relay-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Relay:
    def __init__(self, folder):
        import ssl
        self.cert, key = certificate(folder)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, key)
        self.received = []      # (mail_from, [rcpt], bytes)
        self.logins = []
        self.answers = []       # the next DATA answers, e.g. "451 4.3.0 busy"; then 250
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, tls_context=ctx, require_starttls=True,
                                     auth_required=True, auth_require_tls=True, authenticator=self.authenticate)
        self.controller.start()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        with self.lock:
            self.logins.append((mechanism, ok))
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.answers:
                return self.answers.pop(0)
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 Ok: queued"

    def taken(self):
        with self.lock:
            return list(self.received)

    def stop(self):
        self.controller.stop()
