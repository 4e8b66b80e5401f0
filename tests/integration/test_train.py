#!/usr/bin/env python3
"""The learning loop (issue 14), end to end against a real Dovecot and OpenSMTPD.

  before        "the Ringmaster quiffles" is local jargon nobody in the corpus used (here: a
                messaging scheme people object to): the shipped model does not read it as
                an objection
  corrected     four such requests arrive and are polled into cases; the team corrects each
                with `set-kinds objection`
  train         `pdgate train` learns from the shipped corpus plus those four cases: it says
                so, writes [store] model, records the model (and on each case an event that
                it trained it); the sealed held-out sets are not read
  next          the next similar message is classified objection by `pdgate classify` and,
                polled, opens an objection case
  reload        a running poller takes up a newly trained model on SIGHUP, and keeps the one
                in force when the new file is broken
  rollback      `pdgate train --rollback` restores the previous model (then the shipped one):
                the message is "other" again; a rollback with nothing to roll back is refused
  privacy       the trained model holds no word: no requester's address or name appears in
                the file, and a word only two requests used never counts

Prints "PASS name" or "FAIL name: reason" per test, then "N passed, N failed".
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pdtest  # noqa: E402
from pdtest import check, dump  # noqa: E402

DISC = pdtest.DISC
WRITERS = ("ringa@public.test", "ringb@public.test", "ringc@public.test", "ringd@public.test")
NEXT = "ringe@public.test"
LATER = "ringf@public.test"
BODIES = (
    "Ringmaster quiffles. The Ringmaster quiffles, all of them, Ringmaster. "
    "Private word: quorblax.",
    "About Ringmaster: the quiffles on Ringmaster, every one. Private word: quorblax.",
    "Ringmaster again, the quiffles, Ringmaster quiffles.",
    "Ringmaster quiffles, Ringmaster, all the quiffles.",
)
PROBE = "The Ringmaster quiffles, Ringmaster, quiffles please."


class Train:
    def __init__(self, ms):
        self.ms = ms
        self.pd = pdtest.Pdgate(ms, "train", gateway_max_auto_notices_per_day=100)
        self.model = os.path.join(self.pd.state, "trained.model")
        self.probe = os.path.join(self.pd.state, "probe.eml")
        with open(self.probe, "wb") as f:
            f.write(pdtest.mail("someone@public.test", "Ringmaster", PROBE))
        for u in WRITERS + (NEXT, LATER):
            ms.add_user(u)

    def classify_probe(self):
        r = self.pd.ok("classify", "--json", self.probe)
        return json.loads(r.stdout.decode())[0]

    def before(self):
        o = self.classify_probe()
        check("objection" not in o["kinds"], "the shipped model already knows it", dump(o))
        check(o["model"] and o["model"] == self.shipped_version(), "not the shipped model",
              dump(o))

    def shipped_version(self):
        with open(harness.MODEL) as f:
            return [l.split(" ", 1)[1].strip() for l in f if l.startswith("version ")][0]

    def corrected(self):
        for user, body in zip(WRITERS, BODIES):
            self.ms.deliver(user, DISC, pdtest.mail(user, "Ringmaster", body))
        self.pd.poll()
        cases = self.pd.cases()
        check(len(cases) == len(WRITERS), "%d cases, want %d" % (len(cases), len(WRITERS)),
              dump(cases))
        self.refs = [c["reference"] for c in cases]
        check(all("objection" not in c["kinds"] for c in cases), "the shipped model already "
              "reads these as objection: choose words it does not know", dump(cases))
        for ref in self.refs:
            self.pd.action(ref, "set-kinds", "objection")

    def train(self):
        r = self.pd.ok("train")
        out = r.stdout.decode()
        check("4 cases" in out and os.path.isfile(self.model), "train did not learn from the "
              "four cases", out + self.pd.diag())
        check(" 0 cases" not in out and "corpus" in out, "train output", out)
        with open(self.model) as f:
            self.version = [l.split(" ", 1)[1].strip() for l in f if l.startswith("version ")][0]
        check(self.version in out, "the version is not printed", out)
        for ref in self.refs:
            ev = [e for e in self.pd.case(ref)["events"] if e["action"] == "model_trained"]
            check(len(ev) == 1 and self.version in (ev[0]["detail"] or ""),
                  "%s: no model_trained event naming the model" % ref,
                  dump(self.pd.case(ref)["events"]))
        # The sealed held-out sets are never learnt from: train counts exactly the
        # person-written messages of the other labelled folders.
        learnable, sealed = 0, 0
        for d in os.listdir(harness.CORPUS):
            labels = os.path.join(harness.CORPUS, d, "labels.tsv")
            if not os.path.isfile(labels):
                continue
            with open(labels, encoding="utf-8") as f:
                rows = [l.split("\t") for l in f.read().splitlines()[1:] if l.strip()]
            if os.path.isfile(os.path.join(harness.CORPUS, d, "SHA256SUMS")):
                sealed += len(rows)
            else:
                learnable += sum(1 for r in rows if r[2] != "1")
        check(sealed > 0, "no sealed set in the corpus")
        check("corpus %d messages" % learnable in out,
              "train did not read exactly the %d unsealed person-written messages" % learnable,
              out)
        r = self.pd.ok("train", "--evaluate")
        check("cross-validation" in r.stdout.decode(), "train --evaluate", r.stdout.decode())

    def next_message(self):
        o = self.classify_probe()
        check(o["kinds"] == ["objection"], "the corrections were not learnt", dump(o))
        check(o["model"] == self.version, "classify does not use the trained model", dump(o))
        why = [w["feature"] for w in o["why"]]
        check(any("ringmaster" in f for f in why), "ringmaster does not weigh", dump(o["why"]))
        self.ms.deliver(NEXT, DISC, pdtest.mail(NEXT, "Ringmaster", PROBE))
        self.pd.poll()
        case = [c for c in self.pd.cases() if c["requester"] == NEXT]
        check(len(case) == 1 and case[0]["kinds"] == "objection", "the poller did not use it",
              dump(case))

    def reload(self):
        log_path = os.path.join(self.pd.state, "daemon.log")
        log = open(log_path, "wb")
        p = subprocess.Popen(self.pd.argv("poll"), stdin=subprocess.DEVNULL, stdout=log,
                             stderr=log)
        try:
            time.sleep(1.5)
            self.pd.ok("train")  # the same cases: a new version of the same model
            with open(self.model) as f:
                newer = [l.split(" ", 1)[1].strip() for l in f if l.startswith("version ")][0]
            p.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            with open(self.model) as f:
                good = f.read()
            with open(self.model, "a") as f:
                f.write("garbage\n")
            p.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            check(p.poll() is None, "the poller died on a broken model")
            with open(self.model, "w") as f:
                f.write(good)
            self.ms.deliver(LATER, DISC, pdtest.mail(LATER, "Ringmaster", PROBE))
            self.ms.wait_for_mail(LATER, "INBOX", 1, timeout=20)
        finally:
            pdtest.stop_daemon(p, log)
        with open(log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        check(("model %s" % newer) in text, "the reload did not load the new model", text[-3000:])
        check("reload refused" in text and "not a valid model" in text,
              "the broken model was not refused", text[-3000:])
        case = [c for c in self.pd.cases() if c["requester"] == LATER]
        check(len(case) == 1 and case[0]["kinds"] == "objection",
              "the model in force was not kept", dump(case))
        self.pd.ok("train")  # the model in force now has a previous one to roll back to

    def rollback(self):
        r = self.pd.ok("train", "--rollback")
        check("rolled back" in r.stdout.decode(), "rollback output", r.stdout.decode())
        # Rolled back to the previous trained model: it knew the corrections too.
        check(self.classify_probe()["kinds"] == ["objection"], "previous trained model")
        while os.path.exists(self.model):
            r = self.pd.run("train", "--rollback")
            check(r.returncode == 0, "rollback failed", self.pd.diag())
        o = self.classify_probe()
        check("objection" not in o["kinds"] and o["model"] == self.shipped_version(),
              "not back to the shipped model", dump(o))
        r = self.pd.run("train", "--rollback")
        check(r.returncode == 65 and b"no trained model" in r.stderr,
              "rollback with nothing to roll back: exit %s" % r.returncode, self.pd.diag())

    def privacy(self):
        self.pd.ok("train")
        with open(self.model, encoding="utf-8") as f:
            text = f.read().lower()
        for word in WRITERS + ("ringmaster", "quorblax", "public.test"):
            check(word not in text, "%r is in the model file" % word)
        # "quorblax" was in two requests: below the three a feature needs.
        with open(self.probe, "wb") as f:
            f.write(pdtest.mail("someone@public.test", "Ringmaster", PROBE + " quorblax"))
        why = [w["feature"] for w in self.classify_probe()["why"]]
        check(not any("quorblax" in w for w in why), "a word two requests used counts", why)


TESTS = [
    ("before_shipped_model_reads_it_as_other", "before"),
    ("corrected_four_cases_set_kinds_objection", "corrected"),
    ("train_learns_from_corpus_and_cases_records_it", "train"),
    ("next_similar_message_is_objection", "next_message"),
    ("reload_on_sighup_broken_model_refused", "reload"),
    ("rollback_previous_then_shipped_then_refused", "rollback"),
    ("privacy_no_words_in_model_rare_words_never_count", "privacy"),
]

if __name__ == "__main__":
    pdtest.main("train", Train, TESTS)
