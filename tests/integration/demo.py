#!/usr/bin/env python3
"""pdgate demo (contrib/demo.sh): start throwaway Dovecot + OpenSMTPD, deliver
contrib/samples/*.eml by SMTP to the disclosure mailbox, run `pdgate poll --once`, show the
cases and the acknowledgements each requester received, print the team's digest, stop the
servers.  Leaves nothing running and nothing behind (PDGATE_KEEP_TMP=1 keeps the temp dir;
PDGATE_DEMO_DIGEST_HTML=FILE also writes the HTML digest there)."""

import email.utils
import glob
import os
import json
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import MailServers, PDGATE, REPO_ROOT, parse  # noqa: E402

DISC = "disclosure@pdgate.test"


def body_text(msg):
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except Exception:
        return part.get_payload(decode=True).decode("utf-8", "replace")


def main():
    harness.require_root()
    if not os.access(PDGATE, os.X_OK):
        print("demo: %s is missing: run `make` first" % PDGATE, file=sys.stderr)
        return 1
    samples = sorted(glob.glob(os.path.join(REPO_ROOT, "contrib", "samples", "*.eml")))
    if not samples:
        print("demo: no contrib/samples/*.eml", file=sys.stderr)
        return 1
    with MailServers() as ms:
        print("Mail servers up: SMTP 127.0.0.1:%d, IMAP 127.0.0.1:%d" % (ms.smtp_port,
                                                                       ms.imap_port))
        senders = []
        auto = set()
        for path in samples:
            raw = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            msg = parse(raw)
            addr = email.utils.parseaddr(str(msg["From"]))[1].lower()
            ms.deliver(addr, DISC, raw)
            ms.wait_for_mail(DISC, "INBOX", len(senders) + 1)     # keep the samples' order
            senders.append(addr)
            if msg["Auto-Submitted"] and str(msg["Auto-Submitted"]).lower() != "no":
                auto.add(addr)
            print("  delivered %-32s from %s" % (os.path.basename(path), addr))
        ms.wait_for_mail(DISC, "INBOX", len(samples))
        conf = ms.write_config(os.path.join(ms.tmp, "pdgate", "pdgate.conf"))
        print("\n$ pdgate -c %s poll --once" % conf, flush=True)
        r = subprocess.run([PDGATE, "-c", conf, "poll", "--once"], stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            print("demo: pdgate poll exited %d" % r.returncode, file=sys.stderr)
        ms.settle()
        print("\n$ pdgate cases", flush=True)
        subprocess.run([PDGATE, "-c", conf, "cases"], stdin=subprocess.DEVNULL)
        # The team acts as it would on the first morning: the first requester's identity is
        # known, so it is verified; the regime is set; the FOI case needs a question.
        out = subprocess.run([PDGATE, "-c", conf, "cases", "--json"], capture_output=True,
                             text=True, stdin=subprocess.DEVNULL).stdout
        refs = sorted(c["reference"] for c in json.loads(out or "[]"))
        first, second = (refs + ["?", "?"])[:2]
        for words in ([first, "verify-identity"],
                      [first, "set-regime", "law_enforcement"],
                      [second, "clarify", "--question",
                       "Do you mean thefts of bicycles only, or of parts too?"]):
            print("\n$ pdgate case %s" % " ".join(words), flush=True)
            subprocess.run([PDGATE, "-c", conf, "case"] + words, stdin=subprocess.DEVNULL)
        print("\n$ pdgate cases", flush=True)
        subprocess.run([PDGATE, "-c", conf, "cases"], stdin=subprocess.DEVNULL)
        print("\n$ pdgate poll --once    (sends the date the clock started and the question)",
              flush=True)
        subprocess.run([PDGATE, "-c", conf, "poll", "--once"], stdin=subprocess.DEVNULL)
        ms.settle()
        print("\nDisclosure mailbox now: %r" % ms.imap_list(DISC))
        print("\nNotices received (first lines):")
        for addr in dict.fromkeys(senders):
            got = ms.imap_fetch_all(addr, "INBOX")
            if not got:
                print("\n  %s: nothing%s" % (addr, " (an automatic reply: none expected)"
                                              if addr in auto else ""))
                continue
            for raw in got:
                m = parse(raw)
                print("\n  To:      %s" % addr)
                print("  From:    %s" % m["From"])
                print("  Subject: %s" % m["Subject"])
                lines = [l for l in body_text(m).splitlines()]
                while lines and not lines[0].strip():
                    lines.pop(0)
                for l in lines[:8]:
                    print("  | " + l)
        print("\n$ pdgate digest    (what the team's 08:00 mail says today)", flush=True)
        subprocess.run([PDGATE, "-c", conf, "digest"], stdin=subprocess.DEVNULL)
        page = os.environ.get("PDGATE_DEMO_DIGEST_HTML")
        if page:
            subprocess.run([PDGATE, "-c", conf, "digest", "--html", page],
                           stdin=subprocess.DEVNULL)
            print("\n(the HTML digest, with its chart, is in %s)" % page)
        print("\nStopping the mail servers.")
    return 0 if r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
