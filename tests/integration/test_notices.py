#!/usr/bin/env python3
"""Every notice pdgate sends, end to end, against a real Dovecot and OpenSMTPD (see harness.py),
and what happens when sending goes wrong (through smtp_proxy.SmtpProxy, a fault-injecting
SMTP proxy in front of OpenSMTPD).  Real clock: every action is one that is valid today.

  a  every notice kind reaches its recipient once, rendered as `templates render` shows it,
     threaded to the requester's message, and journalled (a copy in the disclosure user's
     "journal" folder with the same Message-ID); each is an outbound message of its case
  b  451 to DATA: the acknowledgement stays queued with the error, goes out once later
  c  550 to RCPT: the notice is failed (event notice_failed, `pdgate outbox`), the team's
     notification still goes; `pdgate outbox retry ID` sends it once
  d  kill -9 after the server accepted and before pdgate recorded it: reconciled from the
     journal, never sent twice
  e  max_auto_notices_per_day: the third request of the day gets no acknowledgement
  f  `templates check` passes on the shipped set; an unknown placeholder is reported as
     file:line (exit 78) and `poll` refuses to start (exit 78) without touching the mailbox

Prints "PASS name" or "FAIL name: reason" per test (diagnostics indented below a FAIL), then
"N passed, N failed".  Exit 1 on any failure, 77 when skipped (not root / no mail servers).
One scenario group: test_notices.py a   (groups a-f)
"""

import contextlib
import datetime
import difflib
import email.policy
import email.utils
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from pdtest import Failure, check, dump, hdr, norm_mid, note, notice_kind, report, results, run_test  # noqa: E402
from harness import MailServers, PDGATE, parse  # noqa: E402
from smtp_proxy import SmtpProxy  # noqa: E402

try:
    from zoneinfo import ZoneInfo
    LONDON = ZoneInfo("Europe/London")
except Exception:                     # no tz database: pdgate's day is then UTC's too
    LONDON = datetime.timezone.utc

REF_RE = re.compile(r"PD-\d{4}-\d{6}")
DISC = "disclosure@pdgate.test"
TEAM = "team@pdgate.test"
JOURNAL = "journal"
RETRY_BASE = 1        # [smtp] retry_base in harness.write_config
JOURNAL_WAIT = 2      # [smtp] journal_wait in harness.write_config
# What `templates render` puts where a team member's words go (src/gateway/preview.c).
SAMPLE_REASON = "[the reason the team member gives]"
SAMPLE_QUESTION = "[the question the team member asks]"
SAMPLE_LIFT_DAYS = 14       # the sample lift date: today + 14 days
NO_RULE = "No rule matched: check the kinds."      # team_new_case without why_text
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(range(256)) * 8 + b"\xff\xd9")

server_pids = []      # process groups of every daemon started, checked at the end
proxies = []          # every SmtpProxy started, checked at the end


def notice_ref(msg_or_mid):
    mid = msg_or_mid if isinstance(msg_or_mid, str) else hdr(msg_or_mid, "Message-ID")
    return norm_mid(mid).split(".")[0]


def london_today():
    return datetime.datetime.now(LONDON).date()


def long_date(d):
    """pdgate's "25 November 2026"."""
    return "%d %s %d" % (d.day, d.strftime("%B"), d.year)


def text_parts(msg):
    """The decoded text of every inline text/* part, in order (newlines as \\n)."""
    out = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        out.append(part.get_content().replace("\r\n", "\n"))
    return out


def crlf(raw):
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def events(show, action=None):
    return [e for e in show.get("events", []) if action is None or e.get("action") == action]


def start_servers():
    ms = MailServers()
    try:
        ms.start()
    except BaseException:
        ms.stop()
        raise
    server_pids.extend(p.pid for p in (ms.dovecot, ms.smtpd) if p is not None)
    return ms


def start_proxy(ms):
    proxy = SmtpProxy(ms.smtp_port).start()
    proxies.append(proxy)
    return proxy


@contextlib.contextmanager
def servers(with_proxy=False):
    """Dovecot + OpenSMTPD (and an SMTP proxy in front), stopped whatever happens."""
    ms = start_servers()
    proxy = None
    try:
        proxy = start_proxy(ms) if with_proxy else None
        yield ms, proxy
    finally:
        if proxy:
            proxy.stop()
        ms.stop()


# ------------------------------------------------------------------ pdgate wrapper
class Pdgate(pdtest.Pdgate):
    """The shared wrapper, with previews and the spool."""

    def render(self, name, ref):
        """The message `templates render NAME --case REF` prints, parsed."""
        r = self.ok("templates", "render", name, "--case", ref)
        return parse(r.stdout)

    def spooled(self, sha256):
        """The bytes pdgate stored under sha256 (spool/xx/<sha256>), or None."""
        hits = glob.glob(os.path.join(self.state, "spool", "*", sha256))
        if not hits:
            return None
        with open(hits[0], "rb") as f:
            return f.read()


# ------------------------------------------------------------------ messages
def mail(from_addr, from_name, subject, body, attachment=None, in_reply_to=None,
         references=None):
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = email.utils.formataddr((from_name, from_addr)) if from_name else from_addr
    m["To"] = DISC
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="public.test")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = references or in_reply_to
    m.set_content(body)
    if attachment:
        m.add_attachment(attachment, maintype="image", subtype="jpeg", filename="passport.jpg")
    return m.as_bytes()


