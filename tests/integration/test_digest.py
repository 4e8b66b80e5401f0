#!/usr/bin/env python3
"""The team's daily digest and the statutory report, end to end against a real Dovecot and
OpenSMTPD (see harness.py), every pdgate command under libfaketime on chosen days
(Europe/London; [digest] time = 08:00, [team] notify = team@pdgate.test).

  schedule   none before 08:00; one at 09:00 on Thursday 3 December 2026; not a second after
             a restart the same day; one on Christmas Eve listing only that day's request
             as new; none on Christmas Day nor on Monday 28 December (the Boxing Day
             substitute); one on Tuesday 29 December with nothing new
  content    a request APPENDed with an old INTERNALDATE is listed overdue, with the word
             "overdue" and its reference, in text and in the HTML table
  rendered   the HTML part, with its inline chart resolved as a mail client does, rendered by
             headless Chromium (Debian's package) to a PNG: the overdue row shows red, the
             chart shows its bars
  reply      replying to the digest with "#case REF" then "#note ..." acts on that case
  report     `pdgate report` over November and December: the hand-counted figures, CSV and
             JSON agree, --png writes a PNG

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".  Exit 1 on any
failure, 77 when skipped (not root / no mail servers).
"""

import csv
import datetime
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from harness import parse  # noqa: E402
from pdtest import Failure, check, dump, hdr, mail, notice_kind  # noqa: E402

DISC = pdtest.DISC
TEAM = pdtest.TEAM
OFFICER = pdtest.OFFICER
AUTH = "mx.pdgate.test; dkim=pass header.d=pdgate.test"
RED = (0xb0, 0x00, 0x20)         # the overdue colour of team_digest and the chart
BLUE = (0x2f, 0x55, 0x97)        # the chart's later weeks
CHROMIUM = shutil.which("chromium")


