"""What every integration test file shares: PASS/FAIL reporting in the form tests/run-all.sh
counts ("PASS name" / "FAIL name: reason", then "N passed, N failed"), and small helpers
for our Message-IDs, and the mail a requester or a team member writes."""
import email.policy
import email.utils
import json
import traceback
from email.message import EmailMessage

# The test domain's addresses: the mailbox pdgate reads, the team's and a member's.
DISC = "disclosure@pdgate.test"
TEAM = "team@pdgate.test"
OFFICER = "officer@pdgate.test"

results = []          # (name, ok)
notes = []            # informational lines printed under the test's PASS/FAIL line


def note(msg):
    notes.append(msg)


class Failure(Exception):
    def __init__(self, reason, details=""):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def check(cond, reason, details=""):
    if not cond:
        raise Failure(reason, details)


def report(name, ok, reason="", details=""):
    results.append((name, ok))
    if ok:
        print("PASS %s" % name, flush=True)
    else:
        print("FAIL %s: %s" % (name, reason), flush=True)
    for n in notes:
        print("    note: %s" % n, flush=True)
    del notes[:]
    if not ok and details:
        for line in details.rstrip().splitlines()[-60:]:
            print("    " + line, flush=True)


def run_test(name, fn, *args):
    try:
        fn(*args)
    except Failure as f:
        report(name, False, f.reason, f.details)
    except Exception as e:
        report(name, False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e)
                                        else ""), traceback.format_exc())
    else:
        report(name, True)


def norm_mid(s):
    return (s or "").strip().strip("<>").strip()


def dump(obj, limit=4000):
    return json.dumps(obj, indent=1)[:limit]


def hdr(msg, name):
    v = msg.get(name)
    return str(v) if v is not None else ""


def notice_kind(msg_or_mid):
    """Our Message-IDs are <REF.NOTICE.UUID@domain>: which notice a message is."""
    mid = msg_or_mid if isinstance(msg_or_mid, str) else hdr(msg_or_mid, "Message-ID")
    parts = norm_mid(mid).split(".")
    return parts[1] if len(parts) > 2 else ""


class Pdgate:
    """pdgate with its own state folder and config for a MailServers; every run is logged
    for diagnostics. Subclasses may prefix the command (faketime) via prefix()."""

    def __init__(self, ms, name, **overrides):
        import os
        from harness import PDGATE
        self.pdgate = PDGATE
        self.ms = ms
        self.state = os.path.join(ms.tmp, "pdgate", name)
        os.makedirs(self.state, exist_ok=True)
        self.conf = ms.write_config(os.path.join(self.state, "pdgate.conf"),
                                    store_database=os.path.join(self.state, "pdgate.db"),
                                    store_spool=os.path.join(self.state, "spool"), **overrides)
        self.log = []           # (prefix, argv, rc, stderr) of every run

    def prefix(self):
        return []

    def env(self):
        return None

    def argv(self, *args):
        return self.prefix() + [self.pdgate, "-c", self.conf] + list(args)

    def run(self, *args, timeout=90):
        import os
        import subprocess
        if not os.access(self.pdgate, os.X_OK):
            raise Failure("%s is missing (make)" % self.pdgate)
        label = " ".join(self.prefix())
        try:
            r = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout, env=self.env())
        except subprocess.TimeoutExpired as e:
            err = (e.stderr or b"").decode("utf-8", "replace")
            self.log.append((label, args, "timeout", err))
            raise Failure("pdgate %s timed out after %ss" % (" ".join(args), timeout),
                          self.diag())
        err = r.stderr.decode("utf-8", "replace")
        self.log.append((label, args, r.returncode, err))
        return r

    def diag(self, n=4):
        out = []
        for label, args, rc, err in self.log[-n:]:
            out.append("$ %s%spdgate %s  -> %s" % (label, " " if label else "",
                                                   " ".join(str(a) for a in args), rc))
            out.extend("  " + l for l in err.rstrip().splitlines()[-15:])
        return "\n".join(out)

    def ok(self, *args, timeout=90):
        r = self.run(*args, timeout=timeout)
        if r.returncode != 0:
            raise Failure("pdgate %s exited %s" % (" ".join(args), r.returncode), self.diag())
        return r

    def json(self, *args):
        r = self.ok(*(list(args) + ["--json"]))
        try:
            return json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            raise Failure("pdgate %s --json printed invalid JSON (%s)" % (" ".join(args), e),
                          r.stdout.decode("utf-8", "replace")[:2000])

    def poll(self):
        return self.ok("poll", "--once")

    def cases(self, *args):
        return self.json("cases", *args)

    def case(self, ref):
        return self.json("case", "show", ref)

    def outbox(self):
        return self.json("outbox")

    def messages(self):
        return self.json("messages")

    def action(self, ref, *args):
        """A team action that must be done (exit 0)."""
        return self.ok("case", ref, *args)


