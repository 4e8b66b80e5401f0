#!/usr/bin/env python3
"""Classification accuracy over the labelled corpus (tests/corpus/*/labels.tsv).

Two kinds of folder (tests/corpus/LABELLING.md):
- training sets: the rules were tuned and the shipped model trained on them; their figures are
  in-sample and only printed (auto must still be right on every one);
- sealed held-out sets (a SHA256SUMS file): written by other authors and sealed before any
  tuning; never tuned or trained on. Their figures are the accuracy reported, each set
  separately, and the test fails when, on either, exact kinds are below 92%, auto below
  100%, identity_attached or on_behalf below 95%. Their checksums must still match: a
  sealed set that was edited is no longer held out.

Each set is classified with the shipped model (build/pdgate.model) and, for comparison,
with the rules alone; the confusion table and every mismatch are printed.
Needs no mail server. Prints PASS/FAIL lines, then "N passed, N failed".
"""
import hashlib
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
SEAL = "SHA256SUMS"
KINDS = ("access", "rectification", "erasure", "restriction", "portability", "objection",
         "automated_decision", "foi", "eir", "complaint", "other")
INDICATORS = ("identity_attached", "on_behalf", "child", "regime_hint", "vague")
# The gates on each sealed set (issue 14; the goal for kinds is 95%).
SEALED_MIN = {"kinds": 0.92, "auto": 1.0, "identity_attached": 0.95, "on_behalf": 0.95}

results = []


def report(name, ok, detail):
    results.append(ok)
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)


def is_sealed(folder):
    return os.path.isfile(os.path.join(CORPUS, folder, SEAL))


def all_sets():
    sets = [d for d in os.listdir(CORPUS) if os.path.isfile(os.path.join(CORPUS, d, "labels.tsv"))]
    return sorted(sets, key=lambda d: (is_sealed(d), d))


def seal_intact(folder):
    """Every file the seal lists has its hash, and every .eml of the folder is listed."""
    listed = {}
    with open(os.path.join(CORPUS, folder, SEAL), encoding="utf-8") as f:
        for line in f:
            digest, name = line.split(None, 1)
            listed[name.strip().lstrip("*")] = digest
    for name, digest in listed.items():
        with open(os.path.join(CORPUS, folder, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                return "%s changed" % name
    emls = {n for n in os.listdir(os.path.join(CORPUS, folder)) if n.endswith(".eml")}
    extra = sorted(emls - set(listed))
    return "not sealed: %s" % ", ".join(extra) if extra else None


def load_labels(folder):
    rows = {}
    with open(os.path.join(CORPUS, folder, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.strip():
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                rows[os.path.join(CORPUS, folder, row["file"])] = row
    return rows


def classify(files, model):
    with tempfile.TemporaryDirectory() as tmp:
        keys = {"rules": harness.RULES}
        if model:
            keys["model"] = harness.MODEL
        conf = harness.minimal_config(os.path.join(tmp, "pdgate.conf"), **keys)
        r = subprocess.run([PDGATE, "-c", conf, "classify", "--json"] + files,
                           capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("pdgate classify failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    return {o["file"]: o for o in json.loads(r.stdout)}


def norm(value):
    return {"1": True, "0": False, True: True, False: False}.get(value, value)


def confusion(pairs):
    """Per kind: true positives, false positives, false negatives over (expected, predicted)
    pairs; then each expected -> predicted confusion with its count."""
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


def score(labels, got):
    """Shares right: kinds (exact set), auto, each indicator; the pairs and mismatches."""
    right = {k: 0 for k in ("kinds", "auto") + INDICATORS}
    pairs, mism = [], []
    for path, row in sorted(labels.items()):
        o = got[path]
        exp, pred = set(row["kinds"].split(",")), set(o["kinds"])
        pairs.append((exp, pred))
        right["kinds"] += exp == pred
        if exp != pred:
            mism.append("  %s: expected %s, got %s %s" % (
                os.path.relpath(path, CORPUS), ",".join(sorted(exp)), ",".join(sorted(pred)),
                json.dumps({k: v for k, v in o.get("probabilities", {}).items() if v >= 0.1})))
        for k in ("auto",) + INDICATORS:
            ok = norm(row[k]) == norm(o[k])
            right[k] += ok
            if not ok and k in SEALED_MIN:
                mism.append("  %s: %s expected %s, got %s" % (
                    os.path.relpath(path, CORPUS), k, row[k], o[k]))
    n = len(labels)
    return {k: v / n for k, v in right.items()}, pairs, mism


def main():
    if not os.access(PDGATE, os.X_OK) or not os.path.isfile(harness.MODEL):
        raise SystemExit("%s or %s missing: run make" % (PDGATE, harness.MODEL))
    sets = all_sets()
    labels = {s: load_labels(s) for s in sets}
    files = [p for s in sets for p in sorted(labels[s])]
    with_model, rules_only = classify(files, True), classify(files, False)
    figures = []
    for s in sets:
        share, pairs, mism = score(labels[s], with_model)
        rshare, _, _ = score(labels[s], rules_only)
        n = len(labels[s])
        role = "sealed held-out" if is_sealed(s) else "training (in-sample)"
        print("== %s: %d messages, %s" % (s, n, role))
        confusion(pairs)
        print("  indicators: " + ", ".join("%s %.1f%%" % (k, 100 * share[k]) for k in INDICATORS))
        for m in mism:
            print(m)
        figures.append("%s (%d, %s): kinds %.1f%% (rules alone %.1f%%), auto %.1f%%, "
                       "identity_attached %.1f%%, on_behalf %.1f%%" % (
                           s, n, "sealed" if is_sealed(s) else "training",
                           100 * share["kinds"], 100 * rshare["kinds"], 100 * share["auto"],
                           100 * share["identity_attached"], 100 * share["on_behalf"]))
        if not is_sealed(s):
            report("%s_auto" % s, share["auto"] == 1.0, "%.1f%% on auto (need 100%%)"
                   % (100 * share["auto"]))
            continue
        broken = seal_intact(s)
        report("%s_seal_intact" % s, broken is None, broken or "every file as sealed")
        for k, need in SEALED_MIN.items():
            report("%s_%s" % (s, k), share[k] >= need, "%.1f%% (need %.0f%%)"
                   % (100 * share[k], 100 * need))
    print("figures:")
    for f in figures:
        print("  " + f)
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
