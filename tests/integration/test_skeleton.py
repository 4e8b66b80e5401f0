#!/usr/bin/env python3
"""End-to-end scenarios for pdgate against a real Dovecot and OpenSMTPD (see harness.py).

Prints "PASS name" or "FAIL name: reason" per test (diagnostics indented below a FAIL), then
"N passed, N failed".  Exit 1 on any failure, 77 when skipped (not root / no mail servers).
Run one scenario group with: test_skeleton.py a   (groups: a-d = story, e, f, g)
"""

import email.utils
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from email.message import EmailMessage
import email.policy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from pdtest import Pdgate, Failure, check, hdr, norm_mid, note, notice_kind, report, results, run_test, stop_daemon  # noqa: E402
from harness import MailServers, PDGATE, parse  # noqa: E402

REF_RE = re.compile(r"PD-\d{4}-\d{6}")
DISC = "disclosure@pdgate.test"
REQ = "requester@public.test"


# ------------------------------------------------------------------ pdgate wrapper
# The pdgate wrapper is pdtest.Pdgate.
# ------------------------------------------------------------------ message builders
def request(from_addr, subject, body, from_name=None, message_id=None, to=DISC, date=None):
    return harness.make_message(from_addr, to, subject, body, from_name=from_name,
                                message_id=message_id, date=date)


def inbox(ms, user):
    return [parse(raw) for raw in ms.imap_fetch_all(user, "INBOX")]


def acks_for(ms, user):
    return [m for m in inbox(ms, user) if notice_kind(m) == "acknowledgement"]


JANE_BODY = """Dear Sir or Madam,

I am writing to make a subject access request under the UK GDPR and the Data Protection Act
2018. Please send me a copy of all the personal data the force holds about me, including any
incident reports, call recordings, custody records and body-worn video footage.

My date of birth is 14 March 1986 and my address is 12 Elm Road, Anytown, AT1 2BC.

Yours faithfully,
Jane Smith
"""


