#!/usr/bin/env python3
"""The disclosure team works by email, end to end against a real Dovecot and OpenSMTPD (see
harness.py).  Team mail is APPENDed to the disclosure mailbox with the Authentication-Results
header our MTA would write (authserv-id mx.pdgate.test; harness.write_config sets [team]
members = officer@pdgate.test, require_auth = dkim); the team's notifications go to
team@pdgate.test.

  verified        #verified starts the clock; the requester gets the one notice with the date
  extend          #extend within the first month sends the extension notice with its reason;
                  after it (a request delivered two months ago) the member is told why not and
                  nothing changes
  respond         #respond with a PDF: the cover, the member's answer and the same PDF bytes
                  reach the requester, the member's signature (text and inline logo) does
                  not, the case ends
  refused         a non-member, a member address with a failing, missing or foreign
                  Authentication-Results, a quoted #close: nothing runs (forgeries flagged)
  note            #note with a unique token, a signature and quoted history: the token stays
                  on the case, nothing of it reaches any requester
  conflict        two cases in the subject, or subject and thread disagreeing: nothing runs
  caseless        commands naming no case: answered, nothing runs; a member's own request
                  without commands opens a case like anyone's; #case REF names the case;
                  their commands on it run nothing and it is raised like anyone's reply
  one notice      #verified then #kinds in one mail: the requester gets one clock_started
  raised          a requester's reply with a file reaches the team at once, file attached

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from pdtest import Failure, check, dump, hdr, mail, norm_mid, notice_kind  # noqa: E402
from harness import parse  # noqa: E402

DISC = pdtest.DISC
TEAM = pdtest.TEAM
OFFICER = pdtest.OFFICER
AUTH_PASS = "mx.pdgate.test; dkim=pass (2048-bit key) header.d=pdgate.test header.i=@pdgate.test"
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
       + bytes(range(256)) * 16 + b"\n%%EOF\n")
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(range(256)) * 8 + b"\xff\xd9")
LOGO = b"\x89PNG\r\n\x1a\n" + b"logo" * 64
ACCESS = ("Under the Data Protection Act I am asking for a copy of all personal data you hold "
          "about me.%s\n\n%s\n")
WITH_ID = " I attach a copy of my passport as proof of identity."



def text_of(msg):
    out = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and \
                part.get_content_disposition() != "attachment":
            out.append(part.get_content())
    return "\n".join(out)


def files_of(msg):
    return {p.get_filename(): p.get_payload(decode=True) for p in msg.walk()
            if p.get_content_disposition() == "attachment"}


def events(show, action=None):
    return [e for e in show.get("events", []) if action is None or e.get("action") == action]


class Team:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.Pdgate(ms, "team")
        self.ref = {}
        self.seen = {}

    # ---- mailboxes
    def box(self, user):
        return [parse(r) for r in self.ms.imap_fetch_all(user)]

    def new(self, user):
        """Messages that reached user since the last call."""
        got = self.box(user)
        before = self.seen.get(user, 0)
        self.seen[user] = len(got)
        return got[before:]

    def poll(self):
        self.pd.poll()
        self.ms.settle()

    def notices_of(self, user, ref, kind):
        return [m for m in self.box(user) if ref in hdr(m, "Subject") and notice_kind(m) == kind]

    def team_notice(self, ref):
        got = self.notices_of(TEAM, ref, "team_new_case")
        check(len(got) == 1, "%d team_new_case notices for %s" % (len(got), ref))
        return got[0]

    def command(self, ref, body, auth=AUTH_PASS, sender=OFFICER, files=(), subject=None,
                logo=None):
        """The officer replies to the team's notification of case ref."""
        n = self.team_notice(ref) if ref else None
        raw = mail(sender, subject or ("Re: " + hdr(n, "Subject") if n else "Commands"), body,
                   name="Jo Officer", in_reply_to=hdr(n, "Message-ID") if n else None,
                   files=files, auth=auth, logo=logo)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        return parse(raw)

    def answer(self, sent):
        """The team_reply answering the officer's mail `sent`."""
        got = [m for m in self.box(OFFICER)
               if norm_mid(hdr(m, "In-Reply-To")) == norm_mid(hdr(sent, "Message-ID"))]
        check(len(got) == 1, "the officer got %d answers, expected 1" % len(got),
              "\n".join(hdr(m, "Subject") for m in self.box(OFFICER)))
        check(notice_kind(got[0]) == "team_reply", "the answer is %s" % notice_kind(got[0]))
        check(hdr(got[0], "Auto-Submitted").startswith("auto-replied"), "not Auto-Submitted")
        return text_of(got[0])

    def state(self, ref):
        return self.pd.case(ref).get("state")

    # ---- set-up: five requests
    def open_cases(self):
        long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=75)
        reqs = {
            "A": ("ann@public.test", "Subject access request", ACCESS % (WITH_ID, "Ann"), [
                ("passport.jpg", JPEG, "image", "jpeg")], None),
            "B": ("bea@public.test", "Subject access request", ACCESS % ("", "Bea"), [], None),
            "C": ("cal@public.test", "Freedom of Information request",
                  "Under the Freedom of Information Act please tell me how many police dogs "
                  "the force has.\n\nCal\n", [], long_ago),
            "D": ("dee@public.test", "Subject access request", ACCESS % (WITH_ID, "Dee"), [
                ("passport.jpg", JPEG, "image", "jpeg")], None),
            "F": ("fay@public.test", "Subject access request", ACCESS % ("", "Fay"), [], None),
            "G": ("gus@public.test", "Subject access request", ACCESS % ("", "Gus"), [], None),
        }
        for k, (addr, subj, body, files, when) in sorted(reqs.items()):
            self.ms.add_user(addr)
            self.ms.append(DISC, "INBOX", mail(addr, subj, body, files=files, date=when),
                           date=when)
        self.poll()
        by = {c.get("requester"): c.get("reference") for c in self.pd.cases()}
        self.addr = {k: v[0] for k, v in reqs.items()}
        self.ref = {k: by.get(v[0]) for k, v in reqs.items()}
        check(all(self.ref.values()), "not every request opened a case", dump(self.pd.cases()))
        states = {k: self.state(r) for k, r in self.ref.items()}
        want = {"A": "open", "B": "awaiting_identity", "C": "open", "D": "open",
                "F": "awaiting_identity", "G": "awaiting_identity"}
        check(states == want, "states %r, expected %r" % (states, want))
        for user in list(self.addr.values()) + [TEAM, OFFICER]:
            self.new(user)

    # ---- verified
    def verified(self):
        b = self.ref["B"]
        sent = self.command(b, "#verified\n\nChecked her passport at the front counter.\n")
        check(self.state(b) == "open", "B is %s after #verified" % self.state(b))
        got = self.new(self.addr["B"])
        check([notice_kind(m) for m in got] == ["clock_started"],
              "bea got %r, expected one clock_started" % [notice_kind(m) for m in got])
        body = text_of(got[0])
        show = self.pd.case(b)
        due = (show.get("next_deadline") or {}).get("due") or ""
        check(due and str(int(due[8:10])) in body, "clock_started lacks the date %s" % due,
              body)
        check("front counter" not in body, "the member's note reached the requester", body)
        check("#verified: done" in self.answer(sent), "the answer does not say it was done")
        notes = [e.get("detail") or "" for e in events(show, "note")]
        check(any("front counter" in n for n in notes), "the text below was not kept as a note",
              dump(events(show)))
        acted = events(show, "identity_verified")
        check(acted and acted[0].get("actor") == OFFICER, "identity_verified not by %s"
              % OFFICER, dump(acted))

    def one_date_notice_per_mail(self):
        g = self.ref["G"]
        sent = self.command(g, "#verified\n#kinds access,erasure\n")
        ans = self.answer(sent)
        check("#verified: done" in ans and "#kinds: done" in ans, "answer: %s" % ans)
        got = [notice_kind(m) for m in self.new(self.addr["G"])]
        check(got == ["clock_started"], "gus got %r, expected one clock_started" % got)
        body = text_of(self.notices_of(self.addr["G"], g, "clock_started")[0]).lower()
        check("deletion of your personal data:" in body, "the one notice lacks the erasure "
              "date", body)

    # ---- extend
    def extend_in_time(self):
        a = self.ref["A"]
        sent = self.command(a, "#regime general\n#extend The records span many systems\n")
        check(self.state(a) == "extended", "A is %s" % self.state(a), self.answer(sent))
        got = self.new(self.addr["A"])
        kinds = [notice_kind(m) for m in got]
        check(kinds == ["extension_notice"], "ann got %r" % kinds)
        check("The records span many systems" in text_of(got[0]), "the reason is missing")
        ans = self.answer(sent)
        check("#regime: done" in ans and "#extend: done" in ans, "answer: %s" % ans)

    def extend_too_late(self):
        c = self.ref["C"]
        before = self.pd.case(c)
        sent = self.command(c, "#extend s31 The public interest test needs more time\n")
        ans = self.answer(sent)
        check("#extend: not done" in ans and "can only be notified by" in ans,
              "the member is not told why: %s" % ans)
        after = self.pd.case(c)
        check(after.get("state") == "open" and after.get("extended_on") is None,
              "C changed: %s" % after.get("state"))
        to_cal = [o for o in after.get("outbox", []) if o.get("rcpt") == self.addr["C"]]
        was = [o for o in before.get("outbox", []) if o.get("rcpt") == self.addr["C"]]
        check(len(to_cal) == len(was), "a notice was queued for cal")
        check(not self.new(self.addr["C"]), "cal got mail")

    # ---- respond
    def respond_with_pdf(self):
        d = self.ref["D"]
        body = ("#regime general\n#respond\n\nDear Dee,\n\nYour records are attached: we hold "
                "one custody record.\n\n-- \nJo Officer\nDisclosure Unit, 01234 567890\n")
        sent = self.command(d, body, files=[("records.pdf", PDF, "application", "pdf")],
                            logo=LOGO)
        check(self.state(d) == "responded", "D is %s" % self.state(d), self.answer(sent))
        got = self.new(self.addr["D"])
        check([notice_kind(m) for m in got] == ["response_cover"], "dee got %r"
              % [notice_kind(m) for m in got])
        text = text_of(got[0])
        check("we hold one custody record" in text, "the answer is missing", text)
        check("01234 567890" not in text and "Jo Officer" not in text,
              "the member's signature reached the requester", text)
        check("records.pdf" in text, "the cover does not list the file by name", text)
        files = files_of(got[0])
        check(set(files) == {"records.pdf"}, "files sent: %r (the signature's logo is not "
              "the member's file)" % sorted(files, key=str))
        check(files.get("records.pdf") == PDF, "the PDF is not the same bytes: %r"
              % {k: len(v or b"") for k, v in files.items()})
        show = self.pd.case(d)
        check(show.get("outcome") == "full", "outcome %r" % show.get("outcome"))
        listed = events(show, "response_files")
        check(listed and "records.pdf" in listed[0].get("detail", ""), "files not recorded",
              dump(events(show)))

    # ---- what must not run
    def _nothing_ran(self, ref, before):
        after = self.pd.case(ref)
        check(after.get("state") == before.get("state"), "state %s -> %s"
              % (before.get("state"), after.get("state")))
        mine = [e for e in events(after) if e.get("actor") == OFFICER]
        was = [e for e in events(before) if e.get("actor") == OFFICER]
        check(len(mine) == len(was), "an officer's action was recorded", dump(mine[len(was):]))
        return after

    def non_member(self):
        a = self.ref["A"]
        before = self.pd.case(a)
        n = self.team_notice(a)
        raw = mail("mallory@public.test", "Re: " + hdr(n, "Subject"), "#close Not needed\n",
                   in_reply_to=hdr(n, "Message-ID"), auth=AUTH_PASS.replace(
                       "pdgate.test", "public.test"))
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        after = self._nothing_ran(a, before)
        check(events(after, "commands_from_non_member"), "not recorded",
              dump(events(after)[-5:]))

    def _forged(self, auth, why):
        f = self.ref["F"]
        before = self.pd.case(f)
        self.new(TEAM)
        self.command(f, "#close Not a request\n", auth=auth)
        after = self._nothing_ran(f, before)
        check(len(events(after, "possible_forgery")) == len(events(before, "possible_forgery"))
              + 1, "no possible_forgery event (%s)" % why, dump(events(after)[-4:]))
        alerts = [m for m in self.new(TEAM) if notice_kind(m) == "team_alert"]
        check(len(alerts) == 1, "the team got %d alerts (%s)" % (len(alerts), why))
        inbound = [m for m in after.get("messages", []) if m.get("direction") == "in"]
        check(inbound and inbound[-1].get("from") == OFFICER, "the mail is not kept on the case")

    def forged_fail(self):
        self._forged(AUTH_PASS.replace("dkim=pass", "dkim=fail"), "dkim=fail")

    def forged_missing(self):
        self._forged(None, "no Authentication-Results")

    def forged_foreign(self):
        self._forged(AUTH_PASS.replace("mx.pdgate.test", "mx.evil.example"), "another MTA's")

    def quoted_close(self):
        f = self.ref["F"]
        before = self.pd.case(f)
        n = self.team_notice(f)
        body = ("Thanks, I will look at this tomorrow.\n\nOn Mon, 1 Dec 2026 at 09:00, Public "
                "Disclosure Team <disclosure@pdgate.test> wrote:\n> #close Not a request\n"
                "> New case\n")
        self.ms.append(DISC, "INBOX", mail(OFFICER, "Re: " + hdr(n, "Subject"), body,
                                           in_reply_to=hdr(n, "Message-ID"), auth=AUTH_PASS))
        self.poll()
        after = self.pd.case(f)
        check(after.get("state") == before.get("state"), "the quoted #close ran")
        check(any("look at this tomorrow" in (e.get("detail") or "")
                  for e in events(after, "note")), "the reply was not kept as a note")

    # ---- note
    def note_stays_inside(self):
        a = self.ref["A"]
        token = "TOKEN-%d" % int(time.time())
        body = ("#note %s-1 rang the requester\n\nDS Smith says %s-2 is sensitive.\n\n"
                "Kind regards,\nJo Officer\nDisclosure Unit\n\nOn Mon, 1 Dec 2026, Public "
                "Disclosure Team wrote:\n> %s-3 quoted\n" % (token, token, token))
        sent = self.command(a, body)
        show = self.pd.case(a)
        notes = " ".join(e.get("detail") or "" for e in events(show, "note"))
        check(token + "-1" in notes and token + "-2" in notes, "the note was not kept", notes)
        check(token + "-3" not in notes, "quoted history became a note", notes)
        self.ms.settle()
        for k, addr in self.addr.items():
            for m in self.box(addr):
                check(token not in m.as_string(), "the token reached %s" % addr)
        check("#note: done" in self.answer(sent), "not answered")

    # ---- conflicting references
    def conflict(self):
        a, c = self.ref["A"], self.ref["C"]
        before = self.pd.case(a)
        raw = mail(OFFICER, "Re: [%s] and [%s]" % (a, c), "#close Duplicate\n", auth=AUTH_PASS)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        self._nothing_ran(a, before)
        check("two cases" in self.answer(parse(raw)), "the member is not told")
        # The subject names A, the thread is C's notification.
        n = self.team_notice(c)
        raw = mail(OFFICER, "Re: [%s]" % a, "#note wrong case\n", in_reply_to=hdr(n, "Message-ID"),
                   auth=AUTH_PASS)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        self._nothing_ran(a, before)
        check("Nothing was done" in self.answer(parse(raw)), "the member is not told")

    # ---- no case
    def caseless(self):
        cases = len(self.pd.cases())
        raw = mail(OFFICER, "Commands", "#close Not a request\n", auth=AUTH_PASS)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        check(len(self.pd.cases()) == cases, "a case was opened")
        check("names no case" in self.answer(parse(raw)), "the member is not told")
        # #case names it explicitly (a reply to a digest carries no reference).
        c = self.ref["C"]
        raw = mail(OFFICER, "Re: daily digest", "#case %s\n#note via the digest\n" % c,
                   auth=AUTH_PASS)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        notes = [e.get("detail") for e in events(self.pd.case(c), "note")]
        check(any("via the digest" in (n or "") for n in notes), "#case did not name it")
        # #help lists the commands allowed now.
        ans = self.answer(self.command(c, "#help\n"))
        check("#extend" in ans and "#respond" in ans, "#help: %s" % ans)
        # A member's own request, without commands, is anyone's.
        raw = mail(OFFICER, "FOI request", "Under the Freedom of Information Act please tell "
                   "me how many bicycles were stolen in 2025.\n", auth=AUTH_PASS)
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        mine = [x for x in self.pd.cases() if x.get("requester") == OFFICER]
        check(len(mine) == 1, "the member's request opened %d cases" % len(mine))

    def own_case_commands(self):
        """A member's commands on their own request run nothing: it is raised like anyone's."""
        own = [x.get("reference") for x in self.pd.cases() if x.get("requester") == OFFICER]
        check(len(own) == 1, "no case of the member's own: %r" % own)
        self.new(TEAM)
        before = self.pd.case(own[0])
        self.command(None, "#close Not needed any more\n#note done\n",
                     subject="Re: Your request %s" % own[0])
        self._nothing_ran(own[0], before)
        raised = [m for m in self.new(TEAM) if notice_kind(m) == "team_case_reply"]
        check(len(raised) == 1, "the team got %d raised replies" % len(raised))

    # ---- a requester's reply reaches the team at once
    def requester_reply_raised(self):
        f = self.ref["F"]
        self.new(TEAM)
        ack = self.notices_of(self.addr["F"], f, "acknowledgement")[0]
        raw = mail(self.addr["F"], "Re: " + hdr(ack, "Subject"),
                   "Here is my passport.\n\nFay\n\nOn Mon, Public Disclosure Team wrote:\n"
                   "> old text\n", in_reply_to=hdr(ack, "Message-ID"),
                   files=[("passport.jpg", JPEG, "image", "jpeg")])
        self.ms.append(DISC, "INBOX", raw)
        self.poll()
        got = [m for m in self.new(TEAM) if notice_kind(m) == "team_case_reply"]
        check(len(got) == 1, "the team got %d raised replies" % len(got))
        text = text_of(got[0])
        check("Here is my passport" in text and "old text" not in text, "new text only", text)
        check("identity" in text.lower(), "not said to be identity documents", text)
        check(files_of(got[0]).get("passport.jpg") == JPEG, "the file is not attached as sent")
        check(self.state(f) == "awaiting_identity", "pdgate changed the state on its guess")


