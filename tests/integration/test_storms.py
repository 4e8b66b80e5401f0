#!/usr/bin/env python3
"""Storms, loops and bounces (issue 13), end to end against a real Dovecot and OpenSMTPD
(see harness.py).

  storm         500 requests from one sender APPENDed in one IMAP session, one `poll --once`:
                exactly storm_threshold (20) cases opened and acknowledged, the 480 others
                stored with no case and no reply, one storm record holding them, one team
                mail about it; a second poll changes nothing; five more join the same storm
                (no second team mail); the digest lists the storm; the time is noted
  new storm     a storm that ended (a window without a held message) and a later one from
                the same sender, its address in another case: two records, two team mails;
                `pdgate storm open` opens the held message as a case and it is acknowledged
  robot         a robot that answers each notice with a plain-looking mail of its own, no
                RFC 3834 header, no threading, 50 times, a minute apart (under the storm
                rate): pdgate sends it max_auto_notices_per_day (5) notices, then none
  auto robot    a robot that marks its answers (Auto-Submitted, X-Auto-Response-Suppress,
                Precedence, List-Id, "Automatic reply:", an empty Return-Path), threaded to
                our acknowledgement, 50 times: one acknowledgement in all, no case opened
  bounces       a standard DSN (multipart/report, the acknowledgement returned as
                message/rfc822), a non-standard one (Gmail style: text only, the headers
                quoted) and a real Postfix bounce from ../shared/corpora/sisimai/bsd naming
                our acknowledgement: each joins its case (notice_bounced), marks the notice
                failed, raises it to the team once, opens no case, is never answered; the
                digest lists the failed notices
  config        check-config refuses storm_window = 0 and storm_threshold = 0 (file: key)

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import email.utils
import imaplib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from harness import make_message, parse  # noqa: E402
from pdtest import Failure, check, dump, hdr, notice_kind, norm_mid  # noqa: E402

DISC = pdtest.DISC
TEAM = pdtest.TEAM
STORMER = "stormer@public.test"
REPEATER = "repeater@public.test"
ROBOT = "robot@public.test"
AUTOBOT = "autobot@public.test"
BOUNCY = ("bouncy1@public.test", "bouncy2@public.test", "bouncy3@public.test")
N_STORM = 500
THRESHOLD = 20
SISIMAI = os.path.join(harness.REPO_ROOT, "..", "shared", "corpora", "sisimai", "bsd")
FOI = "Under the Freedom of Information Act please tell me %s.\n\nRegards\n"


def append_many(ms, raws, dates=None):
    """Into the disclosure INBOX, pipelined in one IMAP session (harness.append_many)."""
    ms.append_many(DISC, raws, dates)


def request(sender, i, subject=None, extra=None, date=None):
    return make_message(sender, DISC, subject or "FOI request %d" % i,
                        FOI % ("the number of bicycles stolen in ward %d" % i),
                        extra_headers=extra, date=date)


def mails_from_us(ms, user):
    return [parse(r) for r in ms.imap_fetch_all(user)]


def team_mails(ms, prefix):
    return [m for m in mails_from_us(ms, TEAM) if hdr(m, "Subject").startswith(prefix)]


def cases_of(pd, addr):
    return [c for c in pd.cases() if (c.get("requester") or "").lower() == addr.lower()]


def held_messages(pd, addr):
    return [m for m in pd.messages() if m.get("direction") == "in" and
            (m.get("from") or "").lower() == addr.lower() and not m.get("case")]


class Storms:
    def __init__(self, ms):
        self.ms = ms
        # The storm scenario lets each of the 20 requests be acknowledged: the per-requester
        # limit (tested by the robot) would otherwise stop at 5.
        self.pd = pdtest.Pdgate(ms, "storm", gateway_max_auto_notices_per_day=100)
        self.small = pdtest.Pdgate(ms, "small", gateway_storm_threshold=3,
                                   gateway_max_auto_notices_per_day=100)
        self.robots = pdtest.Pdgate(ms, "robots")
        self.acks = {}

    def settle_team(self):
        self.ms.settle()

    # ---------------------------------------------------------------- a storm of 500
    def storm(self):
        raws = [request(STORMER, i) for i in range(N_STORM)]
        t0 = time.monotonic()
        append_many(self.ms, raws)
        t1 = time.monotonic()
        self.pd.poll()
        t2 = time.monotonic()
        pdtest.note("%d messages APPENDed in %.1f s; one poll --once over them: %.1f s "
                    "(%.0f messages/s)" % (N_STORM, t1 - t0, t2 - t1, N_STORM / (t2 - t1)))
        self.ms.settle()
        cases = cases_of(self.pd, STORMER)
        check(len(cases) == THRESHOLD, "%d cases opened, want %d" % (len(cases), THRESHOLD))
        held = held_messages(self.pd, STORMER)
        check(len(held) == N_STORM - THRESHOLD, "%d held without a case, want %d"
              % (len(held), N_STORM - THRESHOLD))
        inbound = [m for m in self.pd.messages() if m.get("direction") == "in"]
        check(len(inbound) == N_STORM, "%d stored, want %d" % (len(inbound), N_STORM))
        acks = [m for m in mails_from_us(self.ms, STORMER)]
        kinds = sorted(set(notice_kind(m) for m in acks))
        check(len(acks) == THRESHOLD and kinds == ["acknowledgement"],
              "%d mails to the sender (%s), want %d acknowledgements" % (len(acks), kinds,
                                                                        THRESHOLD))
        storms = self.pd.json("storms")
        check(len(storms) == 1 and storms[0]["held"] == N_STORM - THRESHOLD and
              storms[0]["sender"] == STORMER, "storm records", dump(storms))
        mails = team_mails(self.ms, "Mail storm from")
        check(len(mails) == 1, "%d storm mails to the team, want 1" % len(mails))
        text = mails[0].get_body(("plain",)).get_content()
        for want in (STORMER, "More than 20 new messages", "within 10 minutes",
                     "pdgate storm open %d" % storms[0]["id"]):
            check(want in text, "the storm mail lacks %r" % want, text)
        new_case = team_mails(self.ms, "New case")
        pdtest.note("team: %d mail(s) about the storm, %d new-case notifications"
                    % (len(mails), len(new_case)))
        self.storm_id = storms[0]["id"]

    def storm_again_nothing(self):
        before = (len(self.pd.messages()), len(self.pd.outbox()))
        self.pd.poll()
        after = (len(self.pd.messages()), len(self.pd.outbox()))
        check(before == after, "a second poll changed %r -> %r" % (before, after))

    def storm_goes_on(self):
        # Mixed case: the sender is counted case-insensitively.
        raws = [request(STORMER.upper(), 1000 + i) for i in range(5)]
        append_many(self.ms, raws)
        self.pd.poll()
        self.ms.settle()
        storms = self.pd.json("storms")
        check(len(storms) == 1 and storms[0]["held"] == N_STORM - THRESHOLD + 5,
              "the storm did not grow by 5", dump(storms))
        check(len(team_mails(self.ms, "Mail storm from")) == 1, "a second storm mail")
        check(len(cases_of(self.pd, STORMER)) == THRESHOLD, "a case opened mid-storm")
        shown = self.pd.json("storm", "show", str(self.storm_id))
        check(len(shown) == N_STORM - THRESHOLD + 5 and not any(m.get("case") for m in shown),
              "storm show lists %d" % len(shown))

    def storm_in_digest(self):
        r = self.pd.ok("digest", "--print")
        out = r.stdout.decode()
        check("MAIL STORMS" in out and "storm %d: %d message(s) from %s"
              % (self.storm_id, N_STORM - THRESHOLD + 5, STORMER) in out,
              "the digest lacks the storm", out[-3000:])
        check("mail storm" in out.splitlines()[0], "the digest's subject does not say so",
              out.splitlines()[0])

    # ---------------------------------------------------------------- a storm ends, another
    def new_storm(self):
        now = time.time()
        early = [now - 7200] * 4            # threshold 3: three cases, one held
        later = [now - 60] * 4              # two hours later: three cases, a second storm
        raws = [request(REPEATER if i % 2 else REPEATER.replace("r", "R", 1), i)
                for i in range(8)]
        append_many(self.ms, raws, early + later)
        self.small.poll()
        self.ms.settle()
        storms = self.small.json("storms")
        check(len(storms) == 2 and [s["held"] for s in storms] == [1, 1],
              "two storms of one message each expected", dump(storms))
        check(len(cases_of(self.small, REPEATER)) == 6, "six cases expected")
        check(len(team_mails(self.ms, "Mail storm from " + REPEATER)) == 2,
              "two storm mails expected")
        before = len(mails_from_us(self.ms, REPEATER))
        r = self.small.ok("storm", "open", str(storms[0]["id"]))
        check(b"1 case(s) opened" in r.stdout, "storm open said %r" % r.stdout)
        self.small.poll()
        self.ms.settle()
        check(len(cases_of(self.small, REPEATER)) == 7, "storm open opened no case")
        check(len(mails_from_us(self.ms, REPEATER)) == before + 1,
              "the opened case was not acknowledged once")
        shown = self.small.json("storm", "show", str(storms[0]["id"]))
        check(all(m.get("case") for m in shown), "the held message has no case now",
              dump(shown))
        r = self.small.run("storm", "open", "99")
        check(r.returncode == 65, "storm open of no storm exited %d" % r.returncode)

    # ---------------------------------------------------------------- loops
    def robot(self):
        """Each round the robot writes a fresh, plain-looking mail (its answer to the latest
        notice it got, if any, but without threading or a reference: the worst case),
        a minute after the previous one so no storm is declared."""
        start = time.time() - 55 * 60
        seen = 0
        for i in range(50):
            got = mails_from_us(self.ms, ROBOT)
            subject = "Your message %d" % i if len(got) == seen else "Thank you %d" % i
            seen = len(got)
            raw = make_message(ROBOT, DISC, subject, "Thank you for your email. We have "
                               "received it and will reply soon. Please tell us what "
                               "information you want (%d).\n" % i)
            append_many(self.ms, [raw], [start + 60 * i])
            self.robots.poll()
        self.ms.settle()
        got = mails_from_us(self.ms, ROBOT)
        limit = 5
        check(len(got) == limit, "pdgate sent the robot %d notices, want %d (the limit)"
              % (len(got), limit), "\n".join(hdr(m, "Subject") for m in got))
        suppressed = sum(1 for c in cases_of(self.robots, ROBOT)
                         for e in self.robots.case(c["reference"]).get("events", [])
                         if e.get("action") == "notice_suppressed")
        pdtest.note("robot without headers: 50 mails in, %d notices out, %d suppressed "
                    "(max_auto_notices_per_day = %d)" % (len(got), suppressed, limit))
        check(suppressed == 50 - limit, "%d notice_suppressed, want %d" % (suppressed,
                                                                            50 - limit))

    def auto_robot(self):
        first = make_message(AUTOBOT, DISC, "FOI request", FOI % "how many horses you have")
        append_many(self.ms, [first])
        self.robots.poll()
        self.ms.wait_for_mail(AUTOBOT, count=1)
        ack = mails_from_us(self.ms, AUTOBOT)[0]
        mid = norm_mid(hdr(ack, "Message-ID"))
        marks = [
            {"Auto-Submitted": "auto-replied"},
            {"X-Auto-Response-Suppress": "All"},
            {"Precedence": "bulk"},
            {"List-Id": "<robots.public.test>"},
            {"Return-Path": "<>"},
        ]
        raws = []
        for i in range(50):
            extra = dict(marks[i % len(marks)])
            extra["In-Reply-To"] = "<%s>" % mid
            subject = ("Automatic reply: " if i % 5 == 4 else "Re: ") + hdr(ack, "Subject")
            raw = make_message(AUTOBOT, DISC, subject, "I am away until Monday (%d).\n" % i,
                               extra_headers=extra)
            if "Return-Path" in extra:     # make_message puts it after From; move it on top
                raw = b"Return-Path: <>\r\n" + raw.replace(b"Return-Path: <>\r\n", b"")
            raws.append(raw)
        # Half unthreaded: pdgate must not answer them either.
        for i in range(0, 50, 2):
            raws[i] = re.sub(rb"In-Reply-To: [^\r\n]*\r\n", b"", raws[i])
            raws[i] = raws[i].replace(hdr(ack, "Subject").encode(), b"away")
        append_many(self.ms, raws)
        self.robots.poll()
        self.ms.settle()
        got = mails_from_us(self.ms, AUTOBOT)
        check(len(got) == 1, "pdgate sent the auto robot %d mails, want 1" % len(got))
        check(len(cases_of(self.robots, AUTOBOT)) == 1, "an auto-reply opened a case")
        autos = [m for m in self.robots.messages() if (m.get("from") or "") == AUTOBOT and
                 m.get("auto_reason")]
        check(len(autos) == 50, "%d stored as automatic, want 50" % len(autos))
        pdtest.note("robot with RFC 3834 marks: 50 mails in, %d notice out (the first "
                    "acknowledgement)" % len(got))

    # ---------------------------------------------------------------- bounces
    def acknowledge(self, addr):
        append_many(self.ms, [request(addr, 1, subject="FOI request from %s" % addr)])
        self.pd.poll()
        self.ms.wait_for_mail(addr, count=1)
        ack = mails_from_us(self.ms, addr)[0]
        ref = cases_of(self.pd, addr)[0]["reference"]
        self.acks[addr] = (ref, ack)
        return ref, ack

    def check_bounced(self, addr, ref, before_cases):
        case = self.pd.case(ref)
        events = [e for e in case.get("events", []) if e.get("action") == "notice_bounced"]
        check(len(events) == 1, "%d notice_bounced events on %s" % (len(events), ref),
              dump(case.get("events")))
        rows = [o for o in case.get("outbox", []) if o.get("notice") == "acknowledgement"]
        check(rows and rows[0]["state"] == "failed" and
              "bounced" in (rows[0].get("last_error") or ""), "the notice is not failed",
              dump(rows))
        check(len(self.pd.cases()) == before_cases, "a bounce opened a case")
        bounced = [m for m in case.get("messages", []) if m.get("direction") == "in" and
                   m.get("auto_reason")]
        check(len(bounced) == 1, "the bounce is not on the case", dump(case.get("messages")))
        mails = team_mails(self.ms, "Notice not delivered for %s" % ref)
        check(len(mails) == 1, "%d team mails about the bounce, want 1" % len(mails))
        check(len(mails_from_us(self.ms, addr)) == 1, "the requester got another mail")
        check(not any(o.get("rcpt", "").lower().startswith("mailer-daemon")
                      for o in self.pd.outbox()), "something was sent to MAILER-DAEMON")
        return events[0]["detail"]

    def dsn(self):
        ref, ack = self.acknowledge(BOUNCY[0])
        before = len(self.pd.cases())
        returned = ack.as_bytes()
        raw = (b"Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.public.test>\r\n"
               b"To: " + DISC.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
               b"Date: " + email.utils.formatdate().encode() + b"\r\n"
               b"Message-ID: <dsn.1@mx.public.test>\r\nAuto-Submitted: auto-replied\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: multipart/report; "
               b"report-type=delivery-status; boundary=\"dsnb\"\r\n\r\n"
               b"--dsnb\r\nContent-Type: text/plain\r\n\r\nYour message could not be "
               b"delivered.\r\n--dsnb\r\nContent-Type: message/delivery-status\r\n\r\n"
               b"Reporting-MTA: dns; mx.public.test\r\n\r\nFinal-Recipient: rfc822; "
               + BOUNCY[0].encode() + b"\r\nAction: failed\r\nStatus: 5.1.1\r\n"
               b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
               b"--dsnb\r\nContent-Type: message/rfc822\r\n\r\n" + returned +
               b"\r\n--dsnb--\r\n")
        append_many(self.ms, [raw])
        self.pd.poll()
        self.ms.settle()
        detail = self.check_bounced(BOUNCY[0], ref, before)
        check("5.1.1" in detail and "user unknown" in detail, "reason missing", detail)

    def gmail_style(self):
        ref, ack = self.acknowledge(BOUNCY[1])
        before = len(self.pd.cases())
        headers = "".join("%s: %s\n" % (k, v) for k, v in ack.items()
                          if k.lower() in ("from", "to", "subject", "date", "message-id"))
        body = ("** Address not found **\n\nYour message wasn't delivered to %s because the "
                "address couldn't be found.\n\n----- Original message -----\n\n%s\n"
                % (BOUNCY[1], headers))
        raw = make_message("mailer-daemon@googlemail.test", DISC, "Delivery Status "
                           "Notification (Failure)", body,
                           extra_headers={"Auto-Submitted": "auto-replied"})
        append_many(self.ms, [raw])
        self.pd.poll()
        self.ms.settle()
        self.check_bounced(BOUNCY[1], ref, before)

    def sisimai(self):
        path = os.path.join(SISIMAI, "lhost-postfix-03.eml")
        if not os.path.exists(path):
            pdtest.note("skipped: %s not found (../shared/corpora absent)" % path)
            return
        ref, ack = self.acknowledge(BOUNCY[2])
        before = len(self.pd.cases())
        with open(path, "rb") as f:
            raw = f.read()
        head, sep, body = raw.partition(b"\n\n")
        # The real bounce, its returned message now ours: the last Message-ID below its
        # header becomes our acknowledgement's (read from the corpus, never copied).
        ids = list(re.finditer(rb"(?im)^message-id:\s*<[^>]+>", body))
        check(ids, "no Message-ID in %s" % path)
        m = ids[-1]
        body = (body[:m.start()] + b"Message-ID: <" + norm_mid(hdr(ack, "Message-ID")).encode()
                + b">" + body[m.end():])
        append_many(self.ms, [head + sep + body])
        self.pd.poll()
        self.ms.settle()
        self.check_bounced(BOUNCY[2], ref, before)
        pdtest.note("real bounce %s matched to %s" % (os.path.basename(path), ref))

    def bounces_in_digest(self):
        out = self.pd.ok("digest", "--print").stdout.decode()
        for addr, (ref, _) in self.acks.items():
            check(re.search(r"%s: notice acknowledgement to %s failed: bounced"
                            % (re.escape(ref), re.escape(addr)), out),
                  "the digest does not list the bounce of %s" % ref, out[-3000:])

    # ---------------------------------------------------------------- config
    def config(self):
        for key in ("storm_window", "storm_threshold"):
            path = os.path.join(self.ms.tmp, "bad-%s.conf" % key)
            self.ms.write_config(path, **{"gateway_" + key: 0})
            r = subprocess.run([harness.PDGATE, "-c", path, "check-config"],
                               capture_output=True, timeout=60)
            err = r.stderr.decode()
            check(r.returncode == 78 and key in err, "check-config with %s = 0 exited %d"
                  % (key, r.returncode), err)
        self.pd.ok("check-config")


TESTS = [
    ("storm_500_twenty_cases_480_held_one_record_one_team_mail", "storm"),
    ("storm_second_poll_changes_nothing", "storm_again_nothing"),
    ("storm_goes_on_same_record_no_second_mail_case_insensitive", "storm_goes_on"),
    ("storm_listed_in_digest", "storm_in_digest"),
    ("storm_ends_new_storm_new_record_storm_open_acknowledged", "new_storm"),
    ("robot_without_headers_50_rounds_bounded_notices", "robot"),
    ("robot_with_rfc3834_marks_never_answered", "auto_robot"),
    ("bounce_dsn_matched_to_case_raised_once", "dsn"),
    ("bounce_gmail_style_text_matched", "gmail_style"),
    ("bounce_real_postfix_from_corpus_matched", "sisimai"),
    ("bounces_listed_in_digest_failed_notices", "bounces_in_digest"),
    ("check_config_refuses_zero_storm_settings", "config"),
]


if __name__ == "__main__":
    pdtest.main("storms", Storms, TESTS)