# ------------------------------------------------------------------ scenarios a-d (one story)
class Story:
    def __init__(self, ms):
        self.ms = ms
        self.pd = Pdgate(ms, "story")
        self.request_mid = None
        self.ref = None
        self.ack = None

    def a_request_opens_case(self):
        ms, pd = self.ms, self.pd
        self.request_mid = email.utils.make_msgid(domain="public.test")
        raw = request(REQ, "Subject access request", JANE_BODY, from_name="Jane Smith",
                      message_id=self.request_mid)
        ms.deliver(REQ, DISC, raw)
        ms.wait_for_mail(DISC, "INBOX", 1)
        pd.poll()
        ms.settle()
        cases = pd.cases()
        check(len(cases) == 1, "expected 1 case, got %d" % len(cases), json.dumps(cases))
        c = cases[0]
        self.ref = c.get("reference", "")
        check(REF_RE.fullmatch(self.ref or ""), "bad reference %r" % self.ref)
        check(c.get("requester") == REQ, "requester %r" % c.get("requester"))
        check(c.get("requester_name") == "Jane Smith", "requester_name %r"
              % c.get("requester_name"))
        # An access request without proof of identity: exactly one mail, the
        # acknowledgement, which asks for identity itself.
        got = sorted(notice_kind(m) for m in inbox(ms, REQ))
        check(got == ["acknowledgement"],
              "requester INBOX holds %r, expected one acknowledgement (asking for identity)"
              % got, pd.diag())
        acks = acks_for(ms, REQ)
        ack = acks[0]
        self.ack = ack
        subj = hdr(ack, "Subject")
        check(REF_RE.search(subj) and self.ref in subj,
              "ack Subject %r lacks the reference %s" % (subj, self.ref))
        check(norm_mid(hdr(ack, "In-Reply-To")) == norm_mid(self.request_mid),
              "ack In-Reply-To %r != request Message-ID %r" % (hdr(ack, "In-Reply-To"),
                                                                self.request_mid))
        check(hdr(ack, "Auto-Submitted").strip().lower().startswith("auto-replied"),
              "ack Auto-Submitted %r" % hdr(ack, "Auto-Submitted"))
        check(norm_mid(hdr(ack, "Message-ID")), "ack has no Message-ID")
        n_in, n_proc = ms.imap_list(DISC, "INBOX"), ms.imap_list(DISC, "Processed")
        check((n_in, n_proc) == (0, 1),
              "disclosure INBOX/Processed = %d/%d, expected 0/1" % (n_in, n_proc))

    def b_second_poll_is_noop(self):
        ms, pd = self.ms, self.pd
        check(self.ref, "needs scenario a")
        before_cases, before_msgs = pd.cases(), pd.messages()
        pd.poll()
        ms.settle()
        after_cases, after_msgs = pd.cases(), pd.messages()
        check(after_cases == before_cases, "cases changed",
              json.dumps(before_cases) + "\n" + json.dumps(after_cases))
        check(len(after_msgs) == len(before_msgs), "messages %d -> %d"
              % (len(before_msgs), len(after_msgs)))
        n = len(inbox(ms, REQ))
        check(n == 1, "requester now holds %d messages, expected 1" % n)
        check(ms.imap_list(DISC, "Processed") == 1, "Processed changed")

    def c_reply_joins_case(self):
        ms, pd = self.ms, self.pd
        check(self.ack is not None, "needs scenario a")
        ack_mid = hdr(self.ack, "Message-ID").strip()
        m = EmailMessage(policy=email.policy.SMTP)
        m["From"] = email.utils.formataddr(("Jane Smith", REQ))
        m["To"] = DISC
        m["Subject"] = "Re: " + hdr(self.ack, "Subject")
        m["Date"] = email.utils.formatdate()
        m["Message-ID"] = email.utils.make_msgid(domain="public.test")
        m["In-Reply-To"] = ack_mid
        m["References"] = self.request_mid + " " + ack_mid
        m.set_content("Thank you. As proof of identity I attach a scan of my passport.\n\n"
                      "Jane Smith\n")
        jpeg = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                + bytes(range(256)) * 8 + b"\xff\xd9")
        m.add_attachment(jpeg, maintype="image", subtype="jpeg", filename="passport.jpg")
        ms.deliver(REQ, DISC, m.as_bytes())
        ms.wait_for_mail(DISC, "INBOX", 1)
        pd.poll()
        ms.settle()
        cases = pd.cases()
        check(len(cases) == 1, "expected still 1 case, got %d" % len(cases), json.dumps(cases))
        show = pd.case(self.ref)
        inbound = [x for x in show.get("messages", []) if x.get("direction") == "in"]
        check(len(inbound) == 2, "case has %d inbound messages, expected 2" % len(inbound),
              json.dumps(show, indent=1)[:3000])
        n = len(inbox(ms, REQ))
        check(n == 1, "requester holds %d messages: something answered the reply" % n)
        check(ms.imap_list(DISC, "INBOX") == 0, "disclosure INBOX not emptied")

    def _subject_only_reply(self, sender, subject):
        ms, pd = self.ms, self.pd
        check(self.ref, "needs scenario a")
        before = len([x for x in pd.case(self.ref).get("messages", [])
                      if x.get("direction") == "in"])
        raw = request(sender, subject % self.ref,
                      "Further to the above, my sister's details are below.\n")
        ms.deliver(sender, DISC, raw)
        ms.wait_for_mail(DISC, "INBOX", 1)
        pd.poll()
        ms.settle()
        cases = pd.cases()
        check(len(cases) == 1, "a new case was opened (%d cases)" % len(cases),
              json.dumps(cases))
        show = pd.case(self.ref)
        inbound = [x for x in show.get("messages", []) if x.get("direction") == "in"]
        check(len(inbound) == before + 1, "case has %d inbound messages, expected %d"
              % (len(inbound), before + 1))
        check(len(inbox(ms, REQ)) == 1, "requester got another message")

    def c_subject_ref_RE(self):
        self._subject_only_reply("alice@public.test", "RE: [%s] Subject access request")

    def c_subject_ref_AW_SV(self):
        self._subject_only_reply("bob@public.test", "AW: SV: [%s] Subject access request")

    def d_autoreply_and_bounce(self):
        ms, pd = self.ms, self.pd
        peer, daemon = "peer@public.test", "mailer-daemon@public.test"
        ms.add_user(daemon)
        before_cases = pd.cases()
        before = {u: ms.imap_list(u, "INBOX") for u in (REQ, peer, daemon)}
        ooo_mid = email.utils.make_msgid(domain="public.test")
        ooo = harness.make_message(
            peer, DISC, "Automatic reply: Your enquiry",
            "I am out of the office until Monday 3 August with no access to email.\n",
            from_name="Pat Peer", message_id=ooo_mid,
            extra_headers={"Auto-Submitted": "auto-replied",
                           "X-Auto-Response-Suppress": "All"})
        ms.deliver(peer, DISC, ooo)
        bounce_mid = email.utils.make_msgid(domain="public.test")
        bounce = make_bounce(bounce_mid, "nobody@public.test",
                             ack_subject=hdr(self.ack, "Subject") if self.ack else "Hello")
        ms.deliver("", DISC, bounce)
        ms.wait_for_mail(DISC, "INBOX", 2)
        pd.poll()
        ms.settle()
        after_cases = pd.cases()
        check(len(after_cases) == len(before_cases), "a case was opened (%d -> %d)"
              % (len(before_cases), len(after_cases)), json.dumps(after_cases))
        after = {u: ms.imap_list(u, "INBOX") for u in (REQ, peer, daemon)}
        check(after == before, "someone got mail: before %r after %r" % (before, after))
        msgs = pd.messages()
        by_mid = {norm_mid(x.get("message_id")): x for x in msgs}
        for what, mid in (("out-of-office", ooo_mid), ("bounce", bounce_mid)):
            x = by_mid.get(norm_mid(mid))
            check(x is not None, "%s not stored (messages --json)" % what, json.dumps(msgs)[:3000])
            check(x.get("auto") is True, "%s stored with auto=%r" % (what, x.get("auto")),
                  json.dumps(x))
        check(ms.imap_list(DISC, "INBOX") == 0, "disclosure INBOX not emptied")


