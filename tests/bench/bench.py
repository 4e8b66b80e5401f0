#!/usr/bin/env python3
"""make bench: pdgate throughput, memory and latency against local Dovecot + OpenSMTPD.

1. Fills the disclosure mailbox with N generated requests (default 5000; PDGATE_BENCH_N),
   a mix of sizes: 75% short text, 20% with a 30-150 KB attachment, 5% with 0.5-1 MB.
2. Runs `pdgate poll --once` over all of them: messages/s, peak RSS, and per message the time
   from delivery (INTERNALDATE) to the acknowledgement being accepted by SMTP.
3. Times a plain IMAP fetch of the same messages (libetpan, same commands, no processing):
   the floor any gateway pays; prints the ratio.
4. Runs `pdgate poll` (IDLE) and delivers requests one by one over SMTP: time from SMTP
   submission to the acknowledgement arriving in the requester's mailbox.
5. A storm: 10,000 short requests from one sender (PDGATE_BENCH_STORM_N) in a fresh database,
   one `pdgate poll --once`: storm_threshold cases, the rest held in one storm record.
PDGATE_BENCH_ONLY=storm runs the storm alone.
"""
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

N = int(os.environ.get("PDGATE_BENCH_N", "5000"))
LATENCY_SAMPLES = int(os.environ.get("PDGATE_BENCH_LATENCY", "20"))
STORM_N = int(os.environ.get("PDGATE_BENCH_STORM_N", "10000"))
FETCH_BENCH = os.path.join(harness.REPO_ROOT, "build", "imap-fetch-bench")
REQUESTERS = 50

PHRASES = [
    "Please send me a copy of all the personal information you hold about me.",
    "Under the Freedom of Information Act I would like the number of burglaries reported in 2025.",
    "I want you to delete the record of my arrest from 2019, which was a mistake.",
    "My address on your records is wrong; please correct it.",
    "I would like the body-worn video footage of my stop on the high street.",
]


