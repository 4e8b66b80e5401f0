#!/usr/bin/env python3
"""`pdgate deadline` from the command line, as admins and scripts use it: the worked
examples of domain-rules 3.4 through the shipped table, JSON keys, and argument errors.
Needs no mail server. Prints PASS/FAIL lines, then "N passed, N failed"."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PDGATE = os.environ.get("PDGATE_BIN") or os.path.join(ROOT, "build", "pdgate")

# (arguments, expected deadline, expected extension_notice_by, expected extended_deadline)
# The extension notice is due by the end of the first period before any move to a working
# day (domain-rules 3: a deadline moved from Saturday to Monday still needs it by Saturday).
CASES = [
    (["--kind", "access", "--regime", "general", "--received", "2025-01-31"],
     "2025-02-28", "2025-02-28", None),
    (["--kind", "access", "--regime", "general", "--received", "2025-01-31", "--extended"],
     "2025-02-28", "2025-02-28", "2025-04-30"),
    # Sun 25 May, then the spring bank holiday: due Tue 27 May, notice by Sun 25 May.
    (["--kind", "access", "--regime", "general", "--received", "2025-04-25"],
     "2025-05-27", "2025-05-25", None),
    (["--kind", "access", "--regime", "law_enforcement", "--received", "2026-03-03",
      "--stopped", "2026-03-05:2026-03-12"], "2026-04-13", "2026-04-11", None),
    (["--kind", "foi", "--regime", "general", "--received", "2024-12-20"],
     "2025-01-23", "2025-01-23", None),
    (["--kind", "eir", "--regime", "general", "--received", "2024-12-20", "--extended"],
     "2025-01-23", "2025-01-23", "2025-02-20"),
    # Part 3 before 5 February 2026: no extension existed.
    (["--kind", "access", "--regime", "law_enforcement", "--received", "2026-01-10"],
     "2026-02-10", None, None),
    # ...and a request of 4 February with identity on 10 February stays under that rule.
    (["--kind", "access", "--regime", "law_enforcement", "--received", "2026-02-04",
      "--valid-from", "2026-02-10"], "2026-03-10", None, None),
    # The clarification stop is for access only: given for erasure it is ignored.
    (["--kind", "erasure", "--regime", "general", "--received", "2025-06-02",
      "--stopped", "2025-06-05:2025-06-06"], "2025-07-02", "2025-07-02", None),
    # Automated decisions under UK GDPR: +2 months like the other rights.
    (["--kind", "automated_decision", "--regime", "general", "--received", "2025-06-10",
      "--extended"], "2025-07-10", "2025-07-10", "2025-09-10"),
    # Complaints by type: an FOI internal review's target (40 working days at most)...
    (["--kind", "complaint", "--complaint-type", "foi_review", "--regime", "general",
      "--received", "2026-06-01", "--extended"], "2026-06-29", "2026-06-29", "2026-07-28"),
    # ...an EIR reconsideration (statute, 40 working days)...
    (["--kind", "complaint", "--complaint-type", "eir_reconsideration", "--regime", "general",
      "--received", "2026-06-01"], "2026-07-28", None, None),
]

# Complaint acknowledgements (DPA 2018 s164A from 19 June 2026): (received, acknowledge_by,
# basis of the deadline).
ACKS = [
    ("2026-06-18", None, "internal"),
    ("2026-06-19", "2026-07-18", "internal"),
]

results = []


def report(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                       (": " + detail) if detail and not ok else ""), flush=True)


def check_holidays_and_table(tmp):
    """A bank holiday proclaimed in the config moves a deadline; a broken table is refused by
    check-config with file:line, and by deadline with exit 78."""
    table = os.path.join(ROOT, "rules", "deadlines.tsv")
    args = ["deadline", "--json", "--kind", "access", "--regime", "general",
            "--received", "2026-03-13"]   # 13 Apr 2026, a Monday
    conf = harness.minimal_config(os.path.join(tmp, "holiday.conf"), deadlines=table)
    with open(conf, "a") as f:
        f.write("[holidays]\nadd_england_wales = 2026-04-13\n")
    r = subprocess.run([PDGATE, "-c", conf] + args, capture_output=True, text=True)
    got = json.loads(r.stdout)["deadline"] if r.returncode == 0 else r.stderr.strip()
    report("deadline config holiday moves the day", got == "2026-04-14", got)
    broken = os.path.join(tmp, "broken.tsv")
    with open(table) as f:
        text = f.read()
    with open(broken, "w") as f:
        f.write(text + "access\tgeneral\t2030-01-01\t-\t1x\tnone\tno\tstatutory\tnone\t"
                "bad unit\n")
    conf = harness.minimal_config(os.path.join(tmp, "broken.conf"), deadlines=broken,
                                  templates=os.path.join(ROOT, "templates"),
                                  rules=os.path.join(ROOT, "rules", "pdgate.rules"))
    r = subprocess.run([PDGATE, "-c", conf, "check-config"], capture_output=True, text=True)
    line = len(text.splitlines()) + 1
    report("check-config refuses a broken deadline table",
           r.returncode == 78 and ("broken.tsv:%d:" % line) in r.stderr, r.stderr.strip())
    r = subprocess.run([PDGATE, "-c", conf] + args, capture_output=True, text=True)
    report("deadline refuses a broken table", r.returncode == 78, r.stderr.strip())
    # An old config that still names the court route: a warning, and it is ignored.
    conf = harness.minimal_config(os.path.join(tmp, "old.conf"), deadlines=table,
                                  templates=os.path.join(ROOT, "templates"),
                                  rules=os.path.join(ROOT, "rules", "pdgate.rules"))
    with open(conf, "a") as f:
        f.write("[gateway]\ncourt_section_access = 165\n")
    r = subprocess.run([PDGATE, "-c", conf, "check-config"], capture_output=True, text=True)
    report("check-config warns about court_section_access and accepts the file",
           r.returncode == 0 and "court_section_access: no longer used" in r.stderr and
           "s167" in r.stderr, "exit %d: %s" % (r.returncode, r.stderr.strip()))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        conf = harness.minimal_config(os.path.join(tmp, "pdgate.conf"),
                                      deadlines=os.path.join(ROOT, "rules", "deadlines.tsv"))
        for args, want, notice, ext in CASES:
            r = subprocess.run([PDGATE, "-c", conf, "deadline", "--json"] + args,
                               capture_output=True, text=True)
            name = "deadline " + " ".join(args[1::2][:3])
            if r.returncode != 0:
                report(name, False, "exit %d: %s" % (r.returncode, r.stderr.strip()))
                continue
            o = json.loads(r.stdout)
            got = (o["deadline"], o["extension_notice_by"], o["extended_deadline"])
            report(name, got == (want, notice, ext) and o["rule"],
                   "got %r, want %r" % (got, (want, notice, ext)))
        for received, ack, basis in ACKS:
            r = subprocess.run([PDGATE, "-c", conf, "deadline", "--json", "--kind", "complaint",
                                "--regime", "general", "--received", received],
                               capture_output=True, text=True)
            o = json.loads(r.stdout) if r.returncode == 0 else {}
            report("deadline complaint received %s" % received,
                   o.get("acknowledge_by", "x") == ack and o.get("basis") == basis,
                   "%s %s" % (r.stdout.strip(), r.stderr.strip()))
        r = subprocess.run([PDGATE, "-c", conf, "deadline", "--kind", "erasure", "--regime",
                            "general", "--received", "2025-06-02", "--stopped",
                            "2025-06-05:2025-06-06"], capture_output=True, text=True)
        report("deadline says stops were ignored", r.returncode == 0 and
               "stops ignored" in r.stdout and "access requests only" in r.stdout, r.stdout)
        r = subprocess.run([PDGATE, "-c", conf, "deadline", "--kind", "complaint",
                            "--complaint-type", "appeal", "--regime", "general", "--received",
                            "2026-06-01"], capture_output=True, text=True)
        report("deadline unknown complaint type refused", r.returncode == 64, r.stderr.strip())
        r = subprocess.run([PDGATE, "-c", conf, "deadline", "--kind", "access"],
                           capture_output=True, text=True)
        report("deadline missing arguments refused", r.returncode == 64 and "required" in r.stderr,
               r.stderr.strip())
        r = subprocess.run([PDGATE, "-c", conf, "deadline", "--kind", "access", "--regime",
                            "general", "--received", "2026-02-30"], capture_output=True, text=True)
        report("deadline invalid date refused", r.returncode == 64, r.stderr.strip())
        check_holidays_and_table(tmp)
    passed = sum(1 for x in results if x)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
