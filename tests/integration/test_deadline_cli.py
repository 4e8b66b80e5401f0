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
CASES = [
    (["--kind", "access", "--regime", "general", "--received", "2025-01-31"],
     "2025-02-28", "2025-02-28", None),
    (["--kind", "access", "--regime", "general", "--received", "2025-01-31", "--extended"],
     "2025-02-28", "2025-02-28", "2025-04-30"),
    (["--kind", "access", "--regime", "general", "--received", "2025-04-25"],
     "2025-05-27", "2025-05-27", None),
    (["--kind", "access", "--regime", "law_enforcement", "--received", "2026-03-03",
      "--stopped", "2026-03-05:2026-03-12"], "2026-04-13", "2026-04-13", None),
    (["--kind", "foi", "--regime", "general", "--received", "2024-12-20"],
     "2025-01-23", "2025-01-23", None),
    (["--kind", "eir", "--regime", "general", "--received", "2024-12-20", "--extended"],
     "2025-01-23", "2025-01-23", "2025-02-20"),
    # Part 3 before 5 February 2026: no extension existed.
    (["--kind", "access", "--regime", "law_enforcement", "--received", "2026-01-10"],
     "2026-02-10", None, None),
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
        f.write(text + "access\tgeneral\t2030-01-01\t-\t1x\tnone\tno\tbad unit\n")
    conf = harness.minimal_config(os.path.join(tmp, "broken.conf"), deadlines=broken,
                                  templates=os.path.join(ROOT, "templates"),
                                  rules=os.path.join(ROOT, "rules", "pdgate.rules"))
    r = subprocess.run([PDGATE, "-c", conf, "check-config"], capture_output=True, text=True)
    line = len(text.splitlines()) + 1
    report("check-config refuses a broken deadline table",
           r.returncode == 78 and ("broken.tsv:%d:" % line) in r.stderr, r.stderr.strip())
    r = subprocess.run([PDGATE, "-c", conf] + args, capture_output=True, text=True)
    report("deadline refuses a broken table", r.returncode == 78, r.stderr.strip())


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
