#!/usr/bin/env python3
"""Integration test: a message that keeps failing is quarantined after [imap] max_attempts,
never retried for ever (a crash loop under systemd), and the rest of the mailbox goes on.

Real Dovecot and OpenSMTPD (see harness.py). The failure is real too: a trigger in pdgate's
own database refuses the message's row, as a bug or a damaged table would; the quarantine
record (no subject, no parse) gets through, as the fallback must.

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import hashlib
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdtest  # noqa: E402
from pdtest import Pdgate, check, mail  # noqa: E402

DISC = pdtest.DISC
POISON = "Freedom of information request: poison"


class Attempts:
    def __init__(self, ms):
        self.ms = ms
        self.pd = Pdgate(ms, "attempts", imap_max_attempts=3)

    def folder(self, name):
        return self.ms.imap_list(DISC, name)

    def setup(self):
        ms, pd = self.ms, self.pd
        pd.poll()  # creates the database
        db = sqlite3.connect(os.path.join(pd.state, "pdgate.db"))
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON messages"
                   " WHEN NEW.subject LIKE '%poison%'"
                   " BEGIN SELECT RAISE(ABORT, 'row refused by a test trigger'); END")
        db.commit()
        db.close()
        ms.deliver("ann@public.test", DISC,
                   mail("ann@public.test", POISON, "Please send me the force's policy."))
        ms.deliver("bob@public.test", DISC,
                   mail("bob@public.test", "FOI request", "How many cars does the force own?"))
        ms.wait_for_mail(DISC, "INBOX", 2)

    def retried_then_quarantined(self):
        ms, pd = self.ms, self.pd
        for attempt in (1, 2, 3):
            pd.run("poll", "--once")
            ms.settle()
            check((self.folder("INBOX")) == 1,
                  "pass %d: %d message(s) in the INBOX, wanted the failing one"
                  % (attempt, (self.folder("INBOX"))), pd.diag(1))
            check((self.folder("Quarantine")) == 0, "quarantined before max_attempts")
        check((self.folder("Processed")) == 1, "the good message was held up by the bad")
        check(len(pd.cases()) == 1, "cases: %r" % pd.cases())
        pd.poll()
        ms.settle()
        check((self.folder("INBOX")) == 0, "the failing message is still in the INBOX",
              pd.diag(1))
        check((self.folder("Quarantine")) == 1, "not moved to Quarantine")
        rows = [m for m in pd.messages() if m.get("status") == "quarantined"]
        check(len(rows) == 1, "quarantined rows: %r" % rows)
        why = rows[0].get("error") or ""
        check("not processed after 3 attempts" in why and "test trigger" in why,
              "reason %r does not say how often and why" % why)
        # Its bytes are kept: the spool holds the message as the mailbox does.
        raw = ms.imap_fetch_all(DISC, "Quarantine")[0]
        sha = hashlib.sha256(raw).hexdigest()
        check(os.path.exists(os.path.join(pd.state, "spool", sha[:2], sha)),
              "the quarantined message's bytes are not in the spool")

    def stays_settled(self):
        ms, pd = self.ms, self.pd
        pd.poll()
        ms.settle()
        check((self.folder("Quarantine")) == 1 and (self.folder("Processed")) == 1,
              "a later pass moved mail again")
        # the two messages, and the good one's acknowledgement and team notification
        check(len(pd.messages()) == 4, "message rows: %r" % pd.messages())


    def crash_counted(self):
        """A message that kills the poller (here at the fault point inside its transaction)
        counts as an attempt each time: the 4th start quarantines it instead of dying."""
        ms, pd = self.ms, self.pd
        ms.deliver("cat@public.test", DISC,
                   mail("cat@public.test", "Subject access request", "All you hold on me."))
        ms.wait_for_mail(DISC, "INBOX", 1)
        pd.env = lambda: dict(os.environ, PDGATE_FAULT_POINT="mid_transaction")
        for attempt in (1, 2, 3):
            r = pd.run("poll", "--once")
            check(r.returncode == -9, "start %d: exit %s, wanted killed" % (attempt,
                                                                              r.returncode))
        pd.env = lambda: None
        pd.poll()
        ms.settle()
        check(self.folder("INBOX") == 0 and self.folder("Quarantine") == 2,
              "INBOX %d, Quarantine %d" % (self.folder("INBOX"), self.folder("Quarantine")),
              pd.diag(1))
        rows = [m for m in pd.messages() if m.get("status") == "quarantined"]
        why = rows[-1].get("error") or ""
        check("not processed after 3 attempts" in why and "stopped while processing" in why,
              "reason %r" % why)
        check(len(pd.cases()) == 1, "a case was opened for the crashing message")


TESTS = [
    ("setup_one_good_one_failing_message", "setup"),
    ("failing_message_retried_three_times_then_quarantined", "retried_then_quarantined"),
    ("a_later_pass_changes_nothing", "stays_settled"),
    ("a_message_that_kills_the_poller_counts_and_is_quarantined", "crash_counted"),
]


if __name__ == "__main__":
    pdtest.main("attempts", Attempts, TESTS)
