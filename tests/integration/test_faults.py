#!/usr/bin/env python3
"""Faults against the real Dovecot and OpenSMTPD (see harness.py): pdgate killed at every step
of a pass, a misbehaving IMAP server (imap_proxy.ImapProxy between pdgate and Dovecot, plain
on loopback with tls = none), a mailbox whose UIDVALIDITY changes, a full disk, a locked
database and a stop request while the server stalls. Whatever happens, at the end:

  every request is stored once (one inbound row per SHA-256 of the bytes put in the mailbox,
  and no row with any other bytes), opens one case, is in Processed once and not in the
  INBOX; every notice of those cases is sent and reached its recipient once and the journal
  once (counted by Message-ID in the real mailboxes).

  kill_at_*      PDGATE_FAULT_POINT=point:N (src/core/fault.c) SIGKILLs `poll --once` at that
                 step, then pdgate is restarted; one database through the whole loop
  imap_*         a fault of the proxy in one pass (the connection dropped in a FETCH literal,
                 after a MOVE the server did, in IDLE; NO, BAD, BYE; no greeting; a garbage
                 line, a literal announced larger than its bytes, nonsense untagged), then a
                 clean pass
  uidvalidity    the mailbox recreated (new UIDVALIDITY) with a new request at an old UID and
                 old bytes at new UIDs
  disk_full_*    the database's or the spool's file system full (a small tmpfs): fail closed
                 (mail stays, no notice for it, a clear log line), recover when space returns
  db_locked_*    another process holds BEGIN EXCLUSIVE: pdgate waits, or gives up and keeps
                 the mail, and never duplicates
  sigterm_*      the daemon stops within 5 s of SIGTERM while the server stalls mid-response

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed"; a test that
cannot run here (no tmpfs mount) prints "SKIP name: why" and is not counted.
`python3 test_faults.py [method...]` runs only those tests (names or method names as in TESTS;
kill_after_commit runs kill_after_commit_2).
PDGATE_FAULTS_LONG=1 (make faults-long) runs the kill loop at every hit of every point.
"""

import collections
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from imap_proxy import ImapProxy  # noqa: E402
from pdtest import Failure, check, dump, mail, notice_kind  # noqa: E402

DISC = pdtest.DISC
TEAM = pdtest.TEAM
JOURNAL_WAIT = 2           # harness config: [smtp] journal_wait
FOI = ("Under the Freedom of Information Act please tell me how many %s were recorded in "
       "2025 (request %s).\n\nRegards\n")

# The kill loop: (point, which hit) with three requests a pass. Hit 2 lands mid-batch (the
# first request done, the second not); the moves happen once per batch.
KILL_POINTS = [
    ("fetched", 2), ("spooled", 2), ("mid_transaction", 2), ("after_commit", 2),
    ("before_move", 1), ("after_move", 1), ("sending", 2),
    ("after_smtp", 2),
]
SEND_POINTS = ("sending", "after_smtp")
MOVE_POINTS = ("before_move", "after_move")         # reached once a batch
if os.environ.get("PDGATE_FAULTS_LONG") == "1":
    # make faults-long: every hit of every point a pass of three requests reaches (the
    # notices: two a request, the team's and the acknowledgement).
    KILL_POINTS = [(p, n) for p, _ in KILL_POINTS
                   for n in ((1,) if p in MOVE_POINTS else range(1, 7 if p in SEND_POINTS
                                                                 else 4))]


def sha(raw):
    return hashlib.sha256(raw).hexdigest()


class Skip(Exception):
    pass