def london(y, mo, d, h=9, mi=0):
    try:
        from zoneinfo import ZoneInfo
        return datetime.datetime(y, mo, d, h, mi, tzinfo=ZoneInfo("Europe/London"))
    except Exception:
        return datetime.datetime(y, mo, d, h, mi, tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------- a PNG reader (no PIL)
def png_pixels(data):
    """(width, height, rows) of an 8-bit RGB or RGBA non-interlaced PNG; rows of (r, g, b)."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            check(depth == 8 and colour in (2, 6) and interlace == 0,
                  "PNG type %d/%d/%d not handled" % (depth, colour, interlace))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def near(p, colour, tol=12):
    return all(abs(p[i] - colour[i]) <= tol for i in range(3))


def new_section(digest):
    """The text of the digest's "new since the last digest" section, or ""."""
    text = digest.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    if "NEW SINCE THE LAST DIGEST" not in text:
        return ""
    return text.split("NEW SINCE THE LAST DIGEST", 1)[1].split("\n\n", 1)[0]


class Digest:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.FaketimePdgate(ms, "digest", digest_send="yes")
        self.ref = {}

    def poll(self, now):
        self.pd.at(now).poll()
        self.ms.settle()

    def digests(self):
        return [m for m in (parse(r) for r in self.ms.imap_fetch_all(TEAM))
                if notice_kind(m) == "team_digest"]

    def setup(self):
        # FOI received Thu 1 Oct 2026 (INTERNALDATE): due long before December: overdue.
        old = london(2026, 10, 1, 10)
        self.ms.add_user("olive@public.test")
        self.ms.append(DISC, "INBOX", mail("olive@public.test", "Freedom of Information request",
                                           "Under the Freedom of Information Act please tell "
                                           "me how many police horses the force has.\n",
                                           date=old), date=old)
        # FOI received Mon 16 Nov: day 20 is Tue 15 Dec (Mon 30 Nov St Andrew's Day).
        nov = london(2026, 11, 16, 10)
        self.ms.add_user("nick@public.test")
        self.ms.append(DISC, "INBOX", mail("nick@public.test", "FOI request",
                                           "Under the Freedom of Information Act please tell "
                                           "me how many speed cameras there are.\n", date=nov),
                       date=nov)
        self.poll("2026-12-03 07:30:00")
        by = {c.get("requester"): c.get("reference") for c in self.pd.cases()}
        self.ref = {"old": by.get("olive@public.test"), "nov": by.get("nick@public.test")}
        check(all(self.ref.values()), "the requests did not open cases", dump(by))

    def before_time(self):
        check(not self.digests(), "a digest was sent before 08:00")

    def first_digest(self):
        self.poll("2026-12-03 09:00:00")
        got = self.digests()
        check(len(got) == 1, "%d digests on Thursday 3 December, expected 1" % len(got),
              self.pd.diag())
        d = got[0]
        self.digest = d
        check("3 December 2026" in hdr(d, "Subject"), "subject %r" % hdr(d, "Subject"))
        text = d.get_body(preferencelist=("plain",)).get_content()
        m = re.search(r"OVERDUE: 1\r?\n- (PD-\d{4}-\d{6})\s+overdue, due \d+ October 2026 "
                      r"\(\d+ working days overdue\)", text)
        check(m and m.group(1) == self.ref["old"], "the old request is not listed overdue",
              text)
        html = d.get_body(preferencelist=("html",)).get_content()
        check(self.ref["old"] in html and "overdue" in html and "#b00020" in html,
              "the HTML table does not show the overdue row", html[:3000])
        check(self.ref["nov"] in html, "the other case is not on the board")

    def restart_same_day(self):
        self.poll("2026-12-03 10:00:00")
        check(len(self.digests()) == 1, "a second digest on the same day")
        # An admin previews the digest and the report as they would be sent.
        out = self.pd.ok("templates", "render", "team_digest").stdout.decode()
        check("Subject: Disclosure digest 3 December 2026" in out and self.ref["old"] in out
              and "Auto-Submitted: auto-generated" in out, "templates render team_digest",
              out[:1500])
        out = self.pd.ok("templates", "render", "team_report").stdout.decode()
        check("1 November 2026 to 30 November 2026" in out, "templates render team_report",
              out[:1500])

    def holidays(self):
        # A request on Christmas Eve (a working day) is new in that day's digest, and the two
        # the first digest listed are not; in the next one nothing is new.
        eve = london(2026, 12, 24, 10)
        self.ms.add_user("eve@public.test")
        self.ms.append(DISC, "INBOX", mail("eve@public.test", "FOI request",
                                           "Under the Freedom of Information Act please tell "
                                           "me how many drones the force owns.\n", date=eve),
                       date=eve)
        self.poll("2026-12-24 10:30:00")
        got = self.digests()
        check(len(got) == 2, "%d digests by Christmas Eve, expected 2" % len(got))
        eve_ref = [c.get("reference") for c in self.pd.cases()
                   if c.get("requester") == "eve@public.test"]
        check(len(eve_ref) == 1, "eve's request opened no case")
        new = new_section(got[-1])
        check(eve_ref[0] in new and self.ref["old"] not in new and self.ref["nov"] not in new,
              "new on Christmas Eve: %r" % new)
        self.poll("2026-12-25 09:00:00")
        self.poll("2026-12-28 09:00:00")
        check(len(self.digests()) == 2, "a digest on Christmas Day or on the Boxing Day "
              "substitute")
        self.poll("2026-12-29 09:00:00")
        got = self.digests()
        check(len(got) == 3, "no digest on Tuesday 29 December")
        check(new_section(got[-1]) == "", "new on 29 December: %r" % new_section(got[-1]))

    def rendered(self):
        check(CHROMIUM, "chromium is not installed (contrib/install-deps.sh installs it)")
        d = self.digest
        html = d.get_body(preferencelist=("html",)).get_content()
        chart = [p for p in d.walk() if p.get_content_type() == "image/png"]
        check(len(chart) == 1 and chart[0]["Content-ID"], "no inline chart part")
        cid = chart[0]["Content-ID"].strip("<>")
        check(("cid:" + cid) in html, "the HTML does not show the chart by its cid")
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "chart.png"), "wb") as f:
                f.write(chart[0].get_payload(decode=True))
            page = os.path.join(tmp, "digest.html")
            with open(page, "w") as f:
                f.write(html.replace("cid:" + cid, "chart.png"))
            shot = os.path.join(tmp, "shot.png")
            r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                                "--disable-quic", "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update", "--disable-sync",
                                "--user-data-dir=" + os.path.join(tmp, "profile"),
                                "--window-size=1280,1400", "--screenshot=" + shot,
                                "file://" + page], capture_output=True, timeout=120)
            check(os.path.exists(shot), "chromium wrote no screenshot",
                  r.stderr.decode("utf-8", "replace")[-2000:])
            if os.environ.get("PDGATE_DIGEST_SCREENSHOT"):   # the README's picture
                shutil.copyfile(shot, os.environ["PDGATE_DIGEST_SCREENSHOT"])
            with open(shot, "rb") as f:
                width, height, rows = png_pixels(f.read())
        blue_rows = [y for y, row in enumerate(rows) if any(near(p, BLUE) for p in row)]
        check(blue_rows, "the chart's bars are not on the rendered page")
        table_end = blue_rows[0]
        red = sum(1 for row in rows[:table_end] for p in row if near(p, RED))
        check(red > 400, "the overdue row shows %d red pixels above the chart" % red)

    def reply_to_digest(self):
        d = self.digest
        raw = mail(OFFICER, "Re: " + hdr(d, "Subject"),
                   "#case %s\n#note chased via the digest\n" % self.ref["old"],
                   in_reply_to=hdr(d, "Message-ID"), auth=AUTH)
        self.ms.append(DISC, "INBOX", raw)
        self.poll("2026-12-29 10:00:00")
        notes = [e.get("detail") or "" for e in self.pd.case(self.ref["old"]).get("events", [])
                 if e.get("action") == "note"]
        check(any("chased via the digest" in n for n in notes), "the note was not added",
              self.pd.diag())

    def statutory_report(self):
        self.pd.at("2026-12-29 11:00:00")
        r = self.pd.ok("report", "--from", "2026-10-01", "--to", "2026-12-31", "--json")
        rep = json.loads(r.stdout.decode())
        rows = [x for x in rep.get("rows", []) if x.get("kind") == "foi"]
        check(len(rows) == 1, "one FOI row expected", dump(rep))
        row = rows[0]
        # Three FOI requests received (1 Oct, 16 Nov, 24 Dec), none completed, all open at
        # the end; the first was due in October and the second on Tue 15 Dec: overdue at
        # 31 Dec; the third is due in late January: not.
        keys = ("received", "completed", "open_at_end", "overdue_at_end")
        got = {k: row.get(k) for k in keys}
        check(got == {"received": 3, "completed": 0, "open_at_end": 3, "overdue_at_end": 2},
              "FOI row %r" % got, dump(row))
        text = self.pd.ok("report", "--from", "2026-10-01", "--to", "2026-12-31",
                          "--csv").stdout.decode()
        check(text.splitlines()[0].startswith("kind,"), "CSV has no header", text[:500])
        foi = [r for r in csv.DictReader(io.StringIO(text)) if r.get("kind") == "foi"]
        check(len(foi) == 1 and {k: int(foi[0][k]) for k in keys} == got,
              "the CSV's FOI row differs from the JSON's", text)
        with tempfile.TemporaryDirectory() as tmp:
            png = os.path.join(tmp, "r.png")
            self.pd.ok("report", "--from", "2026-10-01", "--to", "2026-12-31", "--png", png)
            with open(png, "rb") as f:
                w, h, _ = png_pixels(f.read())
            check(w > 100 and h > 100, "the report chart is %dx%d" % (w, h))


TESTS = [
    ("setup_two_foi_requests_one_from_october", "setup"),
    ("no_digest_before_0800", "before_time"),
    ("digest_at_0900_lists_the_old_request_overdue", "first_digest"),
    ("no_second_digest_after_a_restart", "restart_same_day"),
    ("no_digest_on_bank_holidays_one_on_29_december", "holidays"),
    ("html_digest_rendered_by_chromium_red_row_and_chart", "rendered"),
    ("reply_to_digest_with_case_line_acts_on_that_case", "reply_to_digest"),
    ("statutory_report_figures_csv_json_png", "statutory_report"),
]


if __name__ == "__main__":
    pdtest.main("digest", Digest, TESTS)
