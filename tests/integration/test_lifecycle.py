#!/usr/bin/env python3
"""A case's life end to end, against a real Dovecot and OpenSMTPD (see harness.py): requests
APPENDed with a fixed INTERNALDATE, `poll --once`, and the team's `pdgate case REF ACTION`
commands run on chosen days under libfaketime (every pdgate command of this file runs under
faketime at the scenario's "now", so the clock, the events' times and the notices agree).

One timeline in one database, three requests received on Monday 2 March 2026:
  A  jane (requester@): subject access, no identity document: one acknowledgement that asks
     for it, awaiting_identity, identity sent on Tue 3 Mar, verified (jane is told the date),
     Part 3, a clarification stop 5-12 March (told the new date), extended, responded;
  B  bob@: subject access with a passport attached: open at once, UK GDPR, extension refused
     after the first month;
  C  alice@: FOI, 20 UK working days (17 March is a Northern Ireland bank holiday).
Every date asserted here was counted by hand from domain-rules 3 (see the comments).

Prints "PASS name" or "FAIL name: reason" per test (diagnostics indented below a FAIL), then
"N passed, N failed".  Exit 1 on any failure, 77 when skipped (not root / no mail servers).
Needs faketime (Debian package faketime): without it the run FAILS, it does not skip.
"""

import datetime
import email.policy
import email.utils
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import traceback
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from pdtest import Failure, check, dump, norm_mid, note, report, results, run_test  # noqa: E402
from harness import MailServers, PDGATE, parse  # noqa: E402

REF_RE = re.compile(r"PD-\d{4}-\d{6}")
DISC = "disclosure@pdgate.test"
JANE = "requester@public.test"       # case A
BOB = "bob@public.test"              # case B
ALICE = "alice@public.test"          # case C
FAKETIME = shutil.which("faketime")
DEADLINES = os.path.join(harness.REPO_ROOT, "rules", "deadlines.tsv")
ACTOR = "local:" + pwd.getpwuid(os.getuid()).pw_name


def utc(y, mo, d, h=10, mi=0):
    return datetime.datetime(y, mo, d, h, mi, tzinfo=datetime.timezone.utc)


# ------------------------------------------------------------------ pdgate under faketime
class Pdgate(pdtest.FaketimePdgate):
    """pdgate with one state folder; every command runs under `faketime NOW`."""

    def __init__(self, ms, name, **overrides):
        super().__init__(ms, name, gateway_deadlines=DEADLINES, **overrides)


# ------------------------------------------------------------------ messages
A_BODY = ("Under the Data Protection Act I am asking for a copy of all personal data you hold "
          "about me, including my custody record.\n\nJane Smith\n")
B_BODY = ("Under the Data Protection Act I am asking for a copy of all personal data you hold "
          "about me. I attach a copy of my passport as proof of identity.\n\nBob Green\n")
C_BODY = ("Under the Freedom of Information Act please send the number of burglaries recorded "
          "in 2025.\n\nAlice Brown\n")
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(range(256)) * 8 + b"\xff\xd9")
QUESTION = "Which custody record dates do you mean?"
EXT_REASON = "The records span many systems"


def mail(from_addr, from_name, subject, body, when, attachment=None, in_reply_to=None):
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = email.utils.formataddr((from_name, from_addr))
    m["To"] = DISC
    m["Subject"] = subject
    m["Date"] = email.utils.format_datetime(when)
    m["Message-ID"] = email.utils.make_msgid(domain="public.test")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    m.set_content(body)
    if attachment:
        m.add_attachment(attachment, maintype="image", subtype="jpeg", filename="passport.jpg")
    return m.as_bytes()


def flat(text):
    """Body text with all whitespace runs made one space (templates wrap lines)."""
    return re.sub(r"\s+", " ", text or "")


def body_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def events(show, actor=None, action=None):
    return [e for e in show.get("events", [])
            if (actor is None or e.get("actor") == actor)
            and (action is None or e.get("action") == action)]