def foi(from_addr, subject, what="how many speed cameras the force operated in 2025"):
    return mail(from_addr, None, subject,
                "Under the Freedom of Information Act please tell me %s.\n\nThank you.\n" % what)


ACCESS_BODY = ("Under the Data Protection Act I am asking for a copy of all personal data you hold "
               "about me, including my custody record.\n\nJane Smith\n")
# "erase all personal data you hold about me" reads as much like access as erasure to the
# model (0.58 / 0.57: a hedged acknowledgement in production): this scenario needs a firm one.
ERASURE_BODY = ("Under Article 17 of the UK GDPR please delete my personal data from your "
                "systems: the right to erasure. My passport is attached as proof of "
                "identity.\n\nCarol White\n")
RESTRICTION_BODY = ("Under Article 18 of the UK GDPR I ask you to restrict the processing of my "
                    "personal data while you check whether it is accurate. My passport is "
                    "attached as proof of identity.\n\nDan Black\n")

# Case letter -> (address, name, subject, body, attachment, kinds, identity_attached)
CASES = {
    "A": ("requester@public.test", "Jane Smith", "Subject access request", ACCESS_BODY, None,
          ["access"], False),
    "B": ("alice@public.test", "Alice Brown", "Freedom of Information request",
          "Under the Freedom of Information Act please tell me how many burglaries were "
          "recorded in 2025.\n\nAlice Brown\n", None, ["foi"], False),
    "C": ("carol@public.test", "Carol White", "Erasure request", ERASURE_BODY, JPEG,
          ["erasure"], True),
    "D": ("dan@public.test", "Dan Black", "Restriction of processing", RESTRICTION_BODY, JPEG,
          ["restriction"], True),
    "E": ("bob@public.test", "Bob Green", "Subject access request",
          "Under the UK GDPR I am asking for a copy of all personal data you hold about me, "
          "including every email that mentions me since 1990. My passport is attached as "
          "proof of identity.\n\nBob Green\n", JPEG, ["access"], True),
    "F": ("peer@public.test", "Pat Peer", "FOI request",
          "Under the Freedom of Information Act please tell me how many police dogs the force "
          "has.\n\nPat Peer\n", None, ["foi"], False),
    # A crime report sent to the wrong place: not a disclosure matter, redirected.
    "G": ("gail@public.test", "Gail Grey", "My bike was stolen",
          "Someone stole my bicycle from outside the library yesterday afternoon. It is a "
          "blue Raleigh. Can you please look into it?\n\nGail Grey\n", None, ["other"],
          False),
}
QUESTION = "Which custody record dates do you mean?"
EXT_REASON = "The records span several systems and need to be collected by hand."
RESTRICT_REASON = "Giving you some of the records would prejudice an ongoing investigation."
NO_ACTION_REASON = "We hold no personal data about you that we could erase."
LIFT_REASON = "The accuracy check has finished and the record was found to be correct."
REFUSE_REASON = "The request would cover several million messages."
ID_REASON = "The copy of your passport you sent cannot be read."
# [notices] redirect_other and redirect_crime as shipped (src/config/config.c): the sample
# redirect_notice shows the first, the real one the second.
REDIRECT_OTHER = ("Your message is not a request for information, so we have not opened a "
                  "request. To contact us about something else, please use the contact details "
                  "on our website.")
REDIRECT_CRIME = ("To report a crime, call 101 or report it online on our website. In an "
                  "emergency, call 999.")


