#!/usr/bin/env python3
"""Classification accuracy over the labelled corpus (tests/corpus/*/labels.tsv).

Runs `pdgate classify --json` over every message, compares with labels.tsv, prints the
confusion table per kind and every mismatch, and fails when exact-match accuracy on `kinds`
over the whole corpus is below 95% or accuracy on `auto` below 100%. The holdout set was
written separately and never used to tune the rules; both figures are printed.
Needs no mail server. Prints PASS/FAIL lines, then "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PDGATE = os.environ.get("PDGATE_BIN") or os.path.join(ROOT, "build", "pdgate")
CORPUS = os.path.join(ROOT, "tests", "corpus")
# Every folder of tests/corpus with a labels.tsv; "holdout" was never used to tune the rules.
SETS = tuple(sorted((d for d in os.listdir(CORPUS)
                     if os.path.isfile(os.path.join(CORPUS, d, "labels.tsv"))),
                    key=lambda d: (d == "holdout", d)))
KINDS = ("access", "rectification", "erasure", "restriction", "portability", "objection",
         "automated_decision", "foi", "eir", "complaint", "other")
INDICATORS = ("identity_attached", "on_behalf", "child", "regime_hint", "vague")
KINDS_MIN, AUTO_MIN = 0.95, 1.0

results = []


def report(name, ok, detail):
    results.append(ok)
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)


def load_labels(folder):
    rows = {}
    with open(os.path.join(folder, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if not line.strip():
                continue
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            rows[os.path.join(folder, row["file"])] = row
    return rows


def classify(files):
    with tempfile.TemporaryDirectory() as tmp:
        conf = harness.minimal_config(os.path.join(tmp, "pdgate.conf"), rules=harness.RULES)
        r = subprocess.run([PDGATE, "-c", conf, "classify", "--json"] + files,
                           capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("pdgate classify failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    return {o["file"]: o for o in json.loads(r.stdout)}


def norm(row, key):
    v = row[key]
    if key in ("auto", "identity_attached", "child", "vague"):
        return v in (True, "1", 1)
    return v


def confusion(pairs):
    """Per kind: true positives, false positives, false negatives over a list of
    (expected set, predicted set); then each expected -> predicted confusion with its count."""
    print("  %-20s %5s %5s %5s" % ("kind", "tp", "fp", "fn"))
    for k in KINDS:
        tp = sum(1 for e, p in pairs if k in e and k in p)
        fp = sum(1 for e, p in pairs if k not in e and k in p)
        fn = sum(1 for e, p in pairs if k in e and k not in p)
        if tp or fp or fn:
            print("  %-20s %5d %5d %5d" % (k, tp, fp, fn))
    confused = {}
    for e, p in pairs:
        if e != p:
            key = (",".join(sorted(e)), ",".join(sorted(p)))
            confused[key] = confused.get(key, 0) + 1
    for (e, p), n in sorted(confused.items(), key=lambda x: (-x[1], x[0])):
        print("  confused: %-30s -> %-30s %d" % (e, p, n))


def evaluate(name, labels, got):
    pairs, kinds_ok, auto_ok, mism = [], 0, 0, []
    ind_ok = {k: 0 for k in INDICATORS}
    for path, row in sorted(labels.items()):
        o = got[path]
        exp = set(row["kinds"].split(","))
        pred = set(o["kinds"])
        pairs.append((exp, pred))
        if exp == pred:
            kinds_ok += 1
        else:
            mism.append("  %s: expected %s, got %s (rules: %s)" % (
                os.path.relpath(path, CORPUS), ",".join(sorted(exp)), ",".join(sorted(pred)),
                " ".join(h["name"] for h in o["rules"])))
        if norm(row, "auto") == bool(o["auto"]):
            auto_ok += 1
        else:
            mism.append("  %s: auto expected %s, got %s" % (
                os.path.relpath(path, CORPUS), row["auto"], o["auto"]))
        for k in INDICATORS:
            if norm(row, k) == (o[k] if not isinstance(o[k], bool) else o[k]):
                ind_ok[k] += 1
    n = len(labels)
    print("== %s: %d messages" % (name, n))
    confusion(pairs)
    print("  indicators: " + ", ".join("%s %.0f%%" % (k, 100.0 * v / n)
                                       for k, v in ind_ok.items()))
    for m in mism:
        print(m)
    return n, kinds_ok, auto_ok


def main():
    if not os.access(PDGATE, os.X_OK):
        raise SystemExit("%s missing: run make" % PDGATE)
    labels = {s: load_labels(os.path.join(CORPUS, s)) for s in SETS}
    files = [p for s in SETS for p in sorted(labels[s])]
    got = classify(files)
    totals = [0, 0, 0]
    figures = []
    for s in SETS:
        n, k, a = evaluate(s, labels[s], got)
        totals = [totals[0] + n, totals[1] + k, totals[2] + a]
        figures.append("%s %d/%d kinds (%.1f%%), auto %d/%d" % (s, k, n, 100.0 * k / n, a, n))
    n, k, a = totals
    print("figures: " + "; ".join(figures))
    report("classify_kinds_accuracy", k / n >= KINDS_MIN,
           "%d/%d = %.1f%% exact match on kinds (need %.0f%%)" % (k, n, 100.0 * k / n,
                                                                   100 * KINDS_MIN))
    report("classify_auto_accuracy", a / n >= AUTO_MIN,
           "%d/%d = %.1f%% on auto (need 100%%)" % (a, n, 100.0 * a / n))
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