def deadline_item(show, kind):
    items = [d for d in show.get("deadlines") or [] if d.get("kind") == kind]
    check(len(items) == 1, "expected one %s deadline, got %d" % (kind, len(items)),
          dump(show.get("deadlines")))
    return items[0]


def expect(obj, want, what):
    """Every key of `want` has that value in obj."""
    bad = {k: (obj.get(k), v) for k, v in want.items() if obj.get(k) != v}
    check(not bad, "%s: %s" % (what, ", ".join("%s is %r, expected %r" % (k, g, w)
                                               for k, (g, w) in sorted(bad.items()))),
          dump(obj))


# ------------------------------------------------------------------ the timeline
class Timeline:
    def __init__(self, ms):
        self.ms = ms
        self.pd = Pdgate(ms, "lifecycle")
        self.ref = {}               # "A" / "B" / "C" -> reference
        self.seen = {}              # requester -> messages already read from their INBOX
        self.sent = {}              # notice name -> the last such notice received

    # ---- helpers
    def need(self, *which):
        for w in which:
            check(self.ref.get(w), "needs case %s (opened by the first test)" % w)
        return [self.ref[w] for w in which]

    def append(self, raw, when):
        self.ms.append(DISC, "INBOX", raw, date=when)

    def poll(self, now):
        self.pd.at(now).poll()
        self.ms.settle()

    def new_mail(self, user, expected):
        """The messages that arrived in user's INBOX since the last call: exactly `expected`."""
        ms = self.ms
        before = self.seen.get(user, 0)
        if expected:
            try:
                ms.wait_for_mail(user, "INBOX", before + expected, timeout=20)
            except TimeoutError as e:
                raise Failure("%s: expected %d new message(s)" % (user, expected), str(e))
        ms.settle()
        got = [parse(raw) for raw in ms.imap_fetch_all(user, "INBOX")]
        new = got[before:]
        self.seen[user] = len(got)
        check(len(new) == expected, "%s received %d new message(s), expected %d: %r"
              % (user, len(new), expected, [str(m["Subject"]) for m in new]))
        return new

    def notices(self, ref):
        """{Message-ID: notice name} of the case's outbound messages, pairing them in order
        with its notice_queued events."""
        show = self.pd.case(ref)
        out = [norm_mid(m.get("message_id")) for m in show.get("messages", [])
               if m.get("direction") == "out"]
        names = [e.get("detail") for e in events(show, action="notice_queued")]
        check(len(out) == len(names), "%s: %d outbound messages but %d notice_queued events"
              % (ref, len(out), len(names)), dump(show))
        return dict(zip(out, names))

    def named(self, ref, msgs):
        """The notice name of each message in msgs (they must be this case's notices)."""
        by_mid = self.notices(ref)
        names = []
        for m in msgs:
            subj = str(m["Subject"])
            check(ref in subj, "notice subject %r lacks the reference %s" % (subj, ref))
            name = by_mid.get(norm_mid(str(m["Message-ID"])))
            check(name, "received %r (Message-ID %s) is not an outbound message of %s"
                  % (subj, m["Message-ID"], ref), dump(by_mid))
            names.append(name)
            self.sent[name] = m
        return names

    def counts(self, show):
        return len(show.get("events", [])), len(show.get("outbox", []))

    # ---- classification preconditions
    def setup_classification(self):
        d = os.path.join(self.ms.tmp, "eml")
        os.makedirs(d, exist_ok=True)
        files = []
        for name, raw in (("a", mail(JANE, "Jane Smith", "Subject access request", A_BODY,
                                     utc(2026, 3, 2))),
                          ("b", mail(BOB, "Bob Green", "Subject access request", B_BODY,
                                     utc(2026, 3, 2), attachment=JPEG)),
                          ("c", mail(ALICE, "Alice Brown", "Freedom of Information request",
                                     C_BODY, utc(2026, 3, 2)))):
            p = os.path.join(d, name + ".eml")
            with open(p, "wb") as f:
                f.write(raw)
            files.append(p)
        r = self.pd.at("2026-03-02 09:00:00").ok("classify", "--json", *files)
        try:
            got = json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            raise Failure("classify --json printed invalid JSON (%s)" % e,
                          r.stdout.decode("utf-8", "replace")[:2000])
        check(isinstance(got, list) and len(got) == 3, "classify --json: 3 objects expected",
              dump(got))
        want = [(["access"], False), (["access"], True), (["foi"], False)]
        for f, o, (kinds, ident) in zip("ABC", got, want):
            check((o.get("kinds"), o.get("identity_attached"), o.get("auto")) ==
                  (kinds, ident, False),
                  "request %s classified kinds=%r identity_attached=%r auto=%r, the scenario "
                  "needs kinds=%r identity_attached=%r" % (f, o.get("kinds"),
                                                          o.get("identity_attached"),
                                                          o.get("auto"), kinds, ident),
                  dump(o))

    # ---- Mon 2 March 2026: three requests
    def day1_poll(self):
        self.append(mail(JANE, "Jane Smith", "Subject access request", A_BODY,
                         utc(2026, 3, 2, 9, 58)), utc(2026, 3, 2, 10, 0))
        self.append(mail(BOB, "Bob Green", "Subject access request", B_BODY,
                         utc(2026, 3, 2, 10, 3), attachment=JPEG), utc(2026, 3, 2, 10, 5))
        self.append(mail(ALICE, "Alice Brown", "Freedom of Information request", C_BODY,
                         utc(2026, 3, 2, 10, 8)), utc(2026, 3, 2, 10, 10))
        self.poll("2026-03-02 10:30:00")
        cases = self.pd.cases()
        by = {c.get("requester"): c.get("reference") for c in cases}
        check(len(cases) == 3 and set(by) == {JANE, BOB, ALICE},
              "expected 3 cases (jane, bob, alice), got %d" % len(cases), dump(cases))
        self.ref = {"A": by[JANE], "B": by[BOB], "C": by[ALICE]}
        for k, r in self.ref.items():
            check(REF_RE.fullmatch(r or ""), "case %s: bad reference %r" % (k, r))
        note("A %(A)s, B %(B)s, C %(C)s" % self.ref)

    def a1_awaiting_identity(self):
        a, = self.need("A")
        show = self.pd.case(a)
        expect(show, {"state": "awaiting_identity", "kinds": "access", "regime": "unknown",
                      "identity_on": None}, "case A")
        check(str(show.get("received", "")).startswith("2026-03-02"),
              "received %r: not the INTERNALDATE day 2026-03-02" % show.get("received"))
        dl = show.get("deadlines")
        check(isinstance(dl, list) and len(dl) == 1, "expected exactly one deadline item",
              dump(dl))
        expect(dl[0], {"kind": "access", "clock": "not_started", "start": None,
                       "deadline": None, "due": None, "days_left": None}, "A's access deadline")
        check(show.get("next_deadline") is None, "next_deadline %r: nothing is running"
              % show.get("next_deadline"))
        # One message per new request: the acknowledgement asks for identity itself.
        msgs = self.new_mail(JANE, 1)
        names = self.named(a, msgs)
        check(names == ["acknowledgement"],
              "jane received %r, expected only the acknowledgement" % names)
        self.jane_ack = msgs[0]
        ack = flat(body_of(msgs[0]))
        check("2 March 2026" in ack, "the acknowledgement does not give the received day "
              "2 March 2026 (the INTERNALDATE)", ack)
        check(re.search(r"starts?\b[^.]*\bidentity", ack, re.I),
              "the acknowledgement does not say the clock starts when identity arrives", ack)
        check(not re.search(r"\b(April|May|June) 2026\b", ack),
              "the acknowledgement gives a deadline although the clock has not started", ack)
        for phrase in ("cannot start", "full name", "current address", "police station",
                       "999"):
            check(phrase in ack.lower(), "the acknowledgement lacks %r (it asks for identity "
                  "and says the mailbox is not for emergencies)" % phrase, ack)
        check(not re.search(r"not valid", ack, re.I),
              "the acknowledgement calls the request not valid", ack)

    def b1_open_with_identity(self):
        b, = self.need("B")
        show = self.pd.case(b)
        expect(show, {"state": "open", "kinds": "access", "regime": "unknown",
                      "identity_attached": True, "identity_on": "2026-03-02"}, "case B")
        # Mon 2 Mar + 1 month = Thu 2 Apr 2026, a working day (Good Friday is 3 Apr).
        # Days left on 2 Mar: 29 (to 31 Mar) + 2 = 31.
        expect(deadline_item(show, "access"),
               {"clock": "running", "start": "2026-03-02", "deadline": "2026-04-02",
                "due": "2026-04-02", "unit": "calendar_days", "days_left": 31,
                "stopped_days": 0}, "B's access deadline")
        msgs = self.new_mail(BOB, 1)
        check(self.named(b, msgs) == ["acknowledgement"], "bob should get only the "
              "acknowledgement")
        check("2 April 2026" in flat(body_of(msgs[0])),
              "B's acknowledgement does not give the deadline 2 April 2026",
              flat(body_of(msgs[0])))

    def c1_foi_open(self):
        c, = self.need("C")
        show = self.pd.case(c)
        expect(show, {"state": "open", "kinds": "foi"}, "case C")
        # Received Mon 2 Mar. Day 1 = Tue 3 Mar; 3-6 (4), 9-13 (9), 16 (10), Tue 17 Mar is a
        # Northern Ireland bank holiday, 18-20 (13), 23-27 (18), 30 (19), Tue 31 Mar (20).
        # Days left on 2 Mar: all 20.
        expect(deadline_item(show, "foi"),
               {"clock": "running", "deadline": "2026-03-31", "due": "2026-03-31",
                "unit": "working_days", "days_left": 20}, "C's FOI deadline")
        check(len(show.get("deadlines") or []) == 1, "C has more than the FOI deadline",
              dump(show.get("deadlines")))
        msgs = self.new_mail(ALICE, 1)
        check(self.named(c, msgs) == ["acknowledgement"], "alice should get only the "
              "acknowledgement (no identity request for FOI)")
        check("31 March 2026" in flat(body_of(msgs[0])),
              "C's acknowledgement does not give the deadline 31 March 2026",
              flat(body_of(msgs[0])))

    # ---- Tue 3 March: the identity document arrives
    def a2_identity_reply(self):
        a, = self.need("A")
        idr = getattr(self, "jane_ack", None)
        check(idr is not None, "jane has no acknowledgement to reply to")
        raw = mail(JANE, "Jane Smith", "Re: " + str(idr["Subject"]),
                   "Here is a scan of my passport as proof of identity.\n\nJane Smith\n",
                   utc(2026, 3, 3, 14, 0), attachment=JPEG,
                   in_reply_to=str(idr["Message-ID"]))
        self.append(raw, utc(2026, 3, 3, 14, 2))
        self.poll("2026-03-03 14:30:00")
        check(len(self.pd.cases()) == 3, "the identity reply opened a new case")
        show = self.pd.case(a)
        inbound = [m for m in show.get("messages", []) if m.get("direction") == "in"]
        check(len(inbound) == 2, "case A has %d inbound messages, expected 2" % len(inbound),
              dump(show.get("messages")))
        expect(show, {"state": "awaiting_identity", "identity_on": None},
               "case A after the identity reply (the team verifies)")
        expect(deadline_item(show, "access"), {"clock": "not_started", "deadline": None},
               "A's access deadline")
        self.new_mail(JANE, 0)
        check(self.ms.imap_list(DISC, "INBOX") == 0, "disclosure INBOX not emptied")

    # ---- Wed 4 March: identity verified, regimes set
    def a3_verify_identity(self):
        a, = self.need("A")
        before = self.counts(self.pd.at("2026-03-04 10:00:00").case(a))
        self.pd.action(a, "verify-identity")
        show = self.pd.case(a)
        expect(show, {"state": "open", "identity_on": "2026-03-03", "regime": "unknown"},
               "case A after verify-identity (no --on: the reply's day)")
        # Tue 3 Mar + 1 month = Fri 3 Apr, Good Friday; Sat, Sun, Easter Monday 6 Apr:
        # Tue 7 Apr. Days left on 4 Mar: 27 + 7 = 34.
        expect(deadline_item(show, "access"),
               {"clock": "running", "start": "2026-03-03", "deadline": "2026-04-07",
                "due": "2026-04-07", "unit": "calendar_days", "days_left": 34,
                "stopped_days": 0}, "A's access deadline")
        after = self.counts(show)
        check(after[1] == before[1] + 1, "verify-identity queued %d notices, expected one "
              "(the date the clock started)" % (after[1] - before[1]))
        self.poll("2026-03-04 10:01:00")
        msgs = self.new_mail(JANE, 1)
        check(self.named(a, msgs) == ["clock_started"], "jane should be told the date")
        text = flat(body_of(msgs[0]))
        check("7 April 2026" in text, "clock_started does not give 7 April 2026", text)
        check("identity" in text.lower(), "clock_started does not say why (identity)", text)

    def a4_set_regime(self):
        a, = self.need("A")
        self.pd.at("2026-03-04 10:05:00").action(a, "set-regime", "law_enforcement")
        show = self.pd.case(a)
        expect(show, {"state": "open", "regime": "law_enforcement"}, "case A after set-regime")
        item = deadline_item(show, "access")
        expect(item, {"clock": "running", "start": "2026-03-03", "deadline": "2026-04-07"},
               "A's access deadline (unchanged by the regime)")
        check("law_enforcement" in (item.get("rule") or ""),
              "rule %r is not the law-enforcement one" % item.get("rule"))

    def b2_set_regime_general(self):
        b, = self.need("B")
        self.pd.at("2026-03-04 10:10:00").action(b, "set-regime", "general")
        show = self.pd.case(b)
        expect(show, {"state": "open", "regime": "general"}, "case B after set-regime")
        item = deadline_item(show, "access")
        expect(item, {"clock": "running", "start": "2026-03-02", "deadline": "2026-04-02",
                      "extension_notice_by": "2026-04-02", "extended_deadline": None},
               "B's access deadline")
        check("general" in (item.get("rule") or ""),
              "rule %r is not the UK GDPR one" % item.get("rule"))

    # ---- Thu 5 March: a question; the clock stops
    def a5_clarify(self):
        a, = self.need("A")
        self.pd.at("2026-03-05 10:00:00").action(a, "clarify", "--question", QUESTION)
        show = self.pd.case(a)
        expect(show, {"state": "awaiting_clarification", "stops": "2026-03-05:"},
               "case A after clarify")
        # Shown as if answered today: stop 5-5 Mar = 1 day; 3 Apr + 1 = Sat 4 Apr; Sun,
        # Easter Monday: Tue 7 Apr.
        expect(deadline_item(show, "access"),
               {"clock": "stopped", "deadline": "2026-04-07", "stopped_days": 1},
               "A's access deadline while stopped")
        self.poll("2026-03-05 10:30:00")
        msgs = self.new_mail(JANE, 1)
        check(self.named(a, msgs) == ["clarification_request"],
              "jane should get the clarification_request")
        text = flat(body_of(msgs[0]))
        check(QUESTION in text, "the clarification request lacks the question", text)
        check(re.search(r"paused|stopped", text, re.I),
              "the clarification request does not say the clock is stopped", text)

    # ---- Thu 12 March: the answer; Fri 13 March: clarified
    def a6_clarified(self):
        a, = self.need("A")
        q = self.sent.get("clarification_request")
        check(q is not None, "jane has no clarification request to reply to")
        raw = mail(JANE, "Jane Smith", "Re: " + str(q["Subject"]),
                   "I mean the custody records of my arrest in January 2026.\n\nJane Smith\n",
                   utc(2026, 3, 12, 9, 0), in_reply_to=str(q["Message-ID"]))
        self.append(raw, utc(2026, 3, 12, 9, 1))
        self.poll("2026-03-12 09:30:00")
        show = self.pd.case(a)
        check(show.get("state") == "awaiting_clarification",
              "state %r after the answer was polled: the team marks it clarified"
              % show.get("state"))
        self.new_mail(JANE, 0)
        self.pd.at("2026-03-13 10:00:00").action(a, "clarified")
        show = self.pd.case(a)
        expect(show, {"state": "open", "stops": "2026-03-05:2026-03-12",
                      "identity_on": "2026-03-03"}, "case A after clarified (no --on)")
        # domain-rules 3.4: 3 Apr + 8 stopped days (5-12 Mar, both counted) = Sat 11 Apr:
        # Mon 13 Apr; an extension must be notified by Sat 11 Apr. Days left on 13 Mar: 31.
        expect(deadline_item(show, "access"),
               {"clock": "running", "start": "2026-03-03", "stopped_days": 8,
                "deadline": "2026-04-13", "extension_notice_by": "2026-04-11",
                "due": "2026-04-13", "days_left": 31}, "A's access deadline")
        # The clarification request promised the new date: it comes now.
        self.poll("2026-03-13 10:30:00")
        msgs = self.new_mail(JANE, 1)
        check(self.named(a, msgs) == ["deadline_changed"], "jane should get the new date")
        text = flat(body_of(msgs[0]))
        check("13 April 2026" in text, "deadline_changed does not give 13 April 2026", text)

    # ---- Fri 20 March: extension
    def a7_extend(self):
        a, = self.need("A")
        self.pd.at("2026-03-20 10:00:00").action(a, "extend", "--reason", EXT_REASON)
        show = self.pd.case(a)
        expect(show, {"state": "extended", "extended_on": "2026-03-20"}, "case A after extend")
        # 3 months from Tue 3 Mar = Wed 3 Jun, + 8 stopped days = Thu 11 Jun 2026 (a working
        # day). Days left on 20 Mar: 11 + 30 + 31 + 11 = 83.
        expect(deadline_item(show, "access"),
               {"clock": "running", "deadline": "2026-04-13",
                "extended_deadline": "2026-06-11", "due": "2026-06-11", "days_left": 83,
                "stopped_days": 8}, "A's access deadline")
        self.poll("2026-03-20 10:30:00")
        msgs = self.new_mail(JANE, 1)
        check(self.named(a, msgs) == ["extension_notice"], "jane should get the "
              "extension_notice")
        text = flat(body_of(msgs[0]))
        check("11 June 2026" in text, "the extension notice does not give 11 June 2026", text)
        check(EXT_REASON in text, "the extension notice does not give the reason", text)

    def c2_cases_most_urgent_first(self):
        a, b, c = self.need("A", "B", "C")
        rows = self.pd.at("2026-03-20 11:00:00").cases()
        refs = [r.get("reference") for r in rows]
        check(refs == [c, b, a], "order %r, expected C (31 Mar), B (2 Apr), A (11 Jun): %r"
              % (refs, [c, b, a]), dump(rows))
        nd = {r.get("reference"): r.get("next_deadline") or {} for r in rows}
        # Working days after Fri 20 Mar up to Tue 31 Mar: 23-27 (5), 30, 31 = 7.
        expect(nd[c], {"kind": "foi", "due": "2026-03-31", "days_left": 7,
                       "unit": "working_days", "clock": "running"}, "C's next_deadline")
        # 20 Mar -> 2 Apr: 11 + 2 = 13 calendar days.
        expect(nd[b], {"kind": "access", "due": "2026-04-02", "days_left": 13,
                       "unit": "calendar_days"}, "B's next_deadline")
        expect(nd[a], {"kind": "access", "due": "2026-06-11", "days_left": 83},
               "A's next_deadline")

    # ---- Wed 1 April: C is overdue
    def c3_cases_overdue(self):
        a, b, c = self.need("A", "B", "C")
        rows = self.pd.at("2026-04-01 10:00:00").cases("--overdue")
        refs = [r.get("reference") for r in rows]
        check(refs == [c], "--overdue on 1 April lists %r, expected only C %s (B is due "
              "2 April, A 11 June)" % (refs, c), dump(rows))
        # Wed 1 Apr is one working day after Tue 31 Mar.
        expect(rows[0].get("next_deadline") or {}, {"due": "2026-03-31", "days_left": -1},
               "C's next_deadline on 1 April")

    # ---- Fri 10 April: too late to extend B
    def b3_extend_too_late(self):
        b, = self.need("B")
        self.pd.at("2026-04-10 10:00:00")
        before = self.pd.case(b)
        r = self.pd.run("case", b, "extend", "--reason", "x")
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == 65, "extend after the first month: exit %s, expected 65 (refused)"
              % r.returncode, self.pd.diag())
        check("2 April 2026" in err, "the refusal does not name 2 April 2026: %r"
              % err.strip())
        after = self.pd.case(b)
        expect(after, {"state": "open", "extended_on": None}, "case B after the refusal")
        check(self.counts(after) == self.counts(before),
              "events/outbox rows %r -> %r: a refused action changed the case"
              % (self.counts(before), self.counts(after)))
        expect(deadline_item(after, "access"), {"deadline": "2026-04-02",
                                                "extended_deadline": None},
               "B's access deadline")

    # ---- Mon 20 April: A answered
    def a8_respond(self):
        a, = self.need("A")
        self.pd.at("2026-04-20 10:00:00").action(a, "respond")
        show = self.pd.case(a)
        expect(show, {"state": "responded"}, "case A after respond")
        for d in show.get("deadlines") or []:
            expect(d, {"clock": "ended", "days_left": None}, "A's %s deadline" % d.get("kind"))
        expect(deadline_item(show, "access"), {"deadline": "2026-04-13",
                                               "extended_deadline": "2026-06-11"},
               "A's access deadline kept for the record")
        check(show.get("next_deadline") is None, "next_deadline %r on a responded case"
              % show.get("next_deadline"))
        self.poll("2026-04-20 10:30:00")
        msgs = self.new_mail(JANE, 1)
        check(self.named(a, msgs) == ["response_cover"], "jane should get the response_cover")

    def a9_extend_after_respond_refused(self):
        a, = self.need("A")
        self.pd.at("2026-04-20 11:00:00")
        before = self.pd.case(a)
        r = self.pd.run("case", a, "extend", "--reason", "x")
        check(r.returncode == 65, "extend on a responded case: exit %s, expected 65"
              % r.returncode, self.pd.diag())
        after = self.pd.case(a)
        check(after.get("state") == "responded", "state %r" % after.get("state"))
        check(self.counts(after) == self.counts(before),
              "events/outbox rows %r -> %r: a refused action changed the case"
              % (self.counts(before), self.counts(after)))

    # ---- the record
    def events_recorded(self):
        a, b, c = self.need("A", "B", "C")
        want = {
            a: [("identity_verified", "2026-03-04", "awaiting_identity -> open"),
                ("regime_set", "2026-03-04", "unknown -> law_enforcement"),
                ("clarification_requested", "2026-03-05", "open -> awaiting_clarification"),
                ("clarified", "2026-03-13", "awaiting_clarification -> open"),
                ("extended", "2026-03-20", "open -> extended"),
                ("responded", "2026-04-20", "extended -> responded")],
            b: [("regime_set", "2026-03-04", "unknown -> general")],
            c: [],
        }
        for ref, exp in want.items():
            show = self.pd.at("2026-04-20 12:00:00").case(ref)
            mine = events(show, actor=ACTOR)
            got = [(e.get("action"), str(e.get("at", ""))[:10]) for e in mine]
            check(got == [(x, d) for x, d, _ in exp],
                  "%s: events by %s are %r, expected %r" % (ref, ACTOR, got,
                                                            [(x, d) for x, d, _ in exp]),
                  dump(show.get("events")))
            for e, (action, _, change) in zip(mine, exp):
                check(change in (e.get("detail") or ""),
                      "%s: %s event detail %r lacks %r" % (ref, action, e.get("detail"),
                                                           change))
            others = [e for e in show.get("events", []) if e.get("actor") not in (ACTOR,
                                                                                   "gateway")]
            check(not others, "%s: events by unexpected actors" % ref, dump(others))
        show = self.pd.case(a)
        detail = {e.get("action"): e.get("detail") or "" for e in events(show, actor=ACTOR)}
        check(QUESTION in detail.get("clarification_requested", ""),
              "the question is not in the clarification event")
        check(EXT_REASON in detail.get("extended", ""), "the reason is not in the extended "
              "event")


