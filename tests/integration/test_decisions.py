#!/usr/bin/env python3
"""The decisions a disclosure unit makes every week, end to end against a real Dovecot and
OpenSMTPD (see harness.py), every pdgate command under libfaketime on chosen days of 2026
(Europe/London; UK working days skip St Patrick's Day 17 Mar, Good Friday 3 Apr and Easter
Monday 6 Apr).

  fee paid      an FOI request of Mon 2 Mar (due Tue 31 Mar); a fees notice on Tue 10 Mar,
                paid Fri 13 Mar: the four working days are not counted, due Wed 8 Apr, and
                the requester is told the new date
  fee unpaid    a fees notice on Tue 10 Mar, never paid: still waiting on Tue 9 Jun (the last
                day of the three months), closed by the poller on Wed 10 Jun with its notice
  refusals      an FOI refusal by e-mail (#refuse-foi s31(1)(a) with the public interest
                below), the cost limit, an EIR refusal: each notice names what the law says
  vexatious     --no-notice refused for a requester never refused before; allowed, and
                nothing mailed, after a first vexatious refusal
  ncnd          two Part 3 access requests answered "neither confirm nor deny" with opposite
                internal reasons: the two notices are identical but for the reference, the
                name and the dates; the internal reasons are on the cases, in no mail
  partial       a Part 3 access answered in part: the cover says why parts were withheld and
                carries the s45(5) rights; the internal reason stays on the case
  merits        erasure refused by restricting processing instead (s47(2)); rectification
                refused on the merits (UK GDPR)
  report        the FOI row counts the refusal, the cost limit and the lapsed fee

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import datetime
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from harness import parse  # noqa: E402
from pdtest import Failure, check, dump, hdr, mail, notice_kind  # noqa: E402

DISC = pdtest.DISC
OFFICER = pdtest.OFFICER
AUTH = "mx.pdgate.test; dkim=pass header.d=pdgate.test"
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(range(256)) * 8 + b"\xff\xd9")
PASSPORT = [("passport.jpg", JPEG, "image", "jpeg")]
FOI = ("Under the Freedom of Information Act please tell me %s.\n\n%s\n")
ACCESS = ("Under the Data Protection Act I am asking for a copy of all personal data you hold "
          "about me. I attach a copy of my passport as proof of identity.\n\n%s\n")
ERASE = ("Under the Data Protection Act please erase all personal data you hold about me. I "
         "attach a copy of my passport as proof of identity.\n\n%s\n")
RECTIFY = ("Under the Data Protection Act please correct the inaccurate personal data you hold "
           "about me: my address is wrong. I attach a copy of my passport as proof of "
           "identity.\n\n%s\n")
EIR = ("Under the Environmental Information Regulations please send me the noise pollution "
       "measurements taken at the firing range in 2025.\n\n%s\n")

# requester key -> (address, name, subject, body, kinds and regime the team confirms)
REQUESTS = {
    "fee_paid": ("fran@public.test", "Fran", "FOI request", FOI % ("how many dogs the "
                 "force has", "Fran"), (), "foi", None),
    "fee_unpaid": ("fred@public.test", "Fred", "FOI request", FOI % ("the cost of the "
                   "helicopter in 2025", "Fred"), (), "foi", None),
    "refused": ("fay@public.test", "Fay", "FOI request", FOI % ("the locations of the "
                "covert cameras", "Fay"), (), "foi", None),
    "cost": ("finn@public.test", "Finn", "FOI request", FOI % ("every email sent by every "
             "officer since 2010", "Finn"), (), "foi", None),
    "vex": ("vic@public.test", "Vic", "FOI request", FOI % ("the colour of every door in "
            "every station", "Vic"), (), "foi", None),
    "eir": ("eve@public.test", "Eve", "EIR request", EIR % "Eve", (), "eir", None),
    "ncnd_held": ("pat@public.test", "Pat", "Subject access request", ACCESS % "Pat",
                  PASSPORT, "access", "law_enforcement"),
    "ncnd_none": ("pam@public.test", "Pam", "Subject access request", ACCESS % "Pam",
                  PASSPORT, "access", "law_enforcement"),
    "partial": ("pete@public.test", "Pete", "Subject access request", ACCESS % "Pete",
                PASSPORT, "access", "law_enforcement"),
    "erase": ("rob@public.test", "Rob", "Erasure request", ERASE % "Rob", PASSPORT, "erasure",
              "law_enforcement"),
    "rectify": ("ria@public.test", "Ria", "Correct my data", RECTIFY % "Ria", PASSPORT,
                "rectification", "general"),
}
HELD = "Operation Kestrel holds intelligence naming the requester"
NONE = "No record of the requester on any system"
PUBLIC_INTEREST = "The public interest in preventing crime outweighs that in disclosure."


def london(y, mo, d, h=10):
    return datetime.datetime(y, mo, d, h, 0, tzinfo=datetime.timezone.utc)


def flat(text):
    return re.sub(r"\s+", " ", text or "")


def body_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return flat(part.get_content()) if part is not None else ""


def events(show, action):
    return [e for e in show.get("events", []) if e.get("action") == action]


class Decisions:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.FaketimePdgate(ms, "decisions")
        self.ref = {}
        self.seen = {}

    def poll(self, now):
        self.pd.at(now).poll()
        self.ms.settle()

    def new_mail(self, key):
        """What reached this requester since the last call."""
        user = REQUESTS[key][0]
        got = [parse(r) for r in self.ms.imap_fetch_all(user)]
        before = self.seen.get(user, 0)
        self.seen[user] = len(got)
        return got[before:]

    def one_notice(self, key, kind):
        got = self.new_mail(key)
        kinds = [notice_kind(m) for m in got]
        check(kinds == [kind], "%s got %r, expected one %s" % (key, kinds, kind))
        return got[0]

    def act(self, now, key, *args):
        self.pd.at(now).action(self.ref[key], *args)

    # ---- Mon 2 March: eleven requests; the team confirms kinds and regimes on the 3rd
    def setup(self):
        for key, (addr, name, subj, body, files, _, _) in sorted(REQUESTS.items()):
            self.ms.add_user(addr)
            when = london(2026, 3, 2)
            self.ms.append(DISC, "INBOX", mail(addr, subj, body, name=name, files=files,
                                               date=when), date=when)
        self.poll("2026-03-02 10:30:00")
        by = {c.get("requester"): c.get("reference") for c in self.pd.cases()}
        self.ref = {k: by.get(v[0]) for k, v in REQUESTS.items()}
        check(all(self.ref.values()), "not every request opened a case", dump(by))
        for key, (_, _, _, _, _, kinds, regime) in REQUESTS.items():
            show = self.pd.case(self.ref[key])
            if show.get("kinds") != kinds:
                self.act("2026-03-03 09:00:00", key, "set-kinds", kinds)
            if regime is not None:
                self.act("2026-03-03 09:05:00", key, "set-regime", regime)
            if self.pd.case(self.ref[key]).get("state") == "awaiting_identity":
                self.act("2026-03-03 09:10:00", key, "verify-identity", "--on", "2026-03-02")
        self.poll("2026-03-03 09:30:00")
        for key in REQUESTS:
            self.new_mail(key)
        states = {k: self.pd.case(r).get("state") for k, r in self.ref.items()}
        check(set(states.values()) == {"open"}, "states %r" % states)

    # ---- fees
    def fee_paid(self):
        show = self.pd.case(self.ref["fee_paid"])
        check(show.get("next_deadline", {}).get("due") == "2026-03-31",
              "FOI from 2 Mar is not due 31 Mar", dump(show.get("deadlines")))
        self.act("2026-03-10 10:00:00", "fee_paid", "fee", "--amount", "25",
                 "--reason", "the cost of copying 500 pages")
        self.poll("2026-03-10 10:30:00")
        text = body_of(self.one_notice("fee_paid", "fee_notice"))
        for want in ("\u00a325", "9 June 2026", "copying 500 pages"):
            check(want in text, "the fee notice lacks %r" % want, text)
        check(self.pd.case(self.ref["fee_paid"]).get("state") == "awaiting_fee",
              "not awaiting the fee")
        self.act("2026-03-13 15:00:00", "fee_paid", "fee-paid")
        self.poll("2026-03-13 15:30:00")
        show = self.pd.case(self.ref["fee_paid"])
        check(show.get("state") == "open" and show.get("fee_paid_on") == "2026-03-13",
              "after fee-paid: %s" % show.get("state"), dump(show))
        # 10-13 Mar are not counted: Wed 1, Thu 2 Apr, Easter, Tue 7, Wed 8 Apr.
        check(show.get("next_deadline", {}).get("due") == "2026-04-08",
              "due %r, expected 2026-04-08" % show.get("next_deadline"))
        text = body_of(self.one_notice("fee_paid", "deadline_changed"))
        check("8 April 2026" in text and "payment" in text, "the new date is not told", text)

    def fee_unpaid(self):
        self.act("2026-03-10 10:05:00", "fee_unpaid", "fee", "--amount", "10.50",
                 "--reason", "disbursements: postage of a CD")
        self.poll("2026-03-10 10:35:00")
        self.one_notice("fee_unpaid", "fee_notice")
        self.poll("2026-06-09 10:00:00")
        show = self.pd.case(self.ref["fee_unpaid"])
        check(show.get("state") == "awaiting_fee", "closed before the three months ended: %s"
              % show.get("state"))
        check(not self.new_mail("fee_unpaid"), "mail before the fee lapsed")
        self.poll("2026-06-10 10:00:00")
        show = self.pd.case(self.ref["fee_unpaid"])
        check(show.get("state") == "closed" and show.get("outcome") == "fee_unpaid",
              "on 10 June: %s / %s" % (show.get("state"), show.get("outcome")), dump(show))
        check(events(show, "fee_unpaid") and events(show, "fee_unpaid")[0].get("actor") ==
              "gateway", "not closed by the gateway", dump(show.get("events")))
        text = body_of(self.one_notice("fee_unpaid", "fee_unpaid_notice"))
        check("\u00a310.50" in text, "the lapse notice lacks the amount", text)

    # ---- FOI and EIR refusals
    def refused_by_email(self):
        ref = self.ref["refused"]
        raw = mail(OFFICER, "Decision on %s" % ref,
                   "#refuse-foi s31(1)(a) Disclosing camera locations would help offenders "
                   "avoid them.\n\n%s\n\n-- \nJo Officer\n" % PUBLIC_INTEREST, auth=AUTH,
                   date=london(2026, 3, 12))
        self.ms.append(DISC, "INBOX", raw, date=london(2026, 3, 12))
        self.poll("2026-03-12 10:30:00")
        show = self.pd.case(ref)
        check(show.get("state") == "refused" and show.get("outcome") == "foi_refused",
              "after #refuse-foi: %s / %s" % (show.get("state"), show.get("outcome")),
              self.pd.diag())
        text = body_of(self.one_notice("refused", "foi_refusal_notice"))
        for want in ("section 31(1)(a)", "Law enforcement", "help offenders",
                     PUBLIC_INTEREST, "internal review", "section 50"):
            check(want in text, "the FOI refusal lacks %r" % want, text)
        for never in ("Jo Officer", "Data Protection Act", "section 167"):
            check(never not in text, "the FOI refusal says %r" % never, text)

    def cost_limit(self):
        self.act("2026-03-12 11:00:00", "cost", "cost-limit", "--advice",
                 "You could ask for one month of emails from one department.")
        self.poll("2026-03-12 11:30:00")
        text = body_of(self.one_notice("cost", "foi_cost_limit_notice"))
        for want in ("\u00a3450", "18", "\u00a325", "one month of emails", "section 50"):
            check(want in text, "the cost-limit notice lacks %r" % want, text)

    def eir_refusal(self):
        self.act("2026-03-12 12:00:00", "eir", "refuse-eir", "--exception", "12(5)(a)",
                 "--reason", "the range is used for counter-terrorism training",
                 "--public-interest", "Public safety outweighs the interest in disclosure.")
        self.poll("2026-03-12 12:30:00")
        text = body_of(self.one_notice("eir", "eir_refusal_notice"))
        for want in ("regulation 12(5)(a)", "counter-terrorism training", "Public safety",
                     "regulation 11"):
            check(want in text, "the EIR refusal lacks %r" % want, text)
        check("section 17" not in text and "Data Protection Act" not in text,
              "FOI or DP wording in an EIR refusal", text)

    def vexatious(self):
        r = self.pd.at("2026-03-16 10:00:00").run("case", self.ref["vex"], "vexatious",
                                                  "--reason", "r", "--no-notice")
        check(r.returncode != 0 and b"s17(6)" in r.stderr,
              "--no-notice accepted for a first refusal", r.stderr.decode())
        self.act("2026-03-16 10:05:00", "vex", "vexatious", "--repeated", "--reason",
                 "the same request as last month, already answered")
        self.poll("2026-03-16 10:30:00")
        text = body_of(self.one_notice("vex", "foi_vexatious_notice"))
        check("already answered" in text and "repeated" in text.lower(),
              "the vexatious notice lacks the reason or the repeat", text)
        # The same request again: refused with no notice (s17(6)), recorded.
        addr, name, subj, body = REQUESTS["vex"][:4]
        when = london(2026, 3, 17)
        self.ms.append(DISC, "INBOX", mail(addr, subj + " again", body, name=name, date=when),
                       date=when)
        self.poll("2026-03-17 10:30:00")
        self.new_mail("vex")  # its acknowledgement
        again = [c.get("reference") for c in self.pd.cases()
                 if c.get("requester") == addr and c.get("reference") != self.ref["vex"]]
        check(len(again) == 1, "the second request opened %d cases" % len(again))
        self.pd.at("2026-03-17 11:00:00").action(again[0], "vexatious", "--repeated",
                                                  "--no-notice", "--reason", "third time")
        self.poll("2026-03-17 11:30:00")
        check(not self.new_mail("vex"), "a notice was sent despite --no-notice")
        show = self.pd.case(again[0])
        check(show.get("outcome") == "vexatious" and "s17(6)" in
              (events(show, "vexatious") or [{}])[0].get("detail", ""),
              "the no-notice refusal is not recorded", dump(show.get("events")))

    # ---- neither confirm nor deny
    def ncnd(self):
        self.act("2026-03-18 10:00:00", "ncnd_held", "ncnd", "--internal-reason", HELD)
        self.act("2026-03-18 10:00:00", "ncnd_none", "ncnd", "--internal-reason", NONE)
        self.poll("2026-03-18 10:30:00")
        texts = []
        for key in ("ncnd_held", "ncnd_none"):
            msg = self.one_notice(key, "ncnd_notice")
            text = body_of(msg)
            check(HELD not in text and NONE not in text and "Kestrel" not in text,
                  "an internal reason reached %s" % key, text)
            addr, name = REQUESTS[key][0], REQUESTS[key][1]
            text = text.replace(self.ref[key], "REF").replace(name, "NAME")
            texts.append(re.sub(r"\d{1,2} [A-Z][a-z]+ \d{4}", "DATE", text))
            subj = hdr(msg, "Subject").replace(self.ref[key], "REF")
            texts[-1] = subj + "\n" + texts[-1]
            show = self.pd.case(self.ref[key])
            check(show.get("outcome") == "ncnd", "%s outcome %r" % (key, show.get("outcome")))
            detail = (events(show, "ncnd") or [{}])[0].get("detail", "")
            check(HELD in detail or NONE in detail, "the internal reason is not recorded",
                  dump(show.get("events")))
        check(texts[0] == texts[1], "the two NCND notices differ", "\n---\n".join(texts))
        for want in ("section 51", "section 167"):
            check(want in texts[0], "the NCND notice lacks %r" % want, texts[0])

    def partial(self):
        self.act("2026-03-19 10:00:00", "partial", "respond", "--partial",
                 "--restriction-reason", "Other people's personal data was removed.",
                 "--internal-reason", "an informant is named in the log",
                 "--answer", "Your custody record is attached, with some parts removed.")
        self.poll("2026-03-19 10:30:00")
        text = body_of(self.one_notice("partial", "response_cover"))
        for want in ("Other people's personal data was removed", "section 51",
                     "section 167"):
            check(want in text, "the partial cover lacks %r" % want, text)
        check("informant" not in text, "the internal reason reached the requester", text)
        show = self.pd.case(self.ref["partial"])
        check(show.get("outcome") == "part" and events(show, "partially_restricted"),
              "the partial restriction is not recorded", dump(show.get("events")))
        check("informant" in events(show, "partially_restricted")[0].get("detail", ""),
              "the internal reason is not on the case")

    # ---- refusals on the merits
    def merits(self):
        self.act("2026-03-20 10:00:00", "erase", "restrict-instead-of-erase", "--reason",
                 "The record may be needed as evidence in court.")
        self.act("2026-03-20 10:00:00", "rectify", "refuse-rectification", "--reason",
                 "Our record shows the address you gave us at the time.")
        self.poll("2026-03-20 10:30:00")
        text = body_of(self.one_notice("erase", "restrict_instead_notice"))
        check("needed as evidence" in text and "section 167" in text,
              "the s47(2) notice lacks its reason or the court route", text)
        text = body_of(self.one_notice("rectify", "rectification_refusal_notice"))
        check("address you gave us" in text and "section 167" not in text,
              "the UK GDPR refusal lacks its reason or names a Part 3 route", text)
        outcomes = {k: self.pd.case(self.ref[k]).get("outcome") for k in ("erase", "rectify")}
        check(outcomes == {"erase": "restricted_instead", "rectify": "refused_rectification"},
              "outcomes %r" % outcomes)

    def statutory_report(self):
        r = self.pd.at("2026-07-01 10:00:00").json("report", "--from", "2026-03-01", "--to",
                                                   "2026-06-30")
        rows = [x for x in r.get("rows", []) if x.get("kind") == "foi"]
        check(len(rows) == 1, "one FOI row expected", dump(r))
        got = {k: rows[0].get(k) for k in ("received", "foi_refused", "foi_cost_limit",
                                           "foi_vexatious", "foi_fee_unpaid")}
        want = {"received": 6, "foi_refused": 1, "foi_cost_limit": 1, "foi_vexatious": 2,
                "foi_fee_unpaid": 1}
        check(got == want, "FOI row %r, expected %r" % (got, want), dump(rows[0]))


TESTS = [
    ("setup_eleven_requests_kinds_and_regimes_confirmed", "setup"),
    ("fee_paid_four_working_days_not_counted_due_8_april", "fee_paid"),
    ("fee_unpaid_closed_on_10_june_not_9_june", "fee_unpaid"),
    ("foi_refusal_by_email_names_exemption_and_public_interest", "refused_by_email"),
    ("cost_limit_notice_gives_limit_and_advice", "cost_limit"),
    ("eir_refusal_names_exception_and_reconsideration", "eir_refusal"),
    ("vexatious_no_notice_only_after_an_earlier_refusal", "vexatious"),
    ("ncnd_notices_identical_held_or_not_internal_reasons_kept", "ncnd"),
    ("partial_answer_says_why_and_keeps_internal_reason", "partial"),
    ("restrict_instead_of_erase_and_rectification_refused", "merits"),
    ("report_counts_refusal_cost_limit_vexatious_lapsed_fee", "statutory_report"),
]


if __name__ == "__main__":
    pdtest.main("decisions", Decisions, TESTS)
