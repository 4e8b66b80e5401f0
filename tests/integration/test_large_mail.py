#!/usr/bin/env python3
"""Large mail end to end against a real Dovecot (see harness.py): a request of exactly
PD_MAX_MESSAGE_SIZE (40 MiB, a real MIME message with a base64 attachment) and one of
41 MiB, each APPENDed to the mailbox (OpenSMTPD refuses mail over 35 MB by default, and the
transport is not what is tested) and taken by `pdgate poll --once`.

  at_limit    the 40 MiB request opens a case and is acknowledged; its spool file holds the
              very bytes delivered (SHA-256), is 0600, and the message is in Processed
  over_limit  the 41 MiB one is quarantined with "message of N bytes exceeds the limit of M",
              its bytes in the spool (SHA-256), moved to Quarantine, no case, no reply
  spool_tmp   no temporary file is left in spool/tmp

Each poll's peak resident memory is measured by GNU time (`/usr/bin/time -f %M`): the
kernel's high-water mark of the process's RSS over its whole life (ru_maxrss from wait4), so
no sampling can miss a short peak. It is not read by this script's own wait4: the child of a
fork starts as a copy of this Python process (which holds the test messages), and Linux
carries that image's high-water mark across exec into ru_maxrss; GNU time's own image is a
few hundred KiB. It must stay under 64 MiB: the messages are fetched in chunks into the
spool and parsed from the file, never held whole in memory.

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_imap  # noqa: E402
import pdtest  # noqa: E402
from pdtest import Failure, check, note  # noqa: E402

DISC = pdtest.DISC
REQUESTER = "requester@public.test"
MIB = 1024 * 1024
LIMIT = 40 * MIB                # PD_MAX_MESSAGE_SIZE
OVER = 41 * MIB                 # over it, and still kept (PD_MAX_SPOOL_FILE)
# The bound is the production build's. Under AddressSanitizer (make check-full runs this file
# again with build/pdgate-san and ASAN_OPTIONS set) shadow memory and the freed-memory
# quarantine add a multiple of the heap: the figure is noted, the rest still checked.
MAX_RSS = 64 * MIB if "ASAN_OPTIONS" not in os.environ else 1024 * MIB
POLL_TIMEOUT = 120
TIME = "/usr/bin/time"           # GNU time (Debian package time)


def big_request(size, tag):
    """A multipart/mixed FOI request of exactly `size` bytes (CRLF line ends): a text part and
    a base64 attachment of pseudo-random bytes, padded to size in the epilogue."""
    boundary = "=_large_%s" % tag
    head = ("From: Rita Large <%s>\r\nTo: %s\r\nSubject: FOI request with a large scan %s\r\n"
            "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
            "Message-ID: <large-%s@public.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
            % (REQUESTER, DISC, tag, tag, boundary)).encode()
    text = ("--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Under the Freedom of Information Act please tell me how many speed cameras the "
            "force operates. The attached scan shows the location I mean.\r\n\r\nRita\r\n"
            "--%s\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n"
            "Content-Disposition: attachment; filename=\"scan.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" % (boundary, boundary)).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    # 57 bytes -> 76 base64 characters + CRLF = 78 bytes a line; leave room for the padding.
    lines = (size - len(head) - len(text) - len(tail) - 4096) // 78
    data = hashlib.sha256(tag.encode()).digest() * ((lines * 57) // 32 + 1)
    import base64
    b64 = base64.b64encode(data[:lines * 57])
    body = b"\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    raw = head + text + body + tail
    pad = size - len(raw)
    epilogue = b""
    while pad > 0:
        n = min(pad, 78)
        epilogue += (b"." * (n - 2) + b"\r\n") if n >= 2 else b"\n"
        pad -= n
    raw += epilogue
    assert len(raw) == size, (len(raw), size)
    return raw


def mail_bytes(subject, body):
    return pdtest.mail(REQUESTER, "FOI request: " + subject, "Under the Freedom of Information Act "
                       "please tell me this. " + body + "\n\nRita\n")


class LargeMail:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.Pdgate(ms, "large")
        self.spool = os.path.join(self.pd.state, "spool")
        self.db = os.path.join(self.pd.state, "pdgate.db")
        self.figures = {}

    def poll_measured(self, what, pd=None):
        """`pdgate poll --once` under GNU time: (peak RSS in bytes, its log)."""
        pd = pd or self.pd
        err_path = os.path.join(pd.state, "poll-%s.err" % what.replace(" ", ""))
        rss_path = err_path + ".rss"
        t0 = time.monotonic()
        with open(err_path, "wb") as err:
            r = subprocess.run([TIME, "-f", "%M", "-o", rss_path] + pd.argv("poll", "--once"),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                               timeout=POLL_TIMEOUT)
        secs = time.monotonic() - t0
        with open(err_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        with open(rss_path) as f:
            rss = int(f.read().split()[-1]) * 1024                 # %M is in KiB
        self.figures[what] = (rss, secs)
        note("%s: peak RSS %.1f MiB, %.1f s" % (what, rss / MIB, secs))
        check(r.returncode == 0, "pdgate poll --once exited %s" % r.returncode, log)
        return rss, log

    def rows(self, pd=None):
        path = os.path.join(pd.state, "pdgate.db") if pd is not None else self.db
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            return db.execute("SELECT id, case_id, sha256, size, status, error, subject FROM "
                              "messages WHERE direction = 'in' ORDER BY id").fetchall()
        finally:
            db.close()

    def spooled(self, sha):
        path = os.path.join(self.spool, sha[:2], sha)
        check(os.path.exists(path), "no spool file for %s" % sha[:12])
        st = os.stat(path)
        check(stat.S_IMODE(st.st_mode) == 0o600, "spool file mode %o, expected 600"
              % stat.S_IMODE(st.st_mode))
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(MIB), b""):
                h.update(block)
        return h.hexdigest(), st.st_size

    def at_limit(self):
        raw = big_request(LIMIT, "limit")
        sha = hashlib.sha256(raw).hexdigest()
        self.ms.append(DISC, "INBOX", raw)
        del raw
        rss, log = self.poll_measured("40 MiB")
        rows = self.rows()
        check(len(rows) == 1, "%d inbound rows, expected 1" % len(rows), repr(rows))
        _, case_id, row_sha, size, status, error, _ = rows[0]
        check(status == "stored", "the 40 MiB request is %s (%s)" % (status, error), log)
        check(row_sha == sha and size == LIMIT, "stored as %s, %s bytes; delivered %s, %d"
              % (row_sha, size, sha, LIMIT))
        check(self.spooled(sha) == (sha, LIMIT), "the spool file is not the delivered bytes")
        cases = self.pd.cases()
        check(len(cases) == 1 and case_id is not None, "no case opened", repr(cases))
        acks = [r for r in self.pd.outbox() if r.get("notice") == "acknowledgement"]
        check(len(acks) == 1 and acks[0].get("state") == "sent",
              "acknowledgement not sent: %r" % acks)
        self.ms.wait_for_mail(REQUESTER, count=1)
        check(self.ms.imap_list(DISC, "Processed") == 1, "request not moved to Processed")
        check(self.ms.imap_list(DISC, "INBOX") == 0, "INBOX not emptied")
        check(rss < MAX_RSS, "peak RSS %.1f MiB, limit %d MiB" % (rss / MIB, MAX_RSS // MIB))

    def over_limit(self):
        raw = big_request(OVER, "over")
        sha = hashlib.sha256(raw).hexdigest()
        self.ms.append(DISC, "INBOX", raw)
        del raw
        cases_before = len(self.pd.cases())
        rss, log = self.poll_measured("41 MiB")
        rows = [r for r in self.rows() if r[2] == sha]
        check(len(rows) == 1, "the 41 MiB message was not recorded with its bytes",
              repr(self.rows()))
        _, case_id, _, size, status, error, _ = rows[0]
        want = "message of %d bytes exceeds the limit of %d" % (OVER, LIMIT)
        check(status == "quarantined" and error == want and size == OVER,
              "recorded as %s (%r), %s bytes; expected quarantined (%r)"
              % (status, error, size, want), log)
        check(case_id is None and len(self.pd.cases()) == cases_before,
              "the over-limit message touched a case")
        check(self.spooled(sha) == (sha, OVER), "the spool file is not the delivered bytes")
        check(self.ms.imap_list(DISC, "Quarantine") == 1, "not moved to Quarantine")
        check(self.ms.imap_list(DISC, "INBOX") == 0, "INBOX not emptied")
        check(rss < MAX_RSS, "peak RSS %.1f MiB, limit %d MiB" % (rss / MIB, MAX_RSS // MIB))

    def hostile_server(self):
        """A server that lies (fake_imap.py): RFC822.SIZE too small or too large, a part longer
        than asked, at another offset or of another section, a message that never ends, one
        of exactly one part.
        The bytes received decide; nothing the server says is taken on trust."""
        ok = mail_bytes("small lie", "How many horses does the force keep?")
        exact = big_request(MIB, "exact")
        lies = [
            ("size_small", ok, {"size": 40}),
            ("endless", b"", {"size": 1000, "endless": True}),
            ("claims_huge", mail_bytes("huge claim", "Anything."), {"size": 2 ** 31}),
            ("more_than_asked", mail_bytes("extra", "Anything."), {"extra": 10}),
            ("wrong_origin", mail_bytes("origin", "Anything."), {"origin": 5}),
            ("wrong_section", mail_bytes("section", "Anything."), {"section": "TEXT"}),
            ("exact_part", exact, {}),
        ]
        srv = fake_imap.FakeImap([(raw, lie) for _, raw, lie in lies])
        try:
            pd = pdtest.Pdgate(self.ms, "hostile", imap_port=srv.port, smtp_journal=None)
            rss, log = self.poll_measured("lying server", pd)
        finally:
            srv.close()
        uid = {name: i + 1 for i, (name, _, _) in enumerate(lies)}
        rows = {r[2] or "none-%d" % r[0]: r for r in self.rows(pd)}
        asked = lambda name: [(o, n) for u, o, n in srv.parts if u == uid[name]]  # noqa: E731

        sha = hashlib.sha256(ok).hexdigest()
        check(sha in rows and rows[sha][4] == "stored" and rows[sha][3] == len(ok),
              "RFC822.SIZE 40: the message was not stored whole", repr(rows))
        check(srv.moved.get(uid["size_small"]) == "Processed", "size_small not moved")

        cap = OVER + 1
        check(sum(n for _, n in asked("endless")) == cap,
              "a message that never ends: asked for %d bytes, expected %d"
              % (sum(n for _, n in asked("endless")), cap), repr(asked("endless")))
        big = [r for r in rows.values() if r[2] is None and r[3] == cap]
        check(len(big) == 1 and big[0][4] == "quarantined" and "too large to keep" in big[0][5],
              "the endless message is not quarantined as too large to keep", repr(rows))
        check(srv.moved.get(uid["endless"]) == "Quarantine", "endless not quarantined")

        check(asked("claims_huge") == [], "a message announced as 2 GiB was downloaded")
        huge = [r for r in rows.values() if r[2] is None and r[3] == 2 ** 31]
        check(len(huge) == 1 and huge[0][4] == "quarantined", "2 GiB claim not quarantined",
              repr(rows))

        for name, subject in (("more_than_asked", "extra"), ("wrong_origin", "origin"),
                              ("wrong_section", "section")):
            check(uid[name] in srv.inbox(), "%s: taken although the server broke the "
                  "protocol" % name, log)
            check(not [r for r in rows.values() if r[6] == "FOI request: " + subject],
                  "%s: recorded" % name, repr(rows))
        check("asked for %d bytes at 0, got %d at 0" % (MIB, MIB + 10) in log,
              "no error logged for a part longer than asked", log)
        check("asked for %d bytes at 0, got" % MIB in log and " at 5" in log,
              "no error logged for a part at another offset", log)

        sha = hashlib.sha256(exact).hexdigest()
        check(sha in rows and rows[sha][4] == "stored", "a message of exactly one part lost",
              repr(rows))
        check(asked("exact_part") == [(0, MIB), (MIB, MIB)],
              "exact part: asked %r" % asked("exact_part"))
        left = os.listdir(os.path.join(pd.state, "spool", "tmp"))
        check(left == [], "temporary files left: %r" % left)
        check(rss < MAX_RSS, "peak RSS %.1f MiB, limit %d MiB" % (rss / MIB, MAX_RSS // MIB))

    def text_bodies(self):
        """A 30 MiB plain-text body and a 30 MiB HTML one: only the start of each is decoded
        (the text kept is bounded), so memory stays bounded too."""
        pd = pdtest.Pdgate(self.ms, "bodies")
        line = "Please tell me how many speed cameras the force operates. " * 1
        for subtype, unit in (("plain", line + "\r\n"), ("html", "<p>" + line + "</p>\r\n")):
            head = ("From: Rita Large <%s>\r\nTo: %s\r\nSubject: FOI request, long %s\r\n"
                    "Message-ID: <long-%s@public.test>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/%s; charset=utf-8\r\n\r\nUnder the Freedom of "
                    "Information Act:\r\n" % (REQUESTER, DISC, subtype, subtype, subtype))
            raw = head.encode() + unit.encode() * (30 * MIB // len(unit))
            self.ms.append(DISC, "INBOX", raw)
            del raw
        rss, log = self.poll_measured("30 MiB text and 30 MiB HTML bodies", pd)
        rows = self.rows(pd)
        check(len(rows) == 2 and all(r[4] == "stored" for r in rows), "not both stored",
              repr([r[:6] for r in rows]) + "\n" + log)
        check(len(pd.cases()) == 2, "not two cases", log)
        check(rss < MAX_RSS, "peak RSS %.1f MiB, limit %d MiB" % (rss / MIB, MAX_RSS // MIB))

    def spool_tmp(self):
        tmp = os.path.join(self.spool, "tmp")
        left = os.listdir(tmp) if os.path.isdir(tmp) else []
        check(left == [], "temporary files left in the spool: %r" % left)


TESTS = [
    ("large_at_limit_stored_and_acknowledged", "at_limit"),
    ("large_over_limit_quarantined_with_bytes", "over_limit"),
    ("large_no_temporary_files_left", "spool_tmp"),
    ("large_lying_server_not_trusted", "hostile_server"),
    ("large_text_bodies_bounded", "text_bodies"),
]

if __name__ == "__main__":
    pdtest.main("large_mail", LargeMail, TESTS)
