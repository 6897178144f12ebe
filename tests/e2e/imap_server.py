"""An IMAP server for the tests: Debian's Dovecot (not our code), a private instance per test with its
own dovecot.conf, run directory, log and Maildir storage in a folder the test owns, listening on two
free loopback ports: imaps (TLS from the start) and imap (plain, STARTTLS offered; plaintext login is
allowed there too, it is loopback). Its certificate is a self-signed one for 127.0.0.1 (openssl), so
a client can trust `cert`. Users and passwords come from the test. Helpers drive it with Python's
imaplib as a real client: append, create, list messages, read and change a folder's UIDVALIDITY.

Works as root (CI): mail is then owned by `nobody`, Dovecot's own processes are `dovecot`/`dovenull`.
Works as another user: everything runs as that user."""
import glob
import grp
import imaplib
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import tempfile

from mail_relay import certificate
from test_serve import free_port, wait_for

DOVECOT = "/usr/sbin/dovecot"
LIMIT = 20.0  # seconds any single wait may take


def quoted(name):
    """An IMAP quoted string (mailbox names with spaces etc.; ASCII names only)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def accepts(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def traversable(folder):
    """As root, Dovecot's processes (nobody, dovecot) must reach into the folder: give it, and its
    parents inside the temporary directory (tempfile makes them 0700), search permission for others."""
    temp, mine = os.path.realpath(tempfile.gettempdir()), os.path.realpath(folder)
    path = mine
    while path != os.path.dirname(path):
        mode = os.stat(path).st_mode
        if not mode & 0o001:
            if path != mine and not path.startswith(temp + os.sep):
                raise ValueError("Dovecot's users cannot reach %s: %s is not searchable by others" % (folder, path))
            os.chmod(path, mode | 0o011)
        path = os.path.dirname(path)


def identities():
    """(internal user, login user, mail uid, mail gid): Dovecot refuses mail access as uid 0."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, os.geteuid(), os.getegid()
    return "dovecot", "dovenull", pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


def ok(reply, what):
    typ, data = reply
    if typ != "OK":
        raise RuntimeError("IMAP %s failed: %s %r" % (what, typ, data))
    return data