class Faults:
    def __init__(self, ms):
        self.ms = ms
        self.proxy = ImapProxy(ms.imap_port).start()
        self.all_shas = set()       # every message put in a mailbox by this file
        self.n = 0
        self.mounts = []
        self.kpd = None             # the kill loop's pdgate (one database for every point)
        self.killed = ([], [])      # its requests and their senders
        harness.log("imap proxy on %d" % self.proxy.port)

    def close(self):
        self.proxy.stop()
        for m in list(self.mounts):
            self.umount(m)

    # ------------------------------------------------------------------ helpers
    def pdgate(self, name, **overrides):
        return pdtest.Pdgate(self.ms, name, **overrides)

    def run(self, pd, *args, fault=None, timeout=120):
        env = dict(os.environ)
        env.pop("PDGATE_FAULT_POINT", None)
        if fault:
            env["PDGATE_FAULT_POINT"] = fault
        try:
            r = subprocess.run(pd.argv(*args), stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            pd.log.append((fault or "", args, "timeout", ""))
            raise Failure("pdgate %s timed out" % " ".join(args), pd.diag())
        err = r.stderr.decode("utf-8", "replace")
        pd.log.append(("PDGATE_FAULT_POINT=%s" % fault if fault else "", args, r.returncode,
                       err))
        r.err = err
        return r

    def poll(self, pd, **kw):
        r = self.run(pd, "poll", "--once", **kw)
        check(r.returncode == 0, "poll --once exited %s" % r.returncode, pd.diag())
        return r

    def requests(self, label, k, mailbox="INBOX"):
        """k new FOI requests, each from its own address, appended to mailbox."""
        addrs = ["%s-%d@public.test" % (label, i + 1) for i in range(k)]
        for a in addrs:
            self.ms.add_user(a)
        raws = [self.request(a, mailbox) for a in addrs]
        return raws, addrs

    def request(self, addr, mailbox="INBOX", raw=None):
        self.n += 1
        if raw is None:
            raw = mail(addr, "FOI request %d" % self.n, FOI % ("burglaries", self.n),
                       name="Requester %d" % self.n)
        self.ms.append(DISC, mailbox, raw)
        self.all_shas.add(sha(raw))
        return raw

    def db(self, pd):
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(pd.state, "pdgate.db"),
                               uri=True, timeout=30)

    def inbound(self, pd):
        """SHA-256 -> count of the inbound message rows."""
        with self.db(pd) as c:
            rows = c.execute("SELECT sha256 FROM messages WHERE direction = 'in'").fetchall()
        return collections.Counter(r[0] for r in rows)

    def message_ids(self, user, mailbox="INBOX"):
        """Message-IDs (no <>) of every message in user's mailbox, duplicates kept."""
        c = self.ms.imap(user)
        try:
            typ, data = c.select(self.ms._q(mailbox), readonly=True)
            if typ != "OK" or int(data[0]) == 0:
                return []
            typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            out = []
            for part in data or []:
                if isinstance(part, tuple):
                    m = re.search(rb"<([^>]+)>", part[1])
                    out.append(m.group(1).decode() if m else "")
            return out
        finally:
            c.logout()

    def mailbox_shas(self, mailbox):
        return collections.Counter(sha(r) for r in self.ms.imap_fetch_all(DISC, mailbox))

    def no_strangers(self, pd):
        """Every stored inbound message has bytes some test put in a mailbox: a fault that
        let pdgate store cut or shifted bytes would show up as a stranger (and a duplicate
        case)."""
        strangers = [s for s in self.inbound(pd) if s is not None and s not in self.all_shas]
        check(not strangers, "%d stored message(s) whose bytes were never in the mailbox"
              % len(strangers), pd.diag())

    def exactly_once(self, pd, raws, addrs, mailbox="INBOX", moved=None):
        """The end state every test asks for (see the file's docstring)."""
        self.ms.settle()
        left = self.ms.imap_list(DISC, mailbox)
        check(left == 0, "%d message(s) left in %s" % (left, mailbox), pd.diag())
        got = self.inbound(pd)
        for i, raw in enumerate(raws):
            check(got[sha(raw)] == 1, "request %d (%s) stored %d times" %
                  (i + 1, addrs[i], got[sha(raw)]), pd.diag())
        self.no_strangers(pd)
        processed = self.mailbox_shas("Processed")
        moved = moved or {}
        for i, raw in enumerate(raws):
            want = moved.get(sha(raw), 1)
            check(processed[sha(raw)] == want, "request %d in Processed %d times, expected %d"
                  % (i + 1, processed[sha(raw)], want))
        cases = collections.Counter(c.get("requester") for c in pd.cases())
        for a in addrs:
            check(cases[a] == 1, "%s has %d cases" % (a, cases[a]))
        self.notices_once(pd, addrs)

    def notices_once(self, pd, addrs):
        refs = {c.get("reference") for c in pd.cases() if c.get("requester") in addrs}
        rows = [o for o in pd.outbox() if o.get("case") in refs]
        check(rows, "no notices for %d cases" % len(refs))
        unsent = [o for o in rows if o.get("state") != "sent"]
        check(not unsent, "notices not sent: %s" % dump(unsent), pd.diag())
        journal = collections.Counter(self.message_ids(DISC, "journal"))
        by_rcpt = collections.defaultdict(list)
        for o in rows:
            by_rcpt[o.get("rcpt")].append(o)
        for rcpt, its in by_rcpt.items():
            have = collections.Counter(self.message_ids(rcpt))
            for o in its:
                mid = pdtest.norm_mid(o.get("message_id"))
                check(have[mid] == 1, "%s holds notice %s (%s) %d times" %
                      (rcpt, mid, o.get("notice"), have[mid]), dump(o))
                check(journal[mid] == 1, "the journal holds %s %d times" % (mid, journal[mid]))
        for a in addrs:
            kinds = [notice_kind(m) for m in self.message_ids(a)]
            check(kinds == ["acknowledgement"], "%s received %r, expected one acknowledgement"
                  % (a, kinds))

    def settle_journal(self, pd):
        """Let an attempt of unknown outcome be settled: the journal copy arrives, journal_wait
        passes, the next pass decides (found: sent; absent: sent again)."""
        self.ms.settle()
        time.sleep(JOURNAL_WAIT + 0.5)
        self.poll(pd)
        self.ms.settle()

    def untouched(self, pd, raws, addrs, before, mailbox="INBOX"):
        """Fail-closed: a pass that could not process these left them in the mailbox, stored
        nothing of them and sent them nothing."""
        self.ms.settle()
        check(self.ms.imap_list(DISC, mailbox) == len(raws), "the mail did not stay in %s"
              % mailbox, pd.diag())
        got = self.inbound(pd)
        check(got == before, "rows were stored: %r" % (got - before), pd.diag())
        for a in addrs:
            check(not self.message_ids(a), "%s was sent something" % a)

    # ------------------------------------------------------------------ the kill loop
    def kill_at(self, point, hit):
        if self.kpd is None:
            self.kpd = self.pdgate("kill")
        pd = self.kpd
        raws, addrs = self.requests("k%d-%s" % (hit, point.replace("_", "-")), 3)
        self.killed[0].extend(raws)
        self.killed[1].extend(addrs)
        r = self.run(pd, "poll", "--once", fault="%s:%d" % (point, hit))
        check(r.returncode == -signal.SIGKILL, "not killed at %s:%d (exit %s)" %
              (point, hit, r.returncode), pd.diag())
        check("test fault point %s reached" % point in r.err, "killed, but not at %s" % point,
              pd.diag())
        self.poll(pd)
        if point in SEND_POINTS:
            self.settle_journal(pd)
        self.exactly_once(pd, raws, addrs)

    def kill_loop_totals(self):
        """After the whole loop: no later restart redid an earlier point's work."""
        check(self.kpd is not None, "the kill loop did not run")
        self.exactly_once(self.kpd, *self.killed)
        with self.db(self.kpd) as c:
            n = c.execute("SELECT COUNT(*) FROM messages WHERE direction = 'in'").fetchone()[0]
        check(n == len(self.killed[0]), "%d inbound rows for %d requests" %
              (n, len(self.killed[0])))

    def kill_too_large_after_commit(self):
        """A message over the size limit is recorded without its bytes (no SHA-256 to find it
        again by): only the (UIDVALIDITY, UID) row, if committed with it, stops a restart
        after the commit from recording it twice."""
        pd = self.pdgate("kill-large")
        addr = "k-large@public.test"
        big = mail(addr, "FOI request with a very large attachment", FOI % ("thefts", "big"),
                   files=[("scan.bin", os.urandom(31 * 1024 * 1024), "application",
                           "octet-stream")])
        self.request(addr, raw=big)
        r = self.run(pd, "poll", "--once", fault="after_commit:1")
        check(r.returncode == -signal.SIGKILL, "not killed at after_commit (exit %s)"
              % r.returncode, pd.diag())
        self.poll(pd)
        with self.db(pd) as c:
            n = c.execute("SELECT COUNT(*) FROM messages WHERE direction = 'in' AND "
                          "status = 'quarantined' AND sha256 IS NULL").fetchone()[0]
        check(self.ms.imap_list(DISC, "INBOX") == 0, "the large message is still in the INBOX",
              pd.diag())
        check(n == 1, "the too-large message is recorded %d times after a kill between its "
              "commit and its UID's (the UID is not written in the same transaction)" % n,
              pd.diag())

    # ------------------------------------------------------------------ IMAP faults
    def imap_case(self, label, rules, k=3, timeout=4, expect_text=None, before_clean=None,
                  stall_greeting=0):
        """One pass through the proxy with `rules` (verb, action, options), then a clean one.
        The faulty pass must end by itself: within 5 IMAP timeouts."""
        pd = self.pdgate("imap-" + label, imap_port=self.proxy.port, imap_timeout=timeout)
        self.proxy.clear()
        raws, addrs = self.requests("i-" + label, k)
        self.proxy.reset()
        self.proxy.stall_greeting = stall_greeting
        fired_before = len([e for e in self.proxy.events() if e[0].startswith("fault:")])
        for verb, action, opts in rules:
            self.proxy.fault(verb, action, **opts)
        r = self.run(pd, "poll", "--once", timeout=5 * timeout + 10)
        fired = len([e for e in self.proxy.events() if e[0].startswith("fault:")])
        check(fired > fired_before, "the fault never fired", self.proxy.transcript())
        check(r.returncode >= 0, "pdgate died (%s)" % r.returncode, pd.diag())
        errors = [l for l in r.err.splitlines() if ": error: " in l or ": warn: " in l]
        pdtest.note("%s: exit %d%s" % (label, r.returncode, (", " + errors[0][7:140])
                                        if errors else ""))
        if expect_text is not None:
            check(expect_text in r.err, "the log does not say %r" % expect_text, pd.diag())
        self.no_strangers(pd)
        dup = [s for s, n in self.inbound(pd).items() if n > 1]
        check(not dup, "stored twice during the faulty pass", pd.diag())
        if before_clean is not None:
            before_clean(pd, raws, addrs, r)
        self.proxy.clear()
        self.poll(pd)
        self.ms.settle()
        if any(o.get("state") != "sent" for o in pd.outbox()):
            self.settle_journal(pd)
        self.exactly_once(pd, raws, addrs)

    BODY = {"contains": "BODY.PEEK[]"}

    def imap_drop_mid_literal(self):
        self.imap_case("droplit", [("UID FETCH", "drop_mid_literal", dict(self.BODY, skip=1))])

    def imap_drop_after_move(self):
        def stayed(pd, raws, addrs, r):
            # The server moved them; pdgate never heard: it must not process them again.
            check(self.ms.imap_list(DISC, "INBOX") == 0, "the server did not move them")
        self.imap_case("dropmove", [("UID MOVE", "drop_after", {})], before_clean=stayed)

    def imap_no_bad_bye(self):
        self.imap_case("nomove", [("UID MOVE", "no", {})], expect_text="injected fault")
        self.imap_case("noselect", [("SELECT", "no", {})], expect_text="injected fault")
        self.imap_case("badsearch", [("UID SEARCH", "bad", {})], expect_text="injected fault")
        self.imap_case("byefetch", [("UID FETCH", "bye", dict(self.BODY, skip=1))])
        self.imap_case("nologin", [("LOGIN", "no", {})], expect_text="injected fault")

    def imap_no_greeting(self):
        def waited(pd, raws, addrs, r):
            check(r.returncode != 0, "poll exited 0 without a server")
            self.untouched(pd, raws, addrs, collections.Counter())
        self.imap_case("nogreet", [], timeout=3, before_clean=waited, stall_greeting=1)

    def imap_malformed(self):
        self.imap_case("garbage", [("UID FETCH", "garbage", dict(self.BODY, skip=1))])
        self.imap_case("nonsense", [("UID FETCH", "nonsense", dict(self.BODY, skip=1))])
        self.imap_case("nonsense-select", [("SELECT", "nonsense", {})])
        self.imap_case("biglit", [("UID FETCH", "literal_too_big", dict(self.BODY, skip=1))],
                       timeout=2)

    def imap_drop_in_idle(self):
        pd = self.pdgate("imap-idle", imap_port=self.proxy.port, imap_timeout=10)
        self.proxy.clear()
        raws, addrs = self.requests("i-idle", 1)
        idling = self.proxy.count("idling")
        self.proxy.fault("IDLE", "drop_in_idle")
        p = subprocess.Popen(pd.argv("poll"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            check(self.proxy.wait_for("fault:drop_in_idle", 1, 30), "pdgate never idled",
                  self.proxy.transcript())
            more, more_addrs = self.requests("i-idle2", 1)
            raws += more
            addrs += more_addrs
            # It reconnects (5 s back-off), scans, and idles again.
            ok = self.proxy.wait_for("idling", idling + 1, 30)
            deadline = time.monotonic() + 20
            while self.ms.imap_list(DISC, "INBOX") > 0 and time.monotonic() < deadline:
                time.sleep(0.3)
        finally:
            p.send_signal(signal.SIGTERM)
            err = p.communicate(timeout=30)[1].decode("utf-8", "replace")
            pd.log.append(("", ("poll", "(daemon)"), p.returncode, err))
        check(ok, "pdgate did not reconnect after the drop in IDLE", pd.diag())
        check(p.returncode == 0, "the daemon exited %s" % p.returncode, pd.diag())
        self.exactly_once(pd, raws, addrs)

    # ------------------------------------------------------------------ UIDVALIDITY
    def uidvalidity(self):
        box = "Requests"
        pd = self.pdgate("uidvalidity", imap_mailbox=box)
        a_raw, a_addr = self.requests("u-a", 1, mailbox=box)
        self.poll(pd)
        b_raw, b_addr = self.requests("u-b", 1, mailbox=box)
        # B committed, not moved: still in the mailbox at its old UID.
        r = self.run(pd, "poll", "--once", fault="before_move:1")
        check(r.returncode == -signal.SIGKILL, "not killed before the move", pd.diag())
        old = self.status_uidvalidity(box)
        c = self.ms.imap(DISC)
        try:
            check(c.delete(box)[0] == "OK" and c.create(box)[0] == "OK", "recreate failed")
        finally:
            c.logout()
        new = self.status_uidvalidity(box)
        check(new != old, "Dovecot kept UIDVALIDITY %s" % old)
        # A new request takes UID 1 (A's old UID), B's and A's bytes come back at new UIDs
        # (restored from a backup): C must not be taken for A, A and B must not be redone.
        c_raw, c_addr = self.requests("u-c", 1, mailbox=box)
        self.request(b_addr[0], box, raw=b_raw[0])
        self.request(a_addr[0], box, raw=a_raw[0])
        r = self.poll(pd)
        check("UIDVALIDITY of %s changed" % box in r.err, "the change is not logged", pd.diag())
        raws, addrs = a_raw + b_raw + c_raw, a_addr + b_addr + c_addr
        self.exactly_once(pd, raws, addrs, mailbox=box, moved={sha(a_raw[0]): 2})

    def status_uidvalidity(self, box):
        c = self.ms.imap(DISC)
        try:
            typ, data = c.status(self.ms._q(box), "(UIDVALIDITY)")
            return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))
        finally:
            c.logout()

    # ------------------------------------------------------------------ full disks
    def mount_small(self, path, size):
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs",
                            path], capture_output=True)
        if r.returncode != 0:
            raise Skip("cannot mount a tmpfs here: %s" % r.stderr.decode().strip())
        self.mounts.append(path)

    def umount(self, path):
        subprocess.run(["umount", "-l", path], capture_output=True)
        if path in self.mounts:
            self.mounts.remove(path)

    @staticmethod
    def fill(path):
        """Fill the file system of path to the last byte; returns the filler's name."""
        name = os.path.join(path, "filler")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for chunk in (1 << 16, 4096, 512, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)
        return name

    def disk_full(self, which):
        """which = "database" or "spool": that folder is a small tmpfs, filled after a first
        pass created everything; the next requests must wait, then go through once."""
        pd = self.pdgate("full-" + which)
        small = os.path.join(pd.state, "small")
        self.mount_small(small, "4m")
        try:
            pd.conf = self.ms.write_config(
                pd.conf, store_database=os.path.join(small if which == "database" else
                                                     pd.state, "pdgate.db"),
                store_spool=os.path.join(small if which == "spool" else pd.state, "spool"))
            if which == "database":
                pd.state = small            # where self.db() looks
            first, first_addr = self.requests("f-%s-first" % which, 1)
            self.poll(pd)
            before = self.inbound(pd)
            raws, addrs = self.requests("f-" + which, 4)
            filler = self.fill(small)
            r = self.run(pd, "poll", "--once")
            check(r.returncode >= 0, "pdgate died (%s)" % r.returncode, pd.diag())
            said = re.search(r".*(database or disk is full|No space left on device).*", r.err)
            check(said, "no clear log line about the full disk", pd.diag())
            pdtest.note("log: " + said.group(0)[:150])
            self.fail_closed(pd, raws, addrs, before)
            os.unlink(filler)
            self.poll(pd)
            self.ms.settle()
            if any(o.get("state") != "sent" for o in pd.outbox()):
                self.settle_journal(pd)
            self.exactly_once(pd, first + raws, first_addr + addrs)
        finally:
            self.umount(small)

    def fail_closed(self, pd, raws, addrs, before):
        """During the fault each request is either wholly done (stored once, its case, its
        acknowledgement at most once) or not at all (in the INBOX, not stored, nothing sent);
        at least one must have waited, or the fault did not bite."""
        self.ms.settle()
        got = self.inbound(pd) - before
        inbox = self.mailbox_shas("INBOX")
        waited = 0
        for raw, a in zip(raws, addrs):
            s = sha(raw)
            check(got[s] <= 1, "%s stored %d times" % (a, got[s]), pd.diag())
            if got[s] == 0:
                waited += 1
                check(inbox[s] == 1, "%s is neither stored nor in the INBOX: lost" % a,
                      pd.diag())
                check(not self.message_ids(a), "%s was sent a notice for mail not stored" % a)
            else:
                check(len(self.message_ids(a)) <= 1, "%s got more than one notice" % a)
        check(waited > 0, "every request went through: the full disk never bit", pd.diag())
        pdtest.note("%d of %d requests waited for space" % (waited, len(raws)))

    def disk_full_database(self):
        self.disk_full("database")

    def disk_full_spool(self):
        self.disk_full("spool")

    # ------------------------------------------------------------------ a locked database
    def lock_db(self, pd):
        c = sqlite3.connect(os.path.join(pd.state, "pdgate.db"), timeout=30,
                            isolation_level=None)
        c.execute("BEGIN EXCLUSIVE")
        c.execute("INSERT INTO mailboxes (name, uidvalidity) VALUES ('lock-probe', 1) "
                  "ON CONFLICT (name) DO NOTHING")
        return c

    def db_locked_waits(self):
        """Held for 3 s (less than pdgate's busy timeout of 10 s): the pass waits, then
        processes everything."""
        pd = self.pdgate("locked-wait")
        first, first_addr = self.requests("l-first", 1)
        self.poll(pd)
        raws, addrs = self.requests("l-wait", 2)
        lock = self.lock_db(pd)
        p = subprocess.Popen(pd.argv("poll", "--once"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        start = time.monotonic()
        time.sleep(3)
        lock.execute("ROLLBACK")
        lock.close()
        err = p.communicate(timeout=90)[1].decode("utf-8", "replace")
        took = time.monotonic() - start
        pd.log.append(("", ("poll", "--once", "(database locked 3 s)"), p.returncode, err))
        check(p.returncode == 0, "poll exited %s" % p.returncode, pd.diag())
        check(took >= 2.5, "poll did not wait for the lock (%.1f s)" % took)
        self.exactly_once(pd, first + raws, first_addr + addrs)

    def db_locked_gives_up(self):
        """Held until pdgate exits: nothing processed, nothing lost, a clear log line; the
        next pass does it all once."""
        pd = self.pdgate("locked-long")
        first, first_addr = self.requests("l-long-first", 1)
        self.poll(pd)
        before = self.inbound(pd)
        raws, addrs = self.requests("l-long", 2)
        lock = self.lock_db(pd)
        start = time.monotonic()
        try:
            r = self.run(pd, "poll", "--once", timeout=120)
            took = time.monotonic() - start
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        check(r.returncode >= 0, "pdgate died (%s)" % r.returncode, pd.diag())
        said = re.search(r".*database is locked.*", r.err)
        check(said, "no clear log line about the lock", pd.diag())
        pdtest.note("exit %d after %.1f s; log: %s" % (r.returncode, took, said.group(0)[:150]))
        self.untouched(pd, raws, addrs, before)
        self.poll(pd)
        self.exactly_once(pd, first + raws, first_addr + addrs)

    # ------------------------------------------------------------------ SIGTERM
    def sigterm_while_stalled(self, label, arm, k=3):
        pd = self.pdgate("term-" + label, imap_port=self.proxy.port, imap_timeout=30)
        self.proxy.clear()
        self.proxy.reset()
        raws, addrs = self.requests("t-" + label, k)
        event = arm()
        p = subprocess.Popen(pd.argv("poll"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            check(self.proxy.wait_for(event, 1, 30), "the proxy never stalled",
                  self.proxy.transcript())
            time.sleep(0.5)
            start = time.monotonic()
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            took = time.monotonic() - start
        finally:
            if p.poll() is None:
                p.kill()
            err = p.communicate()[1].decode("utf-8", "replace")
            pd.log.append(("", ("poll", "(daemon, SIGTERM)"), p.returncode, err))
            self.proxy.clear()
        check(took < 5, "pdgate took %.1f s to stop after SIGTERM (IMAP timeout 30 s)" % took,
              pd.diag())
        check(p.returncode == 0, "the daemon exited %s" % p.returncode, pd.diag())
        self.no_strangers(pd)
        self.poll(pd)
        self.ms.settle()
        if any(o.get("state") != "sent" for o in pd.outbox()):
            self.settle_journal(pd)
        self.exactly_once(pd, raws, addrs)
        pdtest.note("stopped %.2f s after SIGTERM" % took)

    def sigterm_mid_fetch(self):
        self.sigterm_while_stalled("fetch", lambda: self.proxy.fault(
            "UID FETCH", "stall_mid_literal", **self.BODY) and "fault:stall_mid_literal")

    def sigterm_no_greeting(self):
        def arm():
            self.proxy.stall_greeting = 1
            return "fault:stall_greeting"
        self.sigterm_while_stalled("greet", arm)

    def sigterm_mid_search(self):
        self.sigterm_while_stalled("search", lambda: self.proxy.fault(
            "UID SEARCH", "stall") and "fault:stall")


TESTS = [("kill_at_%s_%d_then_restart_each_once" % (p, n), "kill_%s_%d" % (p, n))
         for p, n in KILL_POINTS] + [
    ("kill_loop_whole_database_each_once", "kill_loop_totals"),
    ("kill_too_large_after_commit_recorded_once", "kill_too_large_after_commit"),
    ("imap_drop_mid_fetch_literal_nothing_cut_stored", "imap_drop_mid_literal"),
    ("imap_drop_after_server_moved_not_redone", "imap_drop_after_move"),
    ("imap_no_bad_bye_kept_and_logged", "imap_no_bad_bye"),
    ("imap_no_greeting_times_out_touches_nothing", "imap_no_greeting"),
    ("imap_garbage_nonsense_oversized_literal", "imap_malformed"),
    ("imap_drop_in_idle_reconnects", "imap_drop_in_idle"),
    ("uidvalidity_change_no_double_no_loss", "uidvalidity"),
    ("disk_full_database_fails_closed_then_once", "disk_full_database"),
    ("disk_full_spool_fails_closed_then_once", "disk_full_spool"),
    ("db_locked_3s_waits_then_once", "db_locked_waits"),
    ("db_locked_throughout_keeps_mail_then_once", "db_locked_gives_up"),
    ("sigterm_mid_fetch_literal_stops_within_5s", "sigterm_mid_fetch"),
    ("sigterm_no_greeting_stops_within_5s", "sigterm_no_greeting"),
    ("sigterm_search_unanswered_stops_within_5s", "sigterm_mid_search"),
]
for _p, _n in KILL_POINTS:
    setattr(Faults, "kill_%s_%d" % (_p, _n), lambda self, p=_p, n=_n: self.kill_at(p, n))


def run_one(name, fn):
    """pdtest.run_test, and SKIP (not counted) for a test that cannot run here."""
    try:
        fn()
    except Skip as e:
        print("SKIP %s: %s" % (name, e), flush=True)
        return
    except Failure as f:
        pdtest.report(name, False, f.reason, f.details)
    except Exception as e:
        pdtest.report(name, False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if
                                                str(e) else ""), traceback.format_exc())
    else:
        pdtest.report(name, True)


def run_scenario(tests):
    """pdtest.run_scenario, with the proxy stopped and the tmpfs mounts gone whatever
    happens, and checked."""
    from harness import MailServers
    ms = MailServers()
    pids, t = [], None
    try:
        ms.start()
        pids.extend(p.pid for p in (ms.dovecot, ms.smtpd) if p is not None)
        t = Faults(ms)
        for name, method in tests:
            run_one(name, getattr(t, method))
    finally:
        if t is not None:
            t.close()
        ms.stop()
    pdtest.run_test("servers_proxy_and_mounts_gone", lambda: check(
        not pdtest.process_groups_alive(pids) and (t is None or not t.proxy.running()) and
        (t is None or not t.mounts), "a server, the proxy or a tmpfs mount is left"))


def main():
    harness.require_root()
    want = sys.argv[1:]
    tests = [(n, m) for n, m in TESTS
             if not want or any(w in (n, m) or m.startswith(w + "_") for w in want)]
    if not tests:
        print("no such test: %s (methods: %s)" % (" ".join(want),
                                                  " ".join(m for _, m in TESTS)))
        sys.exit(2)
    try:
        run_scenario(tests)
    except Exception as e:
        pdtest.report("faults", False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0]
                                                    if str(e) else ""), traceback.format_exc())
    pdtest.finish()


if __name__ == "__main__":
    main()
