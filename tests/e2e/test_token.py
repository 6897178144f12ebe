"""End to end: `switchboard token` mints a token a standard JWT library would accept (checked here
with the standard library: base64url, JSON and HMAC-SHA256 as RFC 7519 defines them)."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("SWITCHBOARD_BIN", "../../build/app/switchboard")
SECRET = "test-secret-0123456789abcdef0123456789"


def b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="sb-token-")
        self.config = os.path.join(self.folder, "c.yaml")
        with open(self.config, "w") as f:
            f.write(f"auth:\n  issuer: acme\n  audience: desk\n  keys: [{{kid: k7, secret: {SECRET}}}]\n")

    def tearDown(self):
        os.unlink(self.config)
        os.rmdir(self.folder)

    def test_the_token_is_a_valid_hs256_jwt_with_the_claims(self):
        p = subprocess.run([BIN, "token", "--config", self.config, "--role", "agent", "--sub", "agent-7",
                            "--team", "blue", "--team", "red", "--ttl", "600"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        header, payload, signature = p.stdout.strip().split(".")
        self.assertEqual(json.loads(b64d(header)), {"alg": "HS256", "typ": "JWT", "kid": "k7"})
        claims = json.loads(b64d(payload))
        self.assertEqual((claims["sub"], claims["role"], claims["teams"]), ("agent-7", "agent", ["blue", "red"]))
        self.assertEqual((claims["iss"], claims["aud"]), ("acme", "desk"))
        self.assertAlmostEqual(claims["exp"] - time.time(), 600, delta=30)
        expected = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        self.assertEqual(b64d(signature), expected)

    def test_bad_arguments(self):
        p = subprocess.run([BIN, "token", "--config", self.config, "--role", "king", "--sub", "x"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--role must be", p.stderr)


if __name__ == "__main__":
    unittest.main()