# ------------------------------------------------------------------ a: every notice
class Notices:
    """Six cases, A-F, each driven to the notices it must send; every expectation recorded
    (what `templates render` showed right after the notice was queued, with the action's own
    words put where the sample shows placeholders) and checked once everything was polled."""

    def __init__(self, ms):
        self.ms = ms
        self.pd = Pdgate(ms, "notices")
        self.ref = {}            # letter -> reference
        self.request_mid = {}    # letter -> Message-ID of the request
        self.latest_mid = {}     # letter -> Message-ID of the requester's latest message
        self.expected = {}       # (letter, notice) -> dict(rcpt, rendered, subs, in_reply_to)
        self.sent = False
        self.files = {}

    def letter_of(self, ref):
        return {v: k for k, v in self.ref.items()}.get(ref)

    def need(self, *letters):
        for k in letters:
            check(self.ref.get(k), "needs case %s (opened by a_cases_opened)" % k)
        return [self.ref[k] for k in letters]

    def expect(self, letter, notice, subs=None, rcpt=None):
        """Record what notice `notice` of case `letter` must look like: rendered now."""
        ref = self.ref[letter]
        rendered = self.pd.render(notice, ref)
        self.expected[(letter, notice)] = {
            "rcpt": rcpt or CASES[letter][0],
            "rendered": rendered,
            "subs": list(subs or []),
            "in_reply_to": self.latest_mid[letter],
        }

    # ---- set-up
    def classified(self):
        d = os.path.join(self.ms.tmp, "eml")
        os.makedirs(d, exist_ok=True)
        self.raw = {}
        paths = []
        for k, (addr, name, subj, body, att, _, _) in sorted(CASES.items()):
            raw = mail(addr, name, subj, body, attachment=att)
            self.raw[k] = raw
            self.request_mid[k] = hdr(parse(raw), "Message-ID")
            p = os.path.join(d, k + ".eml")
            with open(p, "wb") as f:
                f.write(raw)
            paths.append(p)
        r = self.pd.ok("classify", "--json", *paths)
        got = json.loads(r.stdout.decode("utf-8"))
        check(isinstance(got, list) and len(got) == len(paths),
              "classify --json: %d objects expected" % len(paths), dump(got))
        bad = []
        for k, o in zip(sorted(CASES), got):
            kinds, ident = CASES[k][5], CASES[k][6]
            if (o.get("kinds"), o.get("identity_attached"), o.get("auto")) != (kinds, ident,
                                                                             False):
                bad.append("%s: kinds=%r identity_attached=%r auto=%r, the scenario needs "
                           "kinds=%r identity_attached=%r auto=False"
                           % (k, o.get("kinds"), o.get("identity_attached"), o.get("auto"),
                              kinds, ident))
        check(not bad, "requests not classified as the scenario needs", "\n".join(bad))

    def cases_opened(self):
        ms, pd = self.ms, self.pd
        check(self.raw, "needs a_requests_classified")
        for k in sorted(CASES):
            ms.append(DISC, "INBOX", self.raw[k])
        pd.poll()
        ms.settle()
        cases = pd.cases()
        by = {c.get("requester"): c for c in cases}
        check(len(cases) == len(CASES) and set(by) == {v[0] for v in CASES.values()},
              "expected %d cases, one per requester, got %d" % (len(CASES), len(cases)),
              dump(cases))
        for k, v in CASES.items():
            self.ref[k] = by[v[0]].get("reference")
            self.latest_mid[k] = self.request_mid[k]
            check(REF_RE.fullmatch(self.ref[k] or ""), "case %s: bad reference %r"
                  % (k, self.ref[k]))
        states = {k: by[v[0]].get("state") for k, v in CASES.items()}
        want = {k: ("awaiting_identity" if k == "A" else "open") for k in CASES}
        check(states == want, "states %r, expected %r" % (states, want))
        note(", ".join("%s %s" % (k, self.ref[k]) for k in sorted(self.ref)))
        # What the opening notices must be, rendered before anything changes the cases.
        for k in sorted(CASES):
            self.expect(k, "acknowledgement")
            self.expect(k, "team_new_case", rcpt=TEAM, subs=self.team_subs(k))

    def team_subs(self, letter):
        """team_new_case's intake-time values that `templates render` cannot know (it has no
        classification at hand): the rules that fired, from the case's `classified` event, and
        the request's attachments.  Put where the render shows their absence."""
        show = self.pd.case(self.ref[letter])
        ev = events(show, "classified")
        check(len(ev) == 1, "case %s: %d classified events" % (letter, len(ev)), dump(show))
        cls = json.loads(ev[0].get("detail") or "{}")
        why = "\n".join("- %s%s" % (r.get("name"), ": " + r["describe"] if r.get("describe")
                                    else "") for r in cls.get("rules", []))
        subs = []
        if why:
            subs.append((NO_RULE, why))
        # The classifier's signals (gateway/intake.c signal_lines) go above "Why".
        signals = []
        if cls.get("vague"):
            signals.append("- vague: a clarification question may be needed (#clarify)")
        if cls.get("child"):
            signals.append("- may be a child: plain-language notices are sent")
        if signals:
            subs.append(("Why the gateway thinks so\n", "Signals\n%s\n\nWhy the gateway "
                         "thinks so\n" % "\n".join(signals)))
        if CASES[letter][4] is not None:
            subs.append(("Attachments\nnone\n",
                         "Attachments\n- passport.jpg (image/jpeg, %d KB)\n"
                         % ((len(CASES[letter][4]) + 1023) // 1024)))
        return subs

    # ---- the team's actions (all valid today)
    def identity_reply(self):
        ms, pd = self.ms, self.pd
        a, = self.need("A")
        # One mail per new request: the acknowledgement asks for identity; jane answers it.
        got = [notice_kind(m) for m in self.inbox(CASES["A"][0])]
        check(got == ["acknowledgement"], "jane holds %r, expected only the acknowledgement"
              % got)
        q = self.inbox(CASES["A"][0])[0]
        raw = mail(CASES["A"][0], "Jane Smith", "Re: " + hdr(q, "Subject"),
                   "Here is my passport as proof of identity.\n\nJane Smith\n", attachment=JPEG,
                   in_reply_to=hdr(q, "Message-ID"),
                   references="%s %s" % (self.request_mid["A"], hdr(q, "Message-ID")))
        ms.append(DISC, "INBOX", raw)
        pd.poll()
        ms.settle()
        check(len(pd.cases()) == len(CASES), "the reply opened a case")
        show = pd.case(a)
        inbound = [m for m in show.get("messages", []) if m.get("direction") == "in"]
        check(len(inbound) == 2, "case A has %d inbound messages, expected 2" % len(inbound),
              dump(show.get("messages")))
        self.latest_mid["A"] = hdr(parse(raw), "Message-ID")

    def actions(self):
        pd = self.pd
        a, b, c, d, e, f, g = self.need("A", "B", "C", "D", "E", "F", "G")
        check(self.latest_mid["A"] != self.request_mid["A"], "needs a_identity_reply_joins_case")
        today = london_today()
        sample_lift = today + datetime.timedelta(days=SAMPLE_LIFT_DAYS)
        # A: identity (jane is told the date), Part 3, a question, answered (told the new
        # date), more time, then restricted.
        pd.action(a, "verify-identity")
        self.expect("A", "clock_started")
        pd.action(a, "set-regime", "law_enforcement")
        pd.action(a, "clarify", "--question", QUESTION)
        self.expect("A", "clarification_request", subs=[(SAMPLE_QUESTION, QUESTION)])
        pd.action(a, "clarified")
        self.expect("A", "deadline_changed")
        pd.action(a, "extend", "--reason", EXT_REASON)
        self.expect("A", "extension_notice", subs=[(SAMPLE_REASON, EXT_REASON)])
        pd.action(a, "restrict", "--reason", RESTRICT_REASON)
        self.expect("A", "restriction_notice", subs=[(SAMPLE_REASON, RESTRICT_REASON)])
        # B: FOI answered.
        pd.action(b, "respond")
        self.expect("B", "response_cover")
        # C: UK GDPR erasure: the passport was unreadable, identity asked again; no action.
        pd.action(c, "request-identity", "--reason", ID_REASON)
        self.expect("C", "identity_request", subs=[(SAMPLE_REASON, ID_REASON)])
        pd.action(c, "set-regime", "general")
        pd.action(c, "no-action", "--reason", NO_ACTION_REASON)
        self.expect("C", "no_action_notice", subs=[(SAMPLE_REASON, NO_ACTION_REASON)])
        # D: restriction to be lifted today.
        pd.action(d, "lift-restriction", "--on", today.isoformat(), "--reason", LIFT_REASON)
        self.expect("D", "restriction_lift_notice",
                    subs=[(SAMPLE_REASON, LIFT_REASON),
                          (long_date(sample_lift), long_date(today))])
        # E: UK GDPR access refused as excessive (the sample's ground too).
        pd.action(e, "set-regime", "general")
        pd.action(e, "refuse", "--ground", "excessive", "--reason", REFUSE_REASON)
        self.expect("E", "refusal_notice", subs=[(SAMPLE_REASON, REFUSE_REASON)])
        # F: withdrawn.
        pd.action(f, "withdraw")
        self.expect("F", "withdrawal_confirmation")
        # G: a crime report, redirected (the sample's destination is "other").
        pd.action(g, "redirect", "--to", "crime")
        self.expect("G", "redirect_notice", subs=[(REDIRECT_OTHER, REDIRECT_CRIME)])
        states = {k: pd.case(self.ref[k]).get("state") for k in sorted(CASES)}
        want = {"A": "responded", "B": "responded", "C": "refused", "D": "open",
                "E": "refused", "F": "withdrawn", "G": "closed"}
        check(states == want, "states %r, expected %r" % (states, want))

    def send(self):
        check(self.expected, "nothing to send (needs the tests above)")
        self.pd.poll()
        self.ms.settle()
        self.pd.poll()               # a second pass must send nothing more
        self.ms.settle()
        self.sent = True
        rows = self.pd.outbox()
        bad = [r for r in rows if r.get("state") != "sent"]
        check(not bad, "%d outbox row(s) not sent" % len(bad), dump(bad) + "\n" + self.pd.diag())

    # ---- reading the mailboxes
    def inbox(self, user):
        return [parse(raw) for raw in self.ms.imap_fetch_all(user, "INBOX")]

    def load_mail(self):
        if getattr(self, "_boxes", None) is None:
            boxes = {}
            for user in {v[0] for v in CASES.values()} | {TEAM}:
                boxes[user] = [(raw, parse(raw)) for raw in self.ms.imap_fetch_all(user)]
            boxes[JOURNAL] = [(raw, parse(raw)) for raw in
                              self.ms.imap_fetch_all(DISC, JOURNAL)]
            self._boxes = boxes
        return self._boxes

    # ---- the check of one notice
    def check_notice(self, letter, notice):
        check(self.sent, "needs a_send_everything")
        exp = self.expected.get((letter, notice))
        check(exp is not None, "notice %s of case %s was never queued by the test"
              % (notice, letter))
        ref = self.ref[letter]
        boxes = self.load_mail()
        mine = [(raw, m) for raw, m in boxes[exp["rcpt"]]
                if notice_ref(m) == ref and notice_kind(m) == notice]
        check(len(mine) == 1, "%s holds %d %s notice(s) of %s, expected exactly 1"
              % (exp["rcpt"], len(mine), notice, ref),
              "\n".join(hdr(m, "Subject") + "  " + hdr(m, "Message-ID")
                        for _, m in boxes[exp["rcpt"]]))
        raw, msg = mine[0]
        mid = norm_mid(hdr(msg, "Message-ID"))
        subj = hdr(msg, "Subject")
        check(ref in subj, "Subject %r lacks the reference %s" % (subj, ref))
        irt = norm_mid(hdr(msg, "In-Reply-To"))
        want_irt = norm_mid(exp["in_reply_to"])
        which = "request" if want_irt == norm_mid(self.request_mid[letter]) else "latest reply"
        check(irt == want_irt, "In-Reply-To <%s> is not the requester's %s <%s>"
              % (irt, which, want_irt))
        check(hdr(msg, "Auto-Submitted").strip().lower().startswith("auto-replied"),
              "Auto-Submitted %r" % hdr(msg, "Auto-Submitted"))
        got = text_parts(msg)
        check(got, "no text part")
        check(not any("{{" in t for t in got), "the body has an unexpanded '{{'",
              "\n".join(got)[:3000])
        # What `templates render NAME --case REF` showed, with the action's own words where
        # the sample shows placeholders.
        want = []
        for t in text_parts(exp["rendered"]):
            for old, new in exp["subs"]:
                t = t.replace(old, new)
            want.append(t)
        if got != want:
            diff = difflib.unified_diff("\n".join(want).splitlines(),
                                        "\n".join(got).splitlines(),
                                        "templates render %s --case %s" % (notice, ref),
                                        "received", lineterm="", n=1)
            raise Failure("the body differs from `templates render %s --case %s`"
                          % (notice, ref), "\n".join(diff))
        rsubj = hdr(exp["rendered"], "Subject")
        check(subj == rsubj, "Subject %r, `templates render` says %r" % (subj, rsubj))
        # The journal holds one copy with the same Message-ID.
        copies = [(r, m) for r, m in boxes[JOURNAL] if norm_mid(hdr(m, "Message-ID")) == mid]
        check(len(copies) == 1, "the journal holds %d copies of <%s>, expected 1"
              % (len(copies), mid))
        # An outbound message of the case, stored byte-exact: the spooled bytes are what the
        # recipient and the journal received (after the trace headers the servers add).
        show = self.pd.case(ref)
        out = [m for m in show.get("messages", []) if m.get("direction") == "out"
               and norm_mid(m.get("message_id")) == mid]
        check(len(out) == 1, "case show lists <%s> %d times as an outbound message of %s"
              % (mid, len(out), ref), dump(show.get("messages")))
        sha = out[0].get("sha256")
        check(sha, "the outbound message has no sha256", dump(out[0]))
        stored = self.pd.spooled(sha)
        check(stored is not None, "no spool file for sha256 %s" % sha)
        check(hashlib.sha256(stored).hexdigest() == sha, "the spool file's sha256 differs")
        for what, r in (("recipient's copy", raw), ("journal copy", copies[0][0])):
            check(crlf(r).endswith(crlf(stored)),
                  "the %s is not the stored message byte for byte" % what,
                  "stored:\n%s\n---- %s:\n%s" % (stored[:1500].decode("utf-8", "replace"), what,
                                                 r[:2000].decode("utf-8", "replace")))
        ob = [o for o in show.get("outbox", []) if norm_mid(o.get("message_id")) == mid]
        check(len(ob) == 1 and ob[0].get("state") == "sent" and ob[0].get("attempts") == 1,
              "outbox row of <%s>: %s (expected one, sent on the first attempt)"
              % (mid, dump(ob)))

    def no_other_mail(self):
        check(self.sent, "needs a_send_everything")
        boxes = self.load_mail()
        want = {}
        for (letter, notice), exp in self.expected.items():
            want[exp["rcpt"]] = want.get(exp["rcpt"], 0) + 1
        # jane's reply with her passport was raised to the team (team_case_reply: tested by
        # test_team.py); it is the only other mail.
        want[TEAM] += 1
        got = {u: len(boxes[u]) for u in want}
        check(got == want, "mailboxes hold %r messages, expected %r" % (got, want))
        raised = [m for _, m in boxes[TEAM] if notice_kind(m) == "team_case_reply"]
        check(len(raised) == 1 and notice_ref(raised[0]) == self.ref["A"],
              "the team holds %d raised replies, expected jane's" % len(raised))
        n = len(boxes[JOURNAL])
        check(n == len(self.expected) + 1, "the journal holds %d messages, expected %d"
              % (n, len(self.expected) + 1))
        names = {notice for _, notice in self.expected}
        check(names == set(ALL_NOTICES), "not every notice kind was exercised: missing %r"
              % sorted(set(ALL_NOTICES) - names))


ALL_NOTICES = ("acknowledgement", "identity_request", "clarification_request",
               "extension_notice", "restriction_notice", "refusal_notice", "no_action_notice",
               "restriction_lift_notice", "response_cover", "withdrawal_confirmation",
               "clock_started", "deadline_changed", "redirect_notice", "team_new_case")

# (letter, notice) checked one test each.
A_CHECKS = [("A", "acknowledgement"), ("A", "clock_started"),
            ("A", "clarification_request"), ("A", "deadline_changed"),
            ("A", "extension_notice"), ("A", "restriction_notice"), ("C", "identity_request"),
            ("E", "refusal_notice"), ("C", "no_action_notice"),
            ("D", "restriction_lift_notice"), ("B", "response_cover"),
            ("F", "withdrawal_confirmation"), ("G", "redirect_notice")] + \
           [(k, "acknowledgement") for k in "BCDEFG"] + \
           [(k, "team_new_case") for k in "ABCDEFG"]


def a_every_notice():
    with servers() as (ms, _):
        s = Notices(ms)
        run_test("a_requests_classified_as_the_scenario_needs", s.classified)
        run_test("a_seven_requests_open_seven_cases", s.cases_opened)
        run_test("a_identity_reply_joins_case", s.identity_reply)
        run_test("a_team_actions_valid_today", s.actions)
        run_test("a_send_everything", s.send)
        for letter, notice in A_CHECKS:
            run_test("a_%s_%s_once_rendered_threaded_journaled" % (notice, letter),
                     s.check_notice, letter, notice)
        run_test("a_no_other_mail_and_every_kind_exercised", s.no_other_mail)


# ------------------------------------------------------------------ helpers for b-e
def ack_rows(pd, ref=None):
    rows = [r for r in pd.outbox() if r.get("notice") == "acknowledgement"]
    return [r for r in rows if ref is None or r.get("case") == ref]


def kinds_in(ms, user, kind, ref=None):
    return [m for m in (parse(r) for r in ms.imap_fetch_all(user))
            if notice_kind(m) == kind and (ref is None or notice_ref(m) == ref)]


def journal_copies(ms, mid):
    return [m for m in (parse(r) for r in ms.imap_fetch_all(DISC, JOURNAL))
            if norm_mid(hdr(m, "Message-ID")) == norm_mid(mid)]


def one_case(pd, addr):
    cases = [c for c in pd.cases() if c.get("requester") == addr]
    check(len(cases) == 1, "%d cases of %s, expected 1" % (len(cases), addr), dump(cases))
    return cases[0]["reference"]


def proxy_diag(pd, proxy):
    return pd.diag() + "\n---- proxy transcript:\n" + proxy.transcript(40)


# ------------------------------------------------------------------ b: 451 then accepted
def b_tempfail_then_accept():
    with servers(with_proxy=True) as (ms, proxy):
        pd = Pdgate(ms, "tempfail", smtp_port=proxy.port)
        who = "tess@public.test"
        ms.add_user(who)
        ms.append(DISC, "INBOX", foi(who, "FOI request about speed cameras"))
        proxy.tempfail_data = 1
        pd.poll()
        ms.settle()
        ref = one_case(pd, who)
        check(proxy.data_tempfailed == 1, "the proxy answered %d DATA with 451, expected 1"
              % proxy.data_tempfailed, proxy_diag(pd, proxy))
        rows = ack_rows(pd, ref)
        check(len(rows) == 1, "%d acknowledgement rows" % len(rows), dump(pd.outbox()))
        row = rows[0]
        check(row.get("state") == "queued", "after the 451 the acknowledgement is %r, expected "
              "queued" % row.get("state"), dump(row) + "\n" + proxy_diag(pd, proxy))
        check("451" in (row.get("last_error") or ""), "last_error %r does not mention 451"
              % row.get("last_error"))
        check(not kinds_in(ms, who, "acknowledgement"), "the acknowledgement arrived anyway")
        team_first = len(kinds_in(ms, TEAM, "team_new_case", ref))
        note("team notification after the first poll: %d (sent in the same pass or the next)"
             % team_first)
        time.sleep(RETRY_BASE + JOURNAL_WAIT + 0.5)
        pd.poll()
        ms.settle()
        row = ack_rows(pd, ref)[0]
        check(row.get("state") == "sent", "after the retry the acknowledgement is %r"
              % row.get("state"), dump(row) + "\n" + proxy_diag(pd, proxy))
        pd.poll()
        ms.settle()
        acks = kinds_in(ms, who, "acknowledgement")
        check(len(acks) == 1, "%s holds %d acknowledgements, expected exactly 1"
              % (who, len(acks)), proxy_diag(pd, proxy))
        check(len(journal_copies(ms, row.get("message_id"))) == 1,
              "the journal does not hold exactly one copy")
        n = len(kinds_in(ms, TEAM, "team_new_case", ref))
        check(n == 1, "the team holds %d notifications of %s, expected 1" % (n, ref))
        row = ack_rows(pd, ref)[0]
        check(row.get("attempts") == 2, "attempts %r, expected 2 (451, then accepted)"
              % row.get("attempts"))


# ------------------------------------------------------------------ c: 550, failed, retried
def c_reject_then_retry():
    with servers(with_proxy=True) as (ms, proxy):
        pd = Pdgate(ms, "reject", smtp_port=proxy.port)
        who = "rita@public.test"
        ms.add_user(who)
        ms.append(DISC, "INBOX", foi(who, "FOI request about police dogs",
                                     "how many police dogs the force has"))
        proxy.reject_rcpt = {who}
        pd.poll()
        ms.settle()
        ref = one_case(pd, who)
        check(who in proxy.rcpt_rejected, "the proxy never refused %s" % who,
              proxy_diag(pd, proxy))
        rows = ack_rows(pd, ref)
        check(len(rows) == 1, "%d acknowledgement rows" % len(rows), dump(pd.outbox()))
        row = rows[0]
        check(row.get("state") == "failed", "after the 550 the acknowledgement is %r, expected "
              "failed" % row.get("state"), dump(row) + "\n" + proxy_diag(pd, proxy))
        check("550" in (row.get("last_error") or ""), "last_error %r does not mention 550"
              % row.get("last_error"))
        for k in ("id", "case", "notice", "state", "rcpt", "message_id", "attempts",
                  "last_error"):
            check(k in row, "pdgate outbox --json lacks %r" % k, dump(row))
        check(row.get("rcpt") == who, "rcpt %r" % row.get("rcpt"))
        show = pd.case(ref)
        check(events(show, "notice_failed"), "no notice_failed event on %s" % ref,
              dump(show.get("events")))
        n = len(kinds_in(ms, TEAM, "team_new_case", ref))
        check(n == 1, "the team holds %d notifications of %s after the 550, expected 1"
              % (n, ref), proxy_diag(pd, proxy))
        # Raised to the team, with the command that queues it again.
        pd.poll()
        ms.settle()
        raised = kinds_in(ms, TEAM, "team_notice_failed", ref)
        check(len(raised) == 1, "the team holds %d failure notices of %s, expected 1"
              % (len(raised), ref), proxy_diag(pd, proxy))
        text = raised[0].get_body(preferencelist=("plain",)).get_content() if raised else ""
        check("pdgate outbox retry %d" % row["id"] in text and "550" in text,
              "the failure notice lacks the error or the retry command", text)
        check(not kinds_in(ms, who, "acknowledgement"), "the acknowledgement arrived anyway")
        # Fixed: queued again by hand.
        proxy.reject_rcpt = set()
        pd.ok("outbox", "retry", str(row["id"]))
        time.sleep(JOURNAL_WAIT + 0.5)
        pd.poll()
        ms.settle()
        pd.poll()
        ms.settle()
        row = ack_rows(pd, ref)[0]
        check(row.get("state") == "sent", "after outbox retry the acknowledgement is %r"
              % row.get("state"), dump(row) + "\n" + proxy_diag(pd, proxy))
        acks = kinds_in(ms, who, "acknowledgement")
        check(len(acks) == 1, "%s holds %d acknowledgements, expected exactly 1"
              % (who, len(acks)))
        check(len(journal_copies(ms, row.get("message_id"))) == 1,
              "the journal does not hold exactly one copy")
        n = len(kinds_in(ms, TEAM, "team_new_case", ref))
        check(n == 1, "the team holds %d notifications of %s, expected 1" % (n, ref))


# ------------------------------------------------------------------ d: kill -9 in the window
def d_kill_after_accept():
    with servers(with_proxy=True) as (ms, proxy):
        pd = Pdgate(ms, "killed", smtp_port=proxy.port)
        who = "kim@public.test"
        ms.add_user(who)
        ms.append(DISC, "INBOX", foi(who, "FOI request about stop and search",
                                     "how many stop and search encounters were recorded "
                                     "in 2025"))
        started = {}
        proxy.kill_after_accept = lambda: started.get("pid")
        p = subprocess.Popen(pd.argv("poll", "--once"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started["pid"] = p.pid
        try:
            err = p.communicate(timeout=90)[1].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1].decode("utf-8", "replace")
        pd.log.append(("", ("poll", "--once", "(killed by the proxy)"), p.returncode, err))
        check(p.returncode == -9, "poll was not killed after the first acceptance (exit %s)"
              % p.returncode, proxy_diag(pd, proxy))
        check(proxy.kills == [p.pid] and proxy.accepted == 1,
              "proxy: kills %r, accepted %d" % (proxy.kills, proxy.accepted))
        first_rcpts = proxy.accepted_rcpts[0]
        ref = one_case(pd, who)
        rows = ack_rows(pd, ref)
        check(len(rows) == 1, "%d acknowledgement rows" % len(rows), dump(pd.outbox()))
        check(who in first_rcpts, "the message accepted before the kill went to %r, not the "
              "acknowledgement to %s" % (first_rcpts, who))
        check(rows[0].get("state") == "sending", "after the kill the row is %r, expected "
              "sending (committed before the SMTP transaction)" % rows[0].get("state"),
              dump(rows))
        ms.settle()
        time.sleep(JOURNAL_WAIT + 0.5)
        pd.poll()
        ms.settle()
        pd.poll()
        ms.settle()
        acks = kinds_in(ms, who, "acknowledgement")
        check(len(acks) == 1, "%s holds %d acknowledgements, expected exactly 1"
              % (who, len(acks)), proxy_diag(pd, proxy))
        row = ack_rows(pd, ref)[0]
        check(row.get("state") == "sent", "the acknowledgement is %r, expected sent"
              % row.get("state"), dump(row))
        check(row.get("attempts") == 1, "attempts %r: it was sent again" % row.get("attempts"))
        show = pd.case(ref)
        check(events(show, "notice_reconciled"), "no notice_reconciled event on %s" % ref,
              dump(show.get("events")))
        resent = [r for r in proxy.accepted_rcpts if who in r]
        check(len(resent) == 1, "the server accepted %d messages to %s" % (len(resent), who))
        check(len(journal_copies(ms, row.get("message_id"))) == 1,
              "the journal does not hold exactly one copy")
        n = len(kinds_in(ms, TEAM, "team_new_case", ref))
        check(n == 1, "the team holds %d notifications of %s, expected 1" % (n, ref))


# ------------------------------------------------------------------ e: rate limit
def e_rate_limit():
    with servers() as (ms, _):
        pd = Pdgate(ms, "ratelimit", gateway_max_auto_notices_per_day=2)
        who = "rory@public.test"
        ms.add_user(who)
        subjects = ["FOI: speed cameras", "FOI: police dogs", "FOI: stop and search"]
        whats = ["how many speed cameras the force operated in 2025",
                 "how many police dogs the force has",
                 "how many stop and search encounters were recorded in 2025"]
        for s, w in zip(subjects, whats):
            ms.append(DISC, "INBOX", foi(who, s, w))
        pd.poll()
        ms.settle()
        pd.poll()
        ms.settle()
        cases = [c for c in pd.cases() if c.get("requester") == who]
        check(len(cases) == 3, "%d cases, expected 3" % len(cases), dump(cases))
        by_subject = {c.get("subject"): c.get("reference") for c in cases}
        check(set(by_subject) == set(subjects), "subjects %r" % sorted(by_subject))
        acks = kinds_in(ms, who, "acknowledgement")
        check(len(acks) == 2, "%s holds %d acknowledgements, expected 2" % (who, len(acks)))
        suppressed = {s: bool(events(pd.case(ref), "notice_suppressed"))
                      for s, ref in by_subject.items()}
        want = {subjects[0]: False, subjects[1]: False, subjects[2]: True}
        check(suppressed == want, "notice_suppressed events by case: %r, expected only the "
              "third" % suppressed)
        third = by_subject[subjects[2]]
        check(not ack_rows(pd, third), "the third case has an acknowledgement queued",
              dump(ack_rows(pd, third)))
        check(third not in {notice_ref(m) for m in acks}, "the third case was acknowledged")
        for ref in by_subject.values():
            n = len(kinds_in(ms, TEAM, "team_new_case", ref))
            check(n == 1, "the team holds %d notifications of %s, expected 1" % (n, ref))


# ------------------------------------------------------------------ f: templates check
def f_templates_check():
    with servers() as (ms, _):
        pd = Pdgate(ms, "templates")
        r = pd.ok("templates", "check")
        out = r.stdout.decode("utf-8", "replace")
        missing = [n for n in ALL_NOTICES if n not in out]
        check(not missing, "templates check does not list %r" % missing, out)

        bad_dir = os.path.join(ms.tmp, "templates-bad")
        shutil.copytree(harness.TEMPLATES, bad_dir)
        victim = os.path.join(bad_dir, "refusal_notice")
        with open(victim) as f:
            lines = f.read().split("\n")
        body = lines.index("") + 2            # the second line of the body
        lines.insert(body, "Please quote {{bogus}} when you reply.")
        with open(victim, "w") as f:
            f.write("\n".join(lines))
        line_no = body + 1
        bad = Pdgate(ms, "templates-bad", gateway_templates=bad_dir)
        r = bad.run("templates", "check")
        err = r.stderr.decode("utf-8", "replace") + r.stdout.decode("utf-8", "replace")
        check(r.returncode == 78, "templates check on {{bogus}}: exit %s, expected 78"
              % r.returncode, err)
        check(re.search(r"refusal_notice:%d\b" % line_no, err),
              "templates check does not name refusal_notice:%d" % line_no, err)
        check("bogus" in err, "templates check does not name the placeholder", err)

        who = "tina@public.test"
        ms.add_user(who)
        ms.append(DISC, "INBOX", foi(who, "FOI request about cameras"))
        before = ms.imap_list(DISC)
        r = bad.run("poll", "--once")
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == 78, "poll with {{bogus}}: exit %s, expected 78" % r.returncode,
              err)
        check(re.search(r"refusal_notice:%d\b" % line_no, err),
              "poll does not name refusal_notice:%d" % line_no, err)
        ms.settle()
        after = ms.imap_list(DISC)
        check(after == before, "the mailbox changed: %r -> %r" % (before, after))
        check(after.get("INBOX") == 1, "the request left the INBOX")
        check(ms.imap_list(who, "INBOX") == 0, "%s received mail" % who)
        check(ms.imap_list(TEAM, "INBOX") == 0, "the team received mail")


# ------------------------------------------------------------------ clean-up check
def nothing_left_running():
    check(server_pids, "no server was started")
    alive = pdtest.process_groups_alive(server_pids)
    check(not alive, "server process group(s) %r still running" % alive)
    running = [p.port for p in proxies if p.running()]
    check(not running, "proxies still running on port(s) %r" % running)


GROUPS = {
    "a": a_every_notice,
    "b": lambda: run_test("b_451_then_accepted_acknowledged_once", b_tempfail_then_accept),
    "c": lambda: run_test("c_550_failed_listed_then_retried_once", c_reject_then_retry),
    "d": lambda: run_test("d_kill9_after_accept_reconciled_not_resent", d_kill_after_accept),
    "e": lambda: run_test("e_rate_limit_third_ack_suppressed", e_rate_limit),
    "f": lambda: run_test("f_templates_check_and_bad_placeholder", f_templates_check),
}


def main():
    harness.require_root()
    want = sys.argv[1:] or sorted(GROUPS)
    for g in want:
        if g not in GROUPS:
            print("unknown group %r (groups: %s)" % (g, " ".join(sorted(GROUPS))))
            sys.exit(2)
    for g in want:
        try:
            GROUPS[g]()
        except Exception as e:          # the servers failed to start, etc.
            report("group_%s" % g, False, "%s: %s" % (type(e).__name__,
                                                      str(e).splitlines()[0] if str(e) else ""),
                   traceback.format_exc())
    for p in proxies:
        p.stop()
    run_test("servers_and_proxies_stopped", nothing_left_running)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