TESTS = [
    ("setup_five_requests_open_five_cases", "open_cases"),
    ("verified_starts_clock_and_tells_the_requester", "verified"),
    ("several_date_changes_in_one_mail_one_notice", "one_date_notice_per_mail"),
    ("extend_in_time_sends_the_notice_with_its_reason", "extend_in_time"),
    ("extend_after_the_first_month_refused_nothing_changes", "extend_too_late"),
    ("respond_sends_cover_answer_and_same_pdf_not_the_signature", "respond_with_pdf"),
    ("non_member_commands_run_nothing", "non_member"),
    ("member_failing_auth_runs_nothing_flagged", "forged_fail"),
    ("member_missing_auth_runs_nothing_flagged", "forged_missing"),
    ("member_foreign_auth_runs_nothing_flagged", "forged_foreign"),
    ("quoted_close_never_runs", "quoted_close"),
    ("note_token_signature_quotes_never_reach_requesters", "note_stays_inside"),
    ("conflicting_references_run_nothing", "conflict"),
    ("caseless_commands_case_line_help_and_members_own_request", "caseless"),
    ("members_commands_on_their_own_request_run_nothing", "own_case_commands"),
    ("requester_reply_with_file_raised_to_team_at_once", "requester_reply_raised"),
]


if __name__ == "__main__":
    pdtest.main("team", Team, TESTS)
