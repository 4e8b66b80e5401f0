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
import pdtest  # noqa: E402
from pdtest import Failure, check, note  # noqa: E402

DISC = pdtest.DISC
REQUESTER = "requester@public.test"
MIB = 1024 * 1024
LIMIT = 40 * MIB                # PD_MAX_MESSAGE_SIZE
OVER = 41 * MIB                 # over it, and still kept (PD_MAX_SPOOL_FILE)
MAX_RSS = 64 * MIB
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


class LargeMail:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.Pdgate(ms, "large")
        self.spool = os.path.join(self.pd.state, "spool")
        self.db = os.path.join(self.pd.state, "pdgate.db")
        self.figures = {}

    def poll_measured(self, what):
        """`pdgate poll --once` under GNU time: (peak RSS in bytes, its log)."""
        err_path = os.path.join(self.pd.state, "poll-%s.err" % what.replace(" ", ""))
        rss_path = err_path + ".rss"
        t0 = time.monotonic()
        with open(err_path, "wb") as err:
            r = subprocess.run([TIME, "-f", "%M", "-o", rss_path] + self.pd.argv("poll", "--once"),
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

    def rows(self):
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            return db.execute("SELECT id, case_id, sha256, size, status, error FROM messages "
                              "WHERE direction = 'in' ORDER BY id").fetchall()
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
        _, case_id, row_sha, size, status, error = rows[0]
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
        _, case_id, _, size, status, error = rows[0]
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

    def spool_tmp(self):
        tmp = os.path.join(self.spool, "tmp")
        left = os.listdir(tmp) if os.path.isdir(tmp) else []
        check(left == [], "temporary files left in the spool: %r" % left)


TESTS = [
    ("large_at_limit_stored_and_acknowledged", "at_limit"),
    ("large_over_limit_quarantined_with_bytes", "over_limit"),
    ("large_no_temporary_files_left", "spool_tmp"),
]

if __name__ == "__main__":
    pdtest.main("large_mail", LargeMail, TESTS)