class FaketimePdgate(Pdgate):
    """pdgate with every command run under `faketime NOW` (Debian's faketime), in Europe/London,
    so its clock, its events' times and its notices agree with the scenario's day."""

    def __init__(self, ms, name, **overrides):
        import shutil
        super().__init__(ms, name, **overrides)
        self.faketime = shutil.which("faketime")
        self.now = None         # "2026-03-04 10:00:00", Europe/London

    def at(self, now):
        self.now = now
        return self

    def prefix(self):
        check(self.faketime, "faketime is not installed (apt-get install faketime)")
        check(self.now, "test bug: no faked time set")
        return [self.faketime, self.now]

    def env(self):
        import os
        return dict(os.environ, TZ="Europe/London")


def stop_daemon(p, log=None):
    """Stop a `pdgate poll` daemon started with subprocess.Popen: SIGTERM, SIGKILL when it has
    not exited 10 s later; then close its log file, if any."""
    import signal
    import subprocess
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
    if log is not None:
        log.close()


def process_groups_alive(pids):
    """Which of these process-group leaders (each daemon leads its own group) still run."""
    import os
    alive = []
    for pid in pids:
        try:
            os.killpg(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
        except PermissionError:
            alive.append(pid)
    return alive


def run_scenario(make, tests):
    """Start the real mail servers, run each (name, method name) of the object make(servers)
    builds, stop the servers and check that none is left running."""
    from harness import MailServers
    ms = MailServers()
    pids = []
    try:
        ms.start()
        pids.extend(p.pid for p in (ms.dovecot, ms.smtpd) if p is not None)
        t = make(ms)
        for name, method in tests:
            run_test(name, getattr(t, method))
    finally:
        ms.stop()
    run_test("servers_stopped", lambda: check(not process_groups_alive(pids),
                                              "a server still runs"))


def main(label, make, tests):
    """The whole of a test file's run: root required, every test, the summary line."""
    import harness
    harness.require_root()
    try:
        run_scenario(make, tests)
    except Exception as e:
        report(label, False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if
                                         str(e) else ""), traceback.format_exc())
    finish()


def finish():
    """Print the "N passed, N failed" line run-all.sh counts and exit accordingly."""
    import sys
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


# ---------------------------------------------------------------- a mail as a requester or member writes it
def mail(from_addr, subject, body, name=None, in_reply_to=None, references=None, files=(),
         auth=None, date=None, logo=None, to="disclosure@pdgate.test"):
    """A message as bytes; with `auth`, our MTA's Authentication-Results on top; with `logo`,
    an HTML alternative showing it inline (a signature's image, Content-ID, no file)."""
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = email.utils.formataddr((name, from_addr)) if name else from_addr
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.format_datetime(date) if date else email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain=from_addr.split("@")[1])
    if in_reply_to:
        m["In-Reply-To"] = "<%s>" % norm_mid(in_reply_to)
        m["References"] = " ".join("<%s>" % norm_mid(r) for r in (references or [in_reply_to]))
    m.set_content(body)
    if logo is not None:
        m.add_alternative("<pre>%s</pre><img src=\"cid:logo@pdgate.test\">" % body,
                          subtype="html")
        m.get_payload()[1].add_related(logo, "image", "png", cid="<logo@pdgate.test>",
                                       filename="logo.png", disposition="inline")
    for fname, data, maintype, subtype in files:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=fname)
    raw = m.as_bytes()
    if auth is not None:
        raw = b"Authentication-Results: " + auth.encode() + b"\r\n" + raw
    return raw
