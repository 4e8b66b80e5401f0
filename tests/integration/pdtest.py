"""What every integration test file shares: PASS/FAIL reporting in the form tests/run-all.sh
counts ("PASS name" / "FAIL name: reason", then "N passed, N failed"), and small helpers
for our Message-IDs."""
import json
import traceback

results = []          # (name, ok)
notes = []            # informational lines printed under the test's PASS/FAIL line


def note(msg):
    notes.append(msg)


class Failure(Exception):
    def __init__(self, reason, details=""):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def check(cond, reason, details=""):
    if not cond:
        raise Failure(reason, details)


def report(name, ok, reason="", details=""):
    results.append((name, ok))
    if ok:
        print("PASS %s" % name, flush=True)
    else:
        print("FAIL %s: %s" % (name, reason), flush=True)
    for n in notes:
        print("    note: %s" % n, flush=True)
    del notes[:]
    if not ok and details:
        for line in details.rstrip().splitlines()[-60:]:
            print("    " + line, flush=True)


def run_test(name, fn, *args):
    try:
        fn(*args)
    except Failure as f:
        report(name, False, f.reason, f.details)
    except Exception as e:
        report(name, False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e)
                                        else ""), traceback.format_exc())
    else:
        report(name, True)


def norm_mid(s):
    return (s or "").strip().strip("<>").strip()


def dump(obj, limit=4000):
    return json.dumps(obj, indent=1)[:limit]


def hdr(msg, name):
    v = msg.get(name)
    return str(v) if v is not None else ""


def notice_kind(msg_or_mid):
    """Our Message-IDs are <REF.NOTICE.UUID@domain>: which notice a message is."""
    mid = msg_or_mid if isinstance(msg_or_mid, str) else hdr(msg_or_mid, "Message-ID")
    parts = norm_mid(mid).split(".")
    return parts[1] if len(parts) > 2 else ""