def make_bounce(mid, failed_rcpt, ack_subject):
    boundary = "==bounce-%d==" % os.getpid()
    date = email.utils.formatdate()
    return ("""Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@public.test>
To: disclosure@pdgate.test
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: {mid}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"

This is a MIME-encapsulated message.

--{b}
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered to one or more
recipients.

<{rcpt}>: host mx.public.test said: 550 5.1.1 User unknown

--{b}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.public.test
Arrival-Date: {date}

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--{b}
Content-Type: text/rfc822-headers

From: Public Disclosure Team <disclosure@pdgate.test>
To: {rcpt}
Subject: {subj}
Date: {date}

--{b}--
""".format(date=date, mid=mid, b=boundary, rcpt=failed_rcpt, subj=ack_subject)
            .replace("\n", "\r\n").encode("utf-8"))


def story():
    with MailServers() as ms:
        s = Story(ms)
        run_test("a_request_opens_case_and_acknowledges", s.a_request_opens_case)
        run_test("b_second_poll_changes_nothing", s.b_second_poll_is_noop)
        run_test("c_reply_to_ack_joins_case", s.c_reply_joins_case)
        run_test("c_subject_reference_RE_joins_case", s.c_subject_ref_RE)
        run_test("c_subject_reference_AW_SV_joins_case", s.c_subject_ref_AW_SV)
        run_test("d_autoreply_and_bounce_open_no_case", s.d_autoreply_and_bounce)