def attachment(size):
    import base64
    data = random.randbytes(size)
    b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
    return ("--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; "
            "filename=\"passport.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64)


def make_request(i):
    who = "requester%d@public.test" % (i % REQUESTERS)
    body = " ".join(random.choice(PHRASES) for _ in range(random.randint(2, 20)))
    head = ("From: Bench Person %d <%s>\r\nTo: disclosure@pdgate.test\r\n"
            "Subject: Request number %d\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <bench-%d-%d@public.test>\r\nMIME-Version: 1.0\r\n"
            % (i, who, i, i, random.getrandbits(32)))
    r = random.random()
    if r < 0.75:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    size = random.randint(30_000, 150_000) if r < 0.95 else random.randint(500_000, 1_000_000)
    return (head + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n" +
            attachment(size) + "--b1--\r\n").encode()


def fill(ms):
    c = ms.imap("disclosure@pdgate.test")
    total = 0
    t0 = time.monotonic()
    try:
        for i in range(N):
            raw = make_request(i)
            total += len(raw)
            typ, data = c.append("INBOX", None, None, raw)
            if typ != "OK":
                raise RuntimeError("APPEND failed: %r" % data)
    finally:
        c.logout()
    print("filled INBOX with %d messages, %.1f MB, in %.1f s"
          % (N, total / 1e6, time.monotonic() - t0), flush=True)
    return total


def poll_once(conf):
    t0 = time.monotonic()
    r = subprocess.run([harness.PDGATE, "-c", conf, "poll", "--once"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    secs = time.monotonic() - t0
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode(errors="replace")[-3000:])
        raise SystemExit("poll --once failed: exit %d" % r.returncode)
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return secs, rss_kb


def ack_delays(db, start):
    """Seconds from the start of the pass (or later delivery) to each acknowledgement's send:
    in a burst, how long a requester waits behind the messages ahead of theirs."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT o.sent_at - MAX(c.received, ?) FROM outbox o JOIN cases c ON c.id = o.case_id "
        "JOIN messages m ON m.id = o.message_row "
        "WHERE o.state = 'sent' AND m.notice = 'acknowledgement'", (int(start),)).fetchall()
    con.close()
    return sorted(r[0] for r in rows)


def plain_fetch(ms):
    r = subprocess.run([FETCH_BENCH, "127.0.0.1", str(ms.imap_port), "disclosure@pdgate.test",
                        ms.password_file, "Processed"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("imap-fetch-bench failed: " + r.stderr)
    print(r.stdout.strip(), flush=True)
    return float(r.stdout.split(" in ")[1].split()[0])


def latency(ms, conf):
    log = open(os.path.join(ms.tmp, "poller.log"), "wb")
    p = subprocess.Popen([harness.PDGATE, "-c", conf, "poll"], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log)
    samples = []
    for i in range(LATENCY_SAMPLES):
        ms.add_user("latency%d@public.test" % i)
    try:
        time.sleep(1.5)  # Dovecot re-reads its passwd-file at most once a second
        for i in range(LATENCY_SAMPLES):
            who = "latency%d@public.test" % i
            raw = harness.make_message(who, "disclosure@pdgate.test", "Latency probe %d" % i,
                                       "Please send me my data.", from_name="Probe")
            t0 = time.monotonic()
            ms.deliver(who, "disclosure@pdgate.test", raw)
            ms.wait_for_mail(who, "INBOX", 1, timeout=60)
            samples.append(time.monotonic() - t0)
    finally:
        p.terminate()
        p.wait(timeout=20)
        log.close()
    return samples


def storm(ms):
    """STORM_N requests from one sender in a fresh database: how fast the held mail goes."""
    state = os.path.join(ms.tmp, "pdgate-storm")
    conf = ms.write_config(os.path.join(state, "pdgate.conf"), gateway_log_level="error",
                           store_database=os.path.join(state, "pdgate.db"),
                           store_spool=os.path.join(state, "spool"))
    raws = [("From: Storm <storm@public.test>\r\nTo: disclosure@pdgate.test\r\n"
             "Subject: Request %d\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
             "Message-ID: <storm-%d@public.test>\r\nContent-Type: text/plain\r\n\r\n"
             "%s\r\n" % (i, i, random.choice(PHRASES))).encode() for i in range(STORM_N)]
    t0 = time.monotonic()
    ms.append_many("disclosure@pdgate.test", raws)
    filled = time.monotonic() - t0
    secs, rss_kb = poll_once(conf)
    con = sqlite3.connect(os.path.join(state, "pdgate.db"))
    cases = con.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    storms = con.execute("SELECT COUNT(*), IFNULL(SUM(held), 0) FROM storms").fetchone()
    con.close()
    print("storm: %d requests from one sender APPENDed in %.1f s; one poll --once: %.1f s = "
          "%.0f messages/s, peak RSS %.1f MB; %d cases, %d storm record(s) holding %d"
          % (STORM_N, filled, secs, STORM_N / secs, rss_kb / 1024, cases, storms[0],
             storms[1]), flush=True)
    print(json.dumps({"storm_n": STORM_N, "storm_seconds": round(secs, 2),
                      "storm_msgs_per_s": round(STORM_N / secs, 1), "storm_cases": cases,
                      "storm_records": storms[0], "storm_held": storms[1]}), flush=True)


def main():
    random.seed(2026)
    if os.environ.get("PDGATE_BENCH_ONLY") == "storm":
        with harness.MailServers() as ms:
            storm(ms)
        return
    with harness.MailServers() as ms:
        # 50 requesters send 100 requests each: lift the per-requester limit and the storm
        # threshold so that every request is acknowledged, as in a storm of different people.
        conf = ms.write_config(os.path.join(ms.tmp, "pdgate", "pdgate.conf"),
                               gateway_log_level="warn",
                               gateway_max_auto_notices_per_day=1000,
                               gateway_storm_threshold=100000)
        total = fill(ms)
        start = time.time()
        secs, rss_kb = poll_once(conf)
        print("pdgate poll --once: %d messages in %.1f s = %.0f messages/s, %.1f MB/s; "
              "peak RSS %.1f MB" % (N, secs, N / secs, total / 1e6 / secs, rss_kb / 1024),
              flush=True)
        db = os.path.join(ms.tmp, "pdgate", "pdgate.db")
        delays = ack_delays(db, start)
        if delays:
            print("burst of %d waiting in the mailbox: acknowledgement sent after median %d s, "
                  "max %d s (%d acknowledgements)" % (N, statistics.median(delays), delays[-1],
                                                     len(delays)), flush=True)
        fetch_secs = plain_fetch(ms)
        print("ratio pdgate / plain IMAP fetch: %.2f" % (secs / fetch_secs), flush=True)
        samples = latency(ms, conf)
        print("single request, SMTP submission -> acknowledgement in requester's mailbox "
              "(poll with IDLE, %d samples): median %.2f s, max %.2f s"
              % (len(samples), statistics.median(samples), max(samples)), flush=True)
        print(json.dumps({"n": N, "seconds": round(secs, 2), "msgs_per_s": round(N / secs, 1),
                          "peak_rss_mb": round(rss_kb / 1024, 1),
                          "fetch_seconds": round(fetch_secs, 2),
                          "ratio": round(secs / fetch_secs, 2),
                          "latency_median_s": round(statistics.median(samples), 2),
                          "latency_max_s": round(max(samples), 2)}), flush=True)
        storm(ms)


if __name__ == "__main__":
    main()
