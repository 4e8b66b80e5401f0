"""A small IMAP server that lies on purpose, for the tests of what pdgate trusts from the
server (test_large_mail.py): just what `pdgate poll --once` uses (LOGIN, CAPABILITY, LIST,
CREATE, SELECT, UID SEARCH, UID FETCH with RFC822.SIZE, INTERNALDATE and partial
BODY.PEEK[]<offset.length>, UID MOVE, NOOP, LOGOUT), one INBOX, plain TCP on loopback.

Each message is (bytes, lie): lie may set "size" (the RFC822.SIZE announced), "extra" (every part
sent is that many bytes longer than asked), "origin" (the offset announced in every part), "section" (another
section named in every part, e.g. "TEXT"), or
"endless" (every part asked for is sent in full, whatever the message's length). The server
records every partial FETCH asked for (uid, offset, length) and every move."""
import re
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write(line if isinstance(line, bytes) else line.encode())

    def handle(self):
        srv = self.server.fake
        self.send("* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] fake IMAP ready\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            cmd, _, args = rest.partition(" ")
            cmd = cmd.upper()
            if cmd == "UID":
                sub, _, args = args.partition(" ")
                cmd = "UID " + sub.upper()
            if cmd == "LOGOUT":
                self.send("* BYE bye\r\n%s OK done\r\n" % tag)
                return
            reply = srv.command(cmd, args, self.send)
            self.send("%s %s\r\n" % (tag, reply))


class FakeImap:
    CAPS = "IMAP4rev1 MOVE UIDPLUS"

    def __init__(self, messages):
        self.messages = {uid: m for uid, m in enumerate(messages, start=1)}
        self.folders = {"INBOX"}
        self.moved = {}          # uid -> folder
        self.parts = []          # (uid, offset, length) of every partial FETCH
        self.lock = threading.Lock()
        self._srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._srv.daemon_threads = True
        self._srv.fake = self
        self.port = self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._srv.shutdown()
        self._srv.server_close()

    def inbox(self):
        return sorted(u for u in self.messages if u not in self.moved)

    # ---------------------------------------------------------------- commands
    def command(self, cmd, args, send):
        with self.lock:
            if cmd in ("LOGIN", "NOOP", "CHECK"):
                return "OK done"
            if cmd == "CAPABILITY":
                send("* CAPABILITY %s\r\n" % self.CAPS)
                return "OK done"
            if cmd == "LIST":
                name = args.split(" ", 1)[1].strip('"') if " " in args else args
                if name in self.folders:
                    send('* LIST () "/" "%s"\r\n' % name)
                return "OK done"
            if cmd == "CREATE":
                self.folders.add(args.strip('"'))
                return "OK done"
            if cmd in ("SELECT", "EXAMINE"):
                send("* %d EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                     % (len(self.inbox()), len(self.messages) + 1))
                return "OK [READ-WRITE] selected"
            if cmd == "UID SEARCH":
                send("* SEARCH %s\r\n" % " ".join(str(u) for u in self.inbox()))
                return "OK done"
            if cmd == "UID FETCH":
                return self.fetch(args, send)
            if cmd == "UID MOVE":
                uids, _, dest = args.partition(" ")
                for uid in _uid_set(uids):
                    if uid in self.messages:
                        self.moved[uid] = dest.strip('"')
                return "OK moved"
            return "BAD unknown command"

    def fetch(self, args, send):
        uid_text, _, items = args.partition(" ")
        uid = int(uid_text)
        if uid not in self.messages or uid in self.moved:
            return "OK nothing"
        raw, lie = self.messages[uid]
        seq = self.inbox().index(uid) + 1
        part = re.search(r"BODY\.PEEK\[\]<(\d+)\.(\d+)>", items)
        if part is None:
            send('* %d FETCH (UID %d RFC822.SIZE %d INTERNALDATE "03-Dec-2026 10:00:00 +0000")'
                 "\r\n" % (seq, uid, lie.get("size", len(raw))))
            return "OK done"
        offset, length = int(part.group(1)), int(part.group(2))
        self.parts.append((uid, offset, length))
        if lie.get("endless"):
            data = b"x" * length
        elif lie.get("extra"):
            data = (raw[offset:] + b"y" * (length + lie["extra"]))[:length + lie["extra"]]
        else:
            data = raw[offset:offset + length]
        send(b"* %d FETCH (UID %d BODY[%s]<%d> {%d}\r\n" % (
            seq, uid, lie.get("section", "").encode(), lie.get("origin", offset), len(data))
            + data + b")\r\n")
        return "OK done"


def _uid_set(text):
    out = []
    for piece in text.split(","):
        lo, _, hi = piece.partition(":")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out