# ------------------------------------------------------------------ e: kill -9 mid-batch
def count_inbound(pd):
    r = subprocess.run(pd.argv("messages", "--json"), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    if r.returncode != 0:
        return -1
    try:
        return sum(1 for m in json.loads(r.stdout) if m.get("direction") == "in")
    except ValueError:
        return -1


def e_kill9_mid_batch():
    n = 40
    with MailServers() as ms:
        pd = Pdgate(ms, "kill9")
        senders = ["citizen%02d@public.test" % i for i in range(1, n + 1)]
        for s in senders:             # all first: Dovecot re-reads the user list once a second
            ms.add_user(s)
        for i, s in enumerate(senders):
            ms.append(DISC, "INBOX", request(s, "Request for information %d" % (i + 1),
                                             "Under the Freedom of Information Act please "
                                             "tell me how many burglaries were reported in "
                                             "my ward in 2024.\n",
                                             from_name="Citizen %d" % (i + 1)))
        check(ms.imap_list(DISC, "INBOX") == n, "setup: INBOX does not hold %d" % n)
        check(os.access(PDGATE, os.X_OK), "%s is missing (make)" % PDGATE)
        # Kill -9 after a delay that grows until a kill lands mid-batch (some but not all of
        # the 40 stored); aim for two such kills, then let pdgate finish.
        delay, kills, attempts = 0.03, [], 0
        def mid(k):               # this run stored some, not all
            return k[1] < k[2] < n
        while len([k for k in kills if mid(k)]) < 2 and attempts < 20:
            attempts += 1
            before = count_inbound(pd) if os.path.exists(pd.conf) else 0
            if before >= n:
                break
            p = subprocess.Popen(pd.argv("poll", "--once"), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(delay)
            killed = p.poll() is None
            if killed:
                p.send_signal(signal.SIGKILL)
            err = p.communicate()[1].decode("utf-8", "replace")
            after = count_inbound(pd)
            pd.log.append(("", ("poll", "--once", "(kill after %.2fs)" % delay), p.returncode,
                           err))
            if killed:
                kills.append((round(delay, 2), before, after))
            if after <= before:
                # Killed before it stored anything: wait longer, in small steps, as the whole
                # batch takes little more than start-up (0.1-0.2 s for 40 here).
                delay *= 1.3
        runs = 0
        while ms.imap_list(DISC, "INBOX") > 0 and runs < 6:
            r = pd.run("poll", "--once")
            runs += 1
            if r.returncode == 75:
                raise Failure("poll after kill -9 exits 75: stale lock", pd.diag())
            if r.returncode != 0:
                raise Failure("poll after kill -9 exited %s" % r.returncode, pd.diag())
        note("kill -9 (after s, stored before, stored after): %r; %d more poll(s) emptied "
             "the mailbox"
             % (kills, runs))
        # A kill during an SMTP transaction leaves an attempt of unknown outcome: pdgate
        # checks the journal for it once journal_wait (2 s here) has passed, then sends it
        # if the server never accepted it. One more pass after that flushes everything.
        time.sleep(2.5)
        pd.poll()
        ms.settle()
        check([k for k in kills if mid(k)],
              "no kill landed mid-batch (kills: %r)" % kills)
        cases = pd.cases()
        check(len(cases) == n, "%d cases, expected %d" % (len(cases), n), pd.diag())
        refs = [c.get("reference") for c in cases]
        check(len(set(refs)) == n, "duplicate references")
        inbound = [m for m in pd.messages() if m.get("direction") == "in"]
        check(len(inbound) == n, "%d inbound messages stored, expected %d" % (len(inbound), n))
        n_in, n_proc = ms.imap_list(DISC, "INBOX"), ms.imap_list(DISC, "Processed")
        check((n_in, n_proc) == (0, n), "disclosure INBOX/Processed = %d/%d, expected 0/%d"
              % (n_in, n_proc, n))
        # Each case: the requester's acknowledgement, and the team's new-case notification.
        outbox = [[r for r in pd.case(c["reference"]).get("outbox", [])
                   if r.get("notice") == "acknowledgement"] for c in cases]
        rows = sum(len(o) for o in outbox)
        check(rows == n, "%d acknowledgements for %d cases: a notice was queued twice"
              % (rows, n))
        # Every sender is acknowledged exactly once: an attempt a kill interrupted after the
        # SMTP server's 250 is found in the journal and not sent again.
        bad = {s: k for s in senders for k in [ms.imap_list(s, "INBOX")] if k != 1}
        why = []
        for c, o in zip(cases, outbox):
            if c.get("requester") in bad:
                why.append("%s outbox %s" % (c["reference"], json.dumps(o)))
        e_state["ack_failure"] = (("senders wrongly acknowledged: %r" % bad,
                                   "\n".join(why)) if bad else None)


e_state = {}


def e_each_sender_acknowledged():
    check("ack_failure" in e_state, "needs e_kill9_mid_batch_processes_each_once to finish")
    f = e_state["ack_failure"]
    if f:
        raise Failure(*f)


# ------------------------------------------------------------------ f: two pollers
def f_two_pollers(fresh_db):
    n = 30
    with MailServers() as ms:
        pd = Pdgate(ms, "twopollers")
        check(os.access(PDGATE, os.X_OK), "%s is missing (make)" % PDGATE)
        if not fresh_db:
            pd.cases()                  # creates the database first
        senders = ["resident%02d@public.test" % i for i in range(1, n + 1)]
        for s in senders:
            ms.add_user(s)
        for i, s in enumerate(senders):
            ms.append(DISC, "INBOX", request(s, "FOI request %d" % (i + 1),
                                             "Please tell me how many burglaries were "
                                             "reported in my ward in 2024.\n"))
        procs = [subprocess.Popen(pd.argv("poll", "--once"), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        outs = []
        for p, name in zip(procs, ("first", "second")):
            try:
                out, err = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            err = err.decode("utf-8", "replace")
            outs.append((name, p.returncode, err))
            pd.log.append(("", ("poll", "--once", "(%s)" % name), p.returncode, err))
        rcs = [rc for _, rc, _ in outs]
        note("exit codes %r" % rcs)
        check(all(rc in (0, 75) for rc in rcs), "exit codes %r, expected 0 and 75 (or 0 and 0)"
              % rcs, pd.diag())
        check(rcs != [75, 75], "both pollers exited 75", pd.diag())
        for name, rc, err in outs:
            if rc == 75:
                check(re.search(r"lock|another|already|running|poller", err, re.I),
                      "%s poller exited 75 without saying another poller holds the lock"
                      % name, err)
        pd.poll()
        ms.settle()
        cases = pd.cases()
        check(len(cases) == n, "%d cases, expected %d" % (len(cases), n), pd.diag())
        bad = {s: k for s in senders for k in [ms.imap_list(s, "INBOX")] if k != 1}
        check(not bad, "senders without exactly one ack: %r" % bad, pd.diag())
        check(ms.imap_list(DISC, "Processed") == n, "Processed holds %d"
              % ms.imap_list(DISC, "Processed"))


# ------------------------------------------------------------------ g: duplicates
def g_duplicates():
    with MailServers() as ms:
        pd = Pdgate(ms, "dups")
        carol = "carol@public.test"
        mid = email.utils.make_msgid(domain="public.test")
        date = email.utils.formatdate()
        a = request(carol, "Request for CCTV footage",
                    "Please provide CCTV footage of the incident on 2 May at the High Street.\n",
                    from_name="Carol Jones", message_id=mid, date=date)
        b = request(carol, "Request for CCTV footage",
                    "Please provide body-worn video of my arrest on 9 May.\n",
                    from_name="Carol Jones", message_id=mid, date=date)
        ms.append(DISC, "INBOX", a)
        ms.append(DISC, "INBOX", b)
        pd.poll()
        ms.settle()
        stored = [m for m in pd.messages() if norm_mid(m.get("message_id")) == norm_mid(mid)]
        check(len(stored) == 2, "same Message-ID, different bytes: %d stored, expected 2"
              % len(stored), json.dumps(stored))
        cases = pd.cases()
        check(len(cases) == 2, "%d cases, expected 2" % len(cases), json.dumps(cases))
        ms.append(DISC, "INBOX", a)         # the exact same bytes again
        pd.poll()
        ms.settle()
        stored = [m for m in pd.messages() if norm_mid(m.get("message_id")) == norm_mid(mid)]
        check(len(stored) == 2, "identical bytes re-appended: %d stored, expected 2"
              % len(stored), json.dumps(stored))
        cases = pd.cases()
        check(len(cases) == 2, "identical bytes re-appended opened a case (%d cases)"
              % len(cases), json.dumps(cases))
        acks = len(acks_for(ms, carol))
        check(acks == 2, "carol holds %d acknowledgements, expected 2" % acks)
        check(ms.imap_list(DISC, "INBOX") == 0, "disclosure INBOX not emptied", pd.diag())

# ------------------------------------------------------------------ h: the daemon (IDLE)
def h_daemon_idle():
    """`pdgate poll` without --once answers new mail promptly (IDLE) and stops on SIGTERM."""
    with MailServers() as ms:
        pd = Pdgate(ms, "daemon")
        ms.add_user("dora@public.test")
        time.sleep(1.1)
        log = open(os.path.join(ms.tmp, "daemon.log"), "wb")
        p = subprocess.Popen(pd.argv("poll"), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            time.sleep(1.0)
            check(p.poll() is None, "poller exited early with %s" % p.returncode)
            ms.deliver("dora@public.test", DISC,
                       request("dora@public.test", "My data", "Please send me my data.\n"))
            t0 = time.monotonic()
            # poll_interval is 5 s in the test config: well under it means IDLE woke us.
            ms.wait_for_mail("dora@public.test", "INBOX", 1, timeout=4)
            note("delivery -> acknowledgement: %.2f s" % (time.monotonic() - t0))
            check(len(pd.cases()) == 1, "expected 1 case")
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "hung"
            log.close()
        check(rc == 0, "poller exit status after SIGTERM: %s" % rc)


# ------------------------------------------------------------------ i: TLS
def i_tls_verified():
    """Implicit TLS and STARTTLS verify the server certificate; an untrusted one is refused."""
    with MailServers(tls=True) as ms:
        ms.append(DISC, "INBOX", request("tess@public.test", "SAR", "All my data please.\n"))
        bad = Pdgate(ms, "tls-untrusted", imap_tls="implicit", imap_port=ms.imaps_port,
                     imap_ca_file=None, imap_host="localhost")
        r = bad.run("poll", "--once")
        check(r.returncode == 77, "untrusted certificate: exit %s, expected 77" % r.returncode,
              bad.diag())
        check(b"certificate" in r.stderr, "no clear certificate error", bad.diag())
        check(ms.imap_list(DISC, "INBOX") == 1, "mail was touched over an untrusted connection")
        wrong = Pdgate(ms, "tls-wrong-name", imap_tls="implicit", imap_port=ms.imaps_port,
                       imap_host="127.0.0.1")
        r = wrong.run("poll", "--once")
        check(r.returncode == 77, "certificate for another host name: exit %s" % r.returncode,
              wrong.diag())
        good = Pdgate(ms, "tls-starttls", imap_tls="starttls", imap_host="localhost")
        good.poll()
        check(len(good.cases()) == 1, "STARTTLS with ca_file: expected 1 case", good.diag())
        implicit = Pdgate(ms, "tls-implicit", imap_tls="implicit", imap_port=ms.imaps_port,
                          imap_host="localhost")
        implicit.poll()     # the mailbox is empty now: login and select are what is tested
        check(ms.imap_list(DISC, "Processed") == 1, "request not moved to Processed")


# ------------------------------------------------------------------ j: quarantine
def j_bad_mail_quarantined():
    """Mail that cannot be parsed is kept (spooled, marked quarantined, moved to Quarantine),
    opens no case, gets no reply, and does not block the mail after it."""
    with MailServers() as ms:
        pd = Pdgate(ms, "quarantine")
        ms.append(DISC, "INBOX", b"\x00\x01\x02 this is not a mail message\r\n")
        ms.append(DISC, "INBOX", request("quinn@public.test", "FOI", "How many officers?\n"))
        pd.poll()
        ms.settle()
        msgs = pd.messages()
        q = [m for m in msgs if m.get("status") == "quarantined"]
        check(len(q) == 1, "%d quarantined messages, expected 1" % len(q), json.dumps(msgs))
        check(q[0].get("error"), "quarantined without a reason")
        check(len(pd.cases()) == 1, "the good message after it was not processed", pd.diag())
        check(ms.imap_list(DISC, "Quarantine") == 1, "bad mail not in the Quarantine folder")
        check(ms.imap_list(DISC, "INBOX") == 0, "INBOX not emptied")


# ------------------------------------------------------------------ k: SMTP down
def k_smtp_down_then_retried():
    """With the SMTP server unreachable the case still opens and the acknowledgement stays
    queued with the error; once the server is back it goes out, once."""
    with MailServers() as ms:
        closed = harness.free_port()
        down = Pdgate(ms, "smtpdown", smtp_port=closed)
        ms.add_user("sam@public.test")
        ms.append(DISC, "INBOX", request("sam@public.test", "FOI request",
                                         "Under the Freedom of Information Act please send "
                                         "your policy on speed cameras.\n"))
        down.poll()
        check(len(down.cases()) == 1, "case not opened while SMTP was down", down.diag())
        out = [r for r in down.json("outbox") if r.get("notice") == "acknowledgement"]
        check(len(out) == 1 and out[0].get("state") == "queued",
              "outbox should hold 1 queued acknowledgement: %s" % json.dumps(out))
        check(out[0].get("last_error"), "queued notice has no error recorded")
        up = Pdgate(ms, "smtpdown")     # same state folder, the real SMTP port
        time.sleep(2.1)                 # retry_base is 1 s in the test config
        up.poll()
        ms.settle()
        out = [r for r in up.json("outbox") if r.get("notice") == "acknowledgement"]
        check(out and out[0].get("state") == "sent", "not sent after recovery: %s"
              % json.dumps(out), up.diag())
        up.poll()
        ms.settle()
        check(ms.imap_list("sam@public.test", "INBOX") == 1, "expected exactly 1 acknowledgement")


# ------------------------------------------------------------------ l: rules: check, reload
def l_rules_check_and_reload():
    """An invalid rule set is refused with file:line by `rules check` and by `poll`; a running
    poller reloads rules and templates on SIGHUP, keeping the old set when the new one is
    invalid; the classification is stored on the case and in its events."""
    import shutil
    with MailServers() as ms:
        rules_dir = os.path.join(ms.tmp, "rules")
        shutil.copytree(os.path.join(harness.REPO_ROOT, "rules"), rules_dir)
        tpl_dir = os.path.join(ms.tmp, "templates")
        shutil.copytree(os.path.join(harness.REPO_ROOT, "templates"), tpl_dir)
        ack = os.path.join(tpl_dir, "acknowledgement")
        top = os.path.join(rules_dir, "pdgate.rules")
        pd = Pdgate(ms, "rules", gateway_rules=top, gateway_templates=tpl_dir)
        extra = os.path.join(rules_dir, "local.rules")
        with open(top, "a") as f:
            f.write("include local.rules\n")

        def write_local(text):
            with open(extra, "w") as f:
                f.write(text)
        write_local("body ZEBRA /zebra crossing/\nscore ZEBRA foi=5 nosuchlabel=1\n")
        r = pd.run("rules", "check")
        check(r.returncode == 78, "rules check on a bad label: exit %s" % r.returncode)
        check(b"local.rules:2:" in r.stderr, "no file:line in %r" % r.stderr[-300:])
        r = pd.run("poll", "--once")
        check(r.returncode == 78, "poll started on invalid rules (exit %s)" % r.returncode)
        write_local("# nothing yet\n")
        pd.ok("rules", "check")

        def edit_ack(old, new):
            with open(ack) as f:
                text = f.read()
            with open(ack, "w") as f:
                f.write(text.replace(old, new, 1))

        def ack_subject(user):
            acks = acks_for(ms, user)
            return hdr(acks[-1], "Subject") if acks else ""

        for u in ("zed@public.test", "zoe@public.test", "zack@public.test", "zara@public.test"):
            ms.add_user(u)
        time.sleep(1.1)
        log_path = os.path.join(ms.tmp, "rules-daemon.log")
        log = open(log_path, "wb")
        p = subprocess.Popen(pd.argv("poll"), stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def deliver_and_wait(user, body, n_cases):
            ms.deliver(user, DISC, request(user, "A question", body))
            ms.wait_for_mail(user, "INBOX", 1, timeout=15)
            cases = pd.cases()
            check(len(cases) == n_cases, "%d cases, expected %d" % (len(cases), n_cases))
            return [c for c in cases if c["requester"] == user][0]
        try:
            time.sleep(1.0)
            c = deliver_and_wait("zed@public.test", "How many zebra crossings are near "
                                 "police stations?\n", 1)
            # 10: a rule that forces its kind over the model (README, classification).
            write_local("body ZEBRA /zebra crossing/\ndescribe ZEBRA Zebra test rule\n"
                        "score ZEBRA eir=10\n")
            edit_ack("Subject: ", "Subject: Reloaded - ")
            p.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            c = deliver_and_wait("zoe@public.test", "Tell me about zebra crossings.\n", 2)
            check("eir" in c["kinds"].split(","), "reloaded rule not applied: kinds %s"
                  % c["kinds"])
            shown = pd.case(c["reference"])
            ev = [e for e in shown["events"] if e["action"] == "classified"]
            check(ev and "ZEBRA" in ev[0]["detail"], "classification not in the case's events")
            check(shown.get("kinds") == c["kinds"], "case show lacks the kinds")
            check(ack_subject("zoe@public.test").startswith("Reloaded - "),
                  "reloaded template not used: %r" % ack_subject("zoe@public.test"))
            write_local("body BROKEN /unclosed(/\n")
            p.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            check(p.poll() is None, "poller died on an invalid reload")
            c = deliver_and_wait("zack@public.test", "Any zebra crossing figures?\n", 3)
            check("eir" in c["kinds"].split(","), "old rule set not kept after a bad reload")
            write_local("body ZEBRA /zebra crossing/\nscore ZEBRA eir=10\n")
            edit_ack("Subject: Reloaded - ", "Subject: {{bogus}} ")
            p.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            check(p.poll() is None, "poller died on an invalid template reload")
            deliver_and_wait("zara@public.test", "Zebra crossings, please.\n", 4)
            check(ack_subject("zara@public.test").startswith("Reloaded - "),
                  "old templates not kept after a bad reload: %r"
                  % ack_subject("zara@public.test"))
        finally:
            stop_daemon(p, log)
        with open(log_path, "rb") as f:
            text = f.read()
        check(b"reload refused" in text and b"local.rules:1:" in text,
              "the refused reload was not logged with file:line")
        check(b"acknowledgement:" in text and b"bogus" in text,
              "the refused template reload was not logged with file:line")


GROUPS = {
    "a": story, "b": story, "c": story, "d": story,
    "e": lambda: (run_test("e_kill9_mid_batch_processes_each_once", e_kill9_mid_batch),
                  run_test("e_kill9_each_sender_acknowledged", e_each_sender_acknowledged)),
    "f": lambda: (run_test("f_two_pollers_one_lock", f_two_pollers, False),
                  run_test("f_two_pollers_on_new_database", f_two_pollers, True)),
    "g": lambda: run_test("g_message_id_reuse_and_identical_bytes", g_duplicates),
    "h": lambda: run_test("h_daemon_idle_and_sigterm", h_daemon_idle),
    "i": lambda: run_test("i_tls_certificate_verified", i_tls_verified),
    "j": lambda: run_test("j_bad_mail_quarantined", j_bad_mail_quarantined),
    "k": lambda: run_test("k_smtp_down_then_retried", k_smtp_down_then_retried),
    "l": lambda: run_test("l_rules_check_and_reload", l_rules_check_and_reload),
}


def main():
    harness.require_root()
    want = sys.argv[1:] or ["a", "e", "f", "g", "h", "i", "j", "k", "l"]
    done = set()
    for g in want:
        fn = GROUPS[g]
        if fn in done:
            continue
        done.add(fn)
        try:
            fn()
        except Exception as e:          # the servers failed to start, etc.
            report("group_%s" % g, False, "%s: %s" % (type(e).__name__,
                                                      str(e).splitlines()[0] if str(e) else ""),
                   traceback.format_exc())
    pdtest.finish()


if __name__ == "__main__":
    main()