def timeline():
    ms = MailServers()
    pids = []
    try:
        ms.start()
        pids = [p.pid for p in (ms.dovecot, ms.smtpd) if p is not None]
        t = Timeline(ms)
        run_test("setup_requests_classified_as_the_scenario_needs", t.setup_classification)
        run_test("day1_three_requests_polled_open_three_cases", t.day1_poll)
        run_test("a1_access_without_identity_awaits_identity", t.a1_awaiting_identity)
        run_test("b1_access_with_passport_opens_deadline_2_april", t.b1_open_with_identity)
        run_test("c1_foi_opens_deadline_31_march_working_days", t.c1_foi_open)
        run_test("a2_identity_reply_joins_case_still_awaiting", t.a2_identity_reply)
        run_test("a3_verify_identity_starts_clock_and_tells_the_date", t.a3_verify_identity)
        run_test("a4_set_regime_keeps_deadline", t.a4_set_regime)
        run_test("b2_set_regime_general", t.b2_set_regime_general)
        run_test("a5_clarify_stops_clock_and_sends_question", t.a5_clarify)
        run_test("a6_clarified_adds_8_stopped_days_13_april_and_tells", t.a6_clarified)
        run_test("a7_extend_to_11_june_and_notify", t.a7_extend)
        run_test("c2_cases_most_urgent_first_working_days_left", t.c2_cases_most_urgent_first)
        run_test("c3_cases_overdue_lists_foi_on_1_april", t.c3_cases_overdue)
        run_test("b3_extend_after_first_month_refused", t.b3_extend_too_late)
        run_test("a8_respond_ends_clocks_and_sends_cover", t.a8_respond)
        run_test("a9_extend_after_respond_refused", t.a9_extend_after_respond_refused)
        run_test("events_record_each_action_actor_day_and_change", t.events_recorded)
    finally:
        ms.stop()
    run_test("servers_stopped", servers_stopped, pids)


def servers_stopped(pids):
    check(pids, "the servers never started")
    alive = pdtest.process_groups_alive(pids)
    check(not alive, "process group(s) %r still running after stop()" % alive)


def main():
    harness.require_root()
    if FAKETIME is None:
        report("faketime_installed", False, "faketime is not installed: these tests run pdgate "
               "on chosen days under libfaketime (apt-get install faketime; "
               "contrib/install-deps.sh should install it)")
    else:
        try:
            timeline()
        except Exception as e:          # the servers failed to start, etc.
            report("lifecycle", False, "%s: %s" % (type(e).__name__,
                                                   str(e).splitlines()[0] if str(e) else ""),
                   traceback.format_exc())
    pdtest.finish()


if __name__ == "__main__":
    main()
