#!/usr/bin/env python3
"""`pdgate quarantine` and `pdgate quarantine retry ID` against a real Dovecot and OpenSMTPD
(see harness.py).

  listed      a message the parser refuses (more boundary lines than any real mail) is
              quarantined and moved to Quarantine; `pdgate quarantine` names it by the From and
              Subject of its bytes, with the terminal escape in its subject escaped, gives the
              reason and the folder; a retry leaves it quarantined (exit 65), recorded
  fixed       a request an earlier pdgate quarantined by a bug since fixed (no rule and no
              setting quarantines a readable message today, so the test leaves the store as
              that version did: the row quarantined, the bytes in the spool, the mail in
              Quarantine): the retry stores it on its own row, opens a case, the poller sends
              the acknowledgement once; the case records the retry with the old reason; the
              IMAP copy stays in Quarantine; a second retry is refused
  oversize    mail over the 40 MB limit is quarantined; kept without its bytes (as today) it
              cannot be retried (exit 66, saying why); kept with them, a retry leaves it
              quarantined for its size

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import datetime
import hashlib
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from harness import parse  # noqa: E402
from pdtest import Pdgate, check, dump, notice_kind  # noqa: E402

DISC = pdtest.DISC
LIMIT = 40 * 1024 * 1024


def unparsable():
    """Refused by today's parser: 40,001 boundary lines. Its subject would recolour a
    terminal if printed as it is."""
    head = (b"From: =?UTF-8?Q?Mallory_=1B[31m?= <mallory@public.test>\r\n"
            b"To: disclosure@pdgate.test\r\n"
            b"Subject: =?UTF-8?Q?red=1B[31m_alert?=\r\n"
            b"Message-ID: <boundaries@public.test>\r\n\r\n")
    return head + b"--\r\n" * 40001


class Quarantine:
    def __init__(self, ms):
        self.ms = ms

    def listing(self, pd):
        return pd.json("quarantine")

    # ---- a message the parser refuses
    def listed(self):
        pd = Pdgate(self.ms, "listed")
        before = self.ms.imap_list(DISC, "Quarantine")
        self.ms.append(DISC, "INBOX", unparsable())
        pd.poll()
        q = self.listing(pd)
        check(len(q) == 1, "%d quarantined, expected 1" % len(q), dump(q))
        row = q[0]
        check(row.get("folder") == "Quarantine", "folder %r" % row.get("folder"), dump(row))
        check("boundary lines" in (row.get("reason") or ""), "reason %r" % row.get("reason"))
        check(row.get("subject") == "red\\x1b[31m alert", "subject %r" % row.get("subject"))
        check("mallory@public.test" in (row.get("from") or ""), "from %r" % row.get("from"))
        check(row.get("retriable") is True, "not retriable", dump(row))
        text = pd.ok("quarantine").stdout
        check(b"\x1b" not in text and b"red\\x1b[31m alert" in text,
              "the table does not escape the subject", text.decode("utf-8", "replace"))
        check(self.ms.imap_list(DISC, "Quarantine") == before + 1,
              "not in the Quarantine folder")
        r = pd.run("quarantine", "retry", str(row["id"]))
        check(r.returncode == 65, "retry exit %s, expected 65" % r.returncode, pd.diag())
        check(b"still quarantined" in r.stdout and b"boundary lines" in r.stdout,
              "the retry does not say why it is still quarantined", r.stdout.decode())
        q = self.listing(pd)
        check(len(q) == 1 and q[0].get("retries") == 1, "retry not counted", dump(q))
        check(pd.cases() == [], "a case was opened", pd.diag())

    # ---- quarantined by an earlier version, retried after the fix
    def seed(self, pd, raw, why):
        """The store as an earlier pdgate left it: row quarantined, bytes in the spool,
        the UID recorded as moved to Quarantine, the mail in that folder."""
        pd.ok("quarantine")                       # creates and migrates the database
        sha = hashlib.sha256(raw).hexdigest()
        spool = os.path.join(pd.state, "spool", sha[:2])
        os.makedirs(spool, mode=0o700, exist_ok=True)
        fd = os.open(os.path.join(spool, sha), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        received = int(time.time()) - 3600
        db = sqlite3.connect(os.path.join(pd.state, "pdgate.db"))
        with db:
            cur = db.execute(
                "INSERT INTO messages (direction, sha256, size, received, status, error, "
                "mailbox, created) VALUES ('in', ?, ?, ?, 'quarantined', ?, 'INBOX', ?)",
                (sha, len(raw), received, why, received))
            row = cur.lastrowid
            db.execute("INSERT INTO mailboxes (name, uidvalidity) VALUES ('INBOX', 1)")
            db.execute("INSERT INTO mailbox_uids (mailbox, uidvalidity, uid, message_row, "
                       "moved_to) VALUES ('INBOX', 1, 1, ?, 'Quarantine')", (row,))
        db.close()
        self.ms.append(DISC, "Quarantine", raw)
        return row, received

    def fixed(self):
        pd = Pdgate(self.ms, "fixed")
        raw = harness.make_message("fixed@public.test", DISC, "FOI request",
                                   "Under the Freedom of Information Act please tell me how "
                                   "many police dogs the force has.\n", from_name="Fran Fix")
        why = "not a mail message: no headers (a parser bug, since fixed)"
        row, received = self.seed(pd, raw, why)
        in_quarantine = self.ms.imap_list(DISC, "Quarantine")
        q = self.listing(pd)
        check([x.get("id") for x in q] == [row] and q[0].get("folder") == "Quarantine" and
              q[0].get("subject") == "FOI request", "listing", dump(q))
        r = pd.run("quarantine", "retry", str(row))
        check(r.returncode == 0, "retry exit %s" % r.returncode, pd.diag())
        check(b"PD-" in r.stdout and b"Quarantine stays" in r.stdout,
              "the retry does not name the case and the IMAP copy", r.stdout.decode())
        check(self.listing(pd) == [], "still listed")
        msgs = [m for m in pd.messages() if m.get("direction") == "in"]
        check(len(msgs) == 1 and msgs[0].get("id") == row and msgs[0].get("status") ==
              "stored" and msgs[0].get("case"), "the row was not stored on a case", dump(msgs))
        ref = msgs[0]["case"]
        show = pd.case(ref)
        ev = [e for e in show.get("events", []) if e.get("action") == "quarantine_retried"]
        check(len(ev) == 1 and why in (ev[0].get("detail") or ""),
              "the retry and the old reason are not on the case", dump(show.get("events")))
        pd.poll()
        self.ms.wait_for_mail("fixed@public.test", "INBOX", 1)
        self.ms.settle()
        acks = [parse(m) for m in self.ms.imap_fetch_all("fixed@public.test", "INBOX")]
        acks = [m for m in acks if notice_kind(m) == "acknowledgement"]
        check(len(acks) == 1 and ref in str(acks[0]["Subject"]),
              "%d acknowledgements" % len(acks))
        check(self.ms.imap_list(DISC, "Quarantine") == in_quarantine,
              "the IMAP copy was touched")
        r = pd.run("quarantine", "retry", str(row))
        check(r.returncode == 65 and b"not quarantined" in r.stderr,
              "a second retry: exit %s" % r.returncode, pd.diag())
        pd.poll()
        self.ms.settle()
        n = len(self.ms.imap_fetch_all("fixed@public.test", "INBOX"))
        check(n == 1, "%d messages to the requester after a second poll" % n)
        # The statutory clock runs from the first receipt, not from the retry.
        got = show.get("received") or ""
        check(got and datetime.datetime.fromisoformat(got).timestamp() == received,
              "the case's receipt %r, expected %s" % (got, received))

    # ---- too large
    def oversize(self):
        pd = Pdgate(self.ms, "oversize")
        head = harness.make_message("big@public.test", DISC, "Big attachment", "See below.\n")
        raw = head + b"X" * (LIMIT + 1024 - len(head)) + b"\r\n"
        self.ms.append(DISC, "INBOX", raw)
        pd.poll()
        q = self.listing(pd)
        check(len(q) == 1 and "limit" in (q[0].get("reason") or "") and
              q[0].get("folder") == "Quarantine", "listing", dump(q))
        r = pd.run("quarantine", "retry", str(q[0]["id"]))
        if q[0].get("retriable"):
            check(r.returncode == 65 and b"larger than" in r.stdout,
                  "a spooled over-size message: exit %s" % r.returncode, pd.diag())
        else:
            check(r.returncode == 66 and b"without its bytes" in r.stderr,
                  "exit %s, expected 66 and why" % r.returncode, pd.diag())
        check(len(self.listing(pd)) == 1, "no longer listed")


TESTS = [
    ("unparsable_mail_listed_escaped_and_retry_keeps_it_quarantined", "listed"),
    ("quarantined_by_a_fixed_bug_retried_opens_case_acknowledged_once", "fixed"),
    ("oversize_mail_without_bytes_cannot_be_retried", "oversize"),
]


if __name__ == "__main__":
    pdtest.main("quarantine", Quarantine, TESTS)