class ImapServer:
    def __init__(self, folder, users):
        self.folder, self.users = os.path.abspath(folder), dict(users)
        self.log_path = os.path.join(self.folder, "dovecot.log")
        self.port_tls, self.port_plain = free_port(), free_port()
        self.process = None
        os.makedirs(os.path.join(self.folder, "tls"), exist_ok=True)
        self.cert, self.key = certificate(os.path.join(self.folder, "tls"))
        self.conf = self.configure()
        self.start()

    # -- configuration --

    def configure(self):
        internal, login, uid, gid = identities()
        mail = os.path.join(self.folder, "mail")
        os.makedirs(mail, exist_ok=True)
        users = os.path.join(self.folder, "users")
        with open(users, "w") as f:
            for name, password in self.users.items():
                if ":" in name + password or "\n" in name + password:
                    raise ValueError("no ':' or newline in IMAP test users and passwords")
                f.write("%s:{PLAIN}%s\n" % (name, password))
        if os.geteuid() == 0:
            traversable(self.folder)
            os.chown(mail, uid, gid)
            os.chown(users, pwd.getpwnam(internal).pw_uid, -1)  # the auth process reads it as `dovecot`
        os.chmod(users, 0o600)
        conf = os.path.join(self.folder, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(self.config_text(internal, login, uid, gid, mail, users))
        return conf

    def config_text(self, internal, login, uid, gid, mail, users):
        rootless = os.geteuid() != 0
        no_chroot = "  chroot =\n" if rootless else ""
        return """# Written by tests/e2e/imap_server.py for one test; /etc/dovecot is not read.
base_dir = {f}/run
state_dir = {f}/state
instance_name = switchboard-test-{tls}
log_path = {log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{mail}/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls}
    ssl = yes
  }}
{no_chroot}}}
service anvil {{
{no_chroot}}}
""".format(f=self.folder, log=self.log_path, cert=self.cert, key=self.key, internal=internal,
           internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name, login=login,
           mail=mail, users=users, uid=uid, gid=gid, plain=self.port_plain, tls=self.port_tls,
           no_chroot=no_chroot)

    # -- process --

    def start(self):
        """Run `dovecot -F` in its own process group and wait until both ports accept."""
        self.stderr_path = os.path.join(self.folder, "dovecot.stderr")
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", self.conf], stdin=subprocess.DEVNULL,
                                            stdout=err, stderr=err, start_new_session=True)
        def up():
            if self.process.poll() is not None:
                raise AssertionError("dovecot exited")
            return accepts(self.port_tls) and accepts(self.port_plain)
        try:
            wait_for(up, "dovecot's ports", LIMIT)
        except AssertionError as e:
            self.stop()
            raise RuntimeError("dovecot did not come up (%s):\n%s%s" % (e, tail(self.stderr_path), tail(self.log_path)))

    def stop(self):
        """End Dovecot and every process it started, for sure. Idempotent."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # the master stops its children, and logs that it did
            try:
                process.wait(timeout=LIMIT / 2)
            except subprocess.TimeoutExpired:
                self.signal_group(process, signal.SIGKILL)  # the master is not reaped: the group is still ours
                process.wait(timeout=LIMIT / 2)
        self.signal_group(process, signal.SIGKILL)  # any child the master left behind

    @staticmethod
    def signal_group(process, sig):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- client helpers (imaplib over imaps, trusting `cert`) --

    def context(self):
        return ssl.create_default_context(cafile=self.cert)

    def login(self, user):
        """A logged-in imaplib client over the imaps port; the caller logs out."""
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.port_tls, ssl_context=self.context(), timeout=LIMIT)
        ok(imap.login(user, self.users[user]), "LOGIN")
        return imap

    def session(self, user, action):
        imap = self.login(user)
        try:
            return action(imap)
        finally:
            imap.logout()

    def create(self, user, folder):
        self.session(user, lambda imap: ok(imap.create(quoted(folder)), "CREATE " + folder))

    def exists(self, user, folder):
        return self.session(user, lambda imap: ok(imap.list('""', quoted(folder)), "LIST") != [None])

    def append(self, user, folder, message, flags=""):
        """Append message bytes (bare LF become CRLF, as imaplib does) with flags like "\\Seen"."""
        if not self.exists(user, folder):
            self.create(user, folder)
        flags = "(%s)" % flags if flags else None
        self.session(user, lambda imap: ok(imap.append(quoted(folder), flags, None, message), "APPEND"))

    def messages(self, user, folder):
        """[(uid, {flags}, bytes)] for every message in the folder, by UID (\\Recent left out)."""
        return self.session(user, lambda imap: fetch_all(imap, folder))

    def uidvalidity(self, user, folder):
        data = self.session(user, lambda imap: ok(imap.status(quoted(folder), "(UIDVALIDITY)"), "STATUS"))
        return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))

    def recreate(self, user, folder, keep=True):
        """Give the folder a new UIDVALIDITY and return it; its messages are kept (with new UIDs)
        unless keep is false. Other folders are deleted and created again over IMAP (the kept messages
        appended again with their flags). INBOX cannot be deleted, so its Dovecot index and
        dovecot-uidlist files are removed instead: Dovecot then numbers it anew. Either way, a session
        that has the folder selected meanwhile (a client in IDLE) gets "* NO Internal error" and then
        "* BYE IMAP session state is inconsistent", and sees the new UIDVALIDITY once it logs in again."""
        before = self.uidvalidity(user, folder)
        if folder.upper() == "INBOX":
            self.forget_inbox(user, keep)
        else:
            kept = self.messages(user, folder) if keep else []
            self.session(user, lambda imap: ok(imap.delete(quoted(folder)), "DELETE " + folder))
            self.create(user, folder)
            for _, flags, body in kept:
                self.append(user, folder, body, " ".join(sorted(flags)))
        after = self.uidvalidity(user, folder)
        if after == before:
            raise RuntimeError("UIDVALIDITY of %s did not change (%d)" % (folder, before))
        return after

    def forget_inbox(self, user, keep):
        maildir = os.path.join(self.folder, "mail", user)
        patterns = ["dovecot.index*", "dovecot-uidlist*"] + ([] if keep else ["cur/*", "new/*"])
        for pattern in patterns:
            for path in glob.glob(os.path.join(maildir, pattern)):
                os.remove(path)


def fetch_all(imap, folder):
    count = int(ok(imap.select(quoted(folder), readonly=True), "EXAMINE " + folder)[0])
    if count == 0:
        return []
    found = []
    for item in ok(imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])"), "FETCH"):
        if isinstance(item, tuple):
            head, body = item
            uid = int(re.search(rb"UID (\d+)", head).group(1))
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", head).group(1).decode().split()) - {"\\Recent"}
            found.append((uid, flags, body))
    return sorted(found, key=lambda m: m[0])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder, ImapServer(folder, {"agent": "imap-password"}) as server:
        server.append("agent", "INBOX", b"Subject: one\r\n\r\nfirst\r\n")
        server.append("agent", "INBOX", b"Subject: two\r\n\r\nsecond\r\n", flags="\\Seen")
        listed = server.messages("agent", "INBOX")
        assert [(m[0], m[1]) for m in listed] == [(1, set()), (2, {"\\Seen"})], listed
        assert listed[1][2] == b"Subject: two\r\n\r\nsecond\r\n", listed
        server.create("agent", "Done")
        assert server.messages("agent", "Done") == []
        plain = imaplib.IMAP4("127.0.0.1", server.port_plain, timeout=LIMIT)
        ok(plain.starttls(ssl_context=server.context()), "STARTTLS")
        assert "IDLE" in plain.capabilities, plain.capabilities
        ok(plain.login("agent", "imap-password"), "LOGIN")
        after_login = ok(plain.capability(), "CAPABILITY")[0].decode().split()
        assert {"IDLE", "MOVE", "UIDPLUS"} <= set(after_login), after_login
        plain.logout()
        server.append("agent", "Done", b"Subject: done\r\n\r\nthird\r\n", flags="\\Flagged")
        before = server.uidvalidity("agent", "Done")
        after = server.recreate("agent", "Done")
        assert after != before and [(m[1], m[2]) for m in server.messages("agent", "Done")] == \
            [({"\\Flagged"}, b"Subject: done\r\n\r\nthird\r\n")]
        before = server.uidvalidity("agent", "INBOX")
        assert server.recreate("agent", "INBOX") != before
        assert [m[0] for m in server.messages("agent", "INBOX")] == [1, 2]
    print("ok")
