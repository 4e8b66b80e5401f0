"""A small IMAP proxy with fault injection, for the integration tests (Python stdlib only, plain
sockets and threads), in the style of smtp_proxy.py.

    from imap_proxy import ImapProxy
    with ImapProxy(ms.imap_port) as proxy:          # listens on 127.0.0.1:proxy.port
        pd = Pdgate(ms, "x", imap_port=proxy.port)  # tls = none: plain, loopback only
        proxy.fault("UID FETCH", "drop_mid_literal", contains="BODY.PEEK[]")
        proxy.fault("UID MOVE", "drop_after")       # the server moves, pdgate never hears

Plain IMAP only: pdgate talks to it with `tls = none` (allowed to loopback), and the proxy to
the test Dovecot on its plain port. No STARTTLS passthrough: the faults need to see the
commands and responses, and TLS is tested against Dovecot directly (test_skeleton h).

Every client connection gets its own upstream connection. Two threads per connection: one
relays the client's command lines (and their literals), the other the server's responses,
literal-aware ({N} then N bytes), so a fault can cut a FETCH inside the message bytes. The
command a response belongs to is the last one the client sent (pdgate sends one at a time).

A fault is a rule: fault(verb, action, contains=None, skip=0, times=1, **options). verb is the
command's name as sent ("LOGIN", "SELECT", "UID FETCH", "UID MOVE", "IDLE", "UID SEARCH"...),
`contains` a substring the command line must hold as well (BODY.PEEK[] tells the body FETCH
from the size FETCH), `skip` how many matching commands pass untouched first, `times` how
many it hits (0 = every one). Actions:

  no, bad            the proxy answers "TAG NO [UNAVAILABLE] injected" / "TAG BAD injected";
                     the command is not forwarded
  bye                "* BYE injected" and the connection is closed; not forwarded
  drop_before        the connection is closed; the command is not forwarded
  drop_after         forwarded; the connection is closed once the server has answered it,
                     without relaying the answer (the server did it, the client never knows)
  drop_mid_literal   forwarded; the response is relayed up to half of its first literal
                     (`cut` bytes of it with cut=N), then the connection is closed
  stall              forwarded; nothing of the response is relayed and the connection stays
                     open, silent, until release() or stop()
  stall_mid_literal  like drop_mid_literal, but the connection then stays open and silent
  literal_too_big    the first literal's size is announced `extra` bytes (default 4096)
                     larger than the bytes that follow; everything else is relayed as is
  garbage            a garbage line (binary, no tag) is sent before the tagged answer
  nonsense           an untagged response that parses as nothing ("* 7 FROBNICATE (((")
                     is sent before the tagged answer
  drop_in_idle       IDLE only: the server's "+ idling" is relayed, then the connection is
                     closed (while the client waits for mail)

stall_greeting = N: the next N connections are accepted and never greeted (no upstream
connection is made) until release() or stop().

Events (wait_for(kind, count, timeout)): "connect", "fault:<action>" when a fault fires,
"idling" each time the server's IDLE continuation is relayed. transcript() returns the recent
commands (LOGIN's arguments masked) and response first lines, for diagnostics.
"""

import re
import socket
import threading
import time

from loopback_proxy import LoopbackProxy

MAX_LINE = 1 << 20
TRANSCRIPT_LINES = 400
LITERAL = re.compile(rb"\{(\d+)\}\r?\n$")


class _Closed(Exception):
    pass


class _Rule:
    def __init__(self, verb, action, contains, skip, times, options):
        self.verb = verb.upper()
        self.action = action
        self.contains = contains
        self.skip = skip
        self.times = times
        self.options = options
        self.hits = 0

    def matches(self, verb, line):
        if verb != self.verb:
            return False
        if self.contains is not None and self.contains.encode() not in line:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return self.times == 0 or self.hits < self.times


class _Conn:
    """One client connection and its upstream; `rule` is the fault of the command in flight."""

    def __init__(self, n, client):
        self.n = n
        self.client = client
        self.upstream = None
        self.rule = None
        self.tag = None
        self.verb = None
        self.closed = threading.Event()


class ImapProxy(LoopbackProxy):
    NAME = "imap-proxy"
    ACTIONS = ("no", "bad", "bye", "drop_before", "drop_after", "drop_mid_literal", "stall",
               "stall_mid_literal", "literal_too_big", "garbage", "nonsense", "drop_in_idle")

    def __init__(self, upstream_port, upstream_host="127.0.0.1", host="127.0.0.1"):
        super().__init__(host)
        self.upstream = (upstream_host, upstream_port)
        self.stall_greeting = 0
        self.errors = []
        self._rules = []
        self._events = []
        self._cond = threading.Condition()
        self._log = []
        self._conns = []
        self._released = threading.Event()

    # ------------------------------------------------------------------ the test's controls
    def fault(self, verb, action, contains=None, skip=0, times=1, **options):
        if action not in self.ACTIONS:
            raise ValueError("unknown fault action %r" % action)
        rule = _Rule(verb, action, contains, skip, times, options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self):
        """Forget every rule not yet fired, and un-stall the connections."""
        with self._lock:
            self._rules = []
            self.stall_greeting = 0
        self.release()

    def reset(self):
        """Arm the stalls again after clear() or release()."""
        self._released.clear()

    def release(self):
        """End every stall: the stalled connections are closed."""
        self._released.set()

    def close_all(self):
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            self._close(c)

    def count(self, kind):
        with self._cond:
            return sum(1 for k, _ in self._events if k == kind)

    def events(self):
        with self._cond:
            return list(self._events)

    def wait_for(self, kind, count=1, timeout=30):
        """Wait until `kind` happened at least `count` times in all; True if it did."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while sum(1 for k, _ in self._events if k == kind) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def transcript(self, n=60):
        with self._lock:
            return "\n".join(self._log[-n:])

    # ------------------------------------------------------------------ internals
    def _event(self, kind, detail=""):
        with self._cond:
            self._events.append((kind, detail))
            self._cond.notify_all()

    def _note(self, conn, direction, line):
        text = line.decode("utf-8", "replace").rstrip("\r\n") if isinstance(line, bytes) \
            else line
        with self._lock:
            self._log.append("[%d] %s %s" % (conn.n, direction, text[:200]))
            del self._log[:-TRANSCRIPT_LINES]

    def _accepted(self, client, n):
        conn = _Conn(n, client)
        with self._lock:
            self._conns.append(conn)
            stall = self.stall_greeting > 0
            if stall:
                self.stall_greeting -= 1
        self._event("connect", str(n))
        return self._serve, (conn, stall)

    def _close_connections(self):
        self.close_all()

    def _wake(self):
        self._released.set()

    def _close(self, conn):
        for sock in (conn.client, conn.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        conn.closed.set()

    def _wait_release(self, conn):
        while not (self._released.is_set() or self._stopping.is_set() or conn.closed.is_set()):
            time.sleep(0.05)

    def _serve(self, conn, stall):
        try:
            if stall:
                self._note(conn, "P:", "accepted, never greeted (stall)")
                self._event("fault:stall_greeting")
                self._wait_release(conn)
                return
            conn.upstream = socket.create_connection(self.upstream, timeout=30)
            conn.upstream.settimeout(None)
            t = threading.Thread(target=self._s2c, args=(conn,), name="imap-proxy-s2c-%d"
                                 % conn.n, daemon=True)
            self._threads.append(t)
            t.start()
            self._c2s(conn)
        except (_Closed, OSError) as e:
            if not self._stopping.is_set() and not conn.closed.is_set() and \
                    not isinstance(e, _Closed):
                with self._lock:
                    self.errors.append("connection %d: %s" % (conn.n, e))
        finally:
            self._close(conn)
            for sock in (conn.client, conn.upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)

    @staticmethod
    def _parse(line):
        """(tag, verb) of a command line; verb is "UID FETCH" for UID commands."""
        parts = line.rstrip(b"\r\n").split(b" ")
        tag = parts[0] if parts else b""
        words = [p.upper() for p in parts[1:3]]
        if not words:
            return tag, ""
        if words[0] == b"UID" and len(words) > 1:
            return tag, "UID " + words[1].decode("ascii", "replace")
        return tag, words[0].decode("ascii", "replace")

    def _match(self, verb, line):
        with self._lock:
            for rule in self._rules:
                if rule.matches(verb, line):
                    rule.hits += 1
                    return rule
        return None

    def _c2s(self, conn):
        cf = conn.client.makefile("rb")
        while not self._stopping.is_set():
            line = cf.readline(MAX_LINE)
            if not line:
                raise _Closed()
            if conn.verb == "IDLE" and line.strip().upper() == b"DONE":
                self._note(conn, "C:", line)
                conn.upstream.sendall(line)
                continue
            tag, verb = self._parse(line)
            masked = tag + b" LOGIN ***" if verb == "LOGIN" else line
            self._note(conn, "C:", masked)
            rule = self._match(verb, line)
            outcome = self._client_side(conn, tag, rule) if rule is not None else "forward"
            if outcome == "closed":
                return
            if outcome == "answered":
                continue
            conn.tag, conn.verb, conn.rule = tag, verb, rule
            conn.upstream.sendall(line)
            # A synchronizing literal: its bytes follow once the server said "+".
            m = LITERAL.search(line)
            while m:
                data = cf.read(int(m.group(1)))
                conn.upstream.sendall(data)
                line = cf.readline(MAX_LINE)
                conn.upstream.sendall(line)
                m = LITERAL.search(line)

    def _client_side(self, conn, tag, rule):
        """Faults the proxy answers itself: "forward" (not one of them), "answered" (the
        command is not forwarded) or "closed" (the connection is over)."""
        a = rule.action
        if a not in ("no", "bad", "bye", "drop_before"):
            return "forward"
        self._event("fault:" + a, tag.decode("ascii", "replace"))
        if a in ("no", "bad"):
            text = b" NO [UNAVAILABLE] injected fault" if a == "no" else b" BAD injected fault"
            self._send(conn, tag + text + b"\r\n")
            return "answered"
        if a == "bye":
            self._send(conn, b"* BYE injected fault\r\n")
        self._note(conn, "P:", "closing (%s)" % a)
        return "closed"

    def _send(self, conn, data):
        self._note(conn, "P:", data)
        conn.client.sendall(data)

    def _s2c(self, conn):
        uf = conn.upstream.makefile("rb")
        try:
            while not self._stopping.is_set():
                line = uf.readline(MAX_LINE)
                if not line:
                    raise _Closed()
                if self._s2c_line(conn, uf, line):
                    return
        except (_Closed, OSError):
            pass
        finally:
            self._close(conn)

    def _s2c_line(self, conn, uf, line):
        """Relay one response line (and its literals). True when the connection is over."""
        rule = conn.rule
        action = rule.action if rule is not None else None
        tagged = conn.tag is not None and line.startswith(conn.tag + b" ")
        self._note(conn, "S:", line)
        if action == "stall":
            return self._stall(conn, "stall")
        if tagged and action == "drop_after":
            self._event("fault:drop_after", conn.verb)
            self._note(conn, "P:", "closing instead of relaying the answer")
            return True
        if tagged and action in ("garbage", "nonsense"):
            self._event("fault:" + action, conn.verb)
            self._send(conn, b"\x00\xff#!garbage \x07\x1b[2J\r\n" if action == "garbage"
                       else b"* 7 FROBNICATE ((( \"unterminated\r\n")
            conn.rule = None
        if action == "drop_in_idle" and line.startswith(b"+"):
            conn.client.sendall(line)
            self._event("fault:drop_in_idle", conn.verb)
            return True
        if conn.verb == "IDLE" and line.startswith(b"+"):
            conn.client.sendall(line)
            self._event("idling", str(conn.n))
            return False
        return self._relay(conn, uf, line, rule, action)

    def _relay(self, conn, uf, line, rule, action):
        m = LITERAL.search(line)
        while m:
            size = int(m.group(1))
            data = uf.read(size)
            if len(data) < size:
                raise _Closed()
            if action in ("drop_mid_literal", "stall_mid_literal"):
                cut = rule.options.get("cut", size // 2)
                conn.client.sendall(line + data[:cut])
                self._note(conn, "P:", "cut the literal after %d of %d bytes" % (cut, size))
                if action == "stall_mid_literal":
                    return self._stall(conn, action)
                self._event("fault:" + action, conn.verb)
                return True
            if action == "literal_too_big":
                extra = rule.options.get("extra", 4096)
                line = line[:m.start()] + b"{%d}\r\n" % (size + extra)
                self._note(conn, "P:", "announced %d bytes, %d follow" % (size + extra, size))
                self._event("fault:literal_too_big", conn.verb)
                conn.rule = rule = None
                action = None
            conn.client.sendall(line + data)
            line = uf.readline(MAX_LINE)
            if not line:
                raise _Closed()
            m = LITERAL.search(line)
        conn.client.sendall(line)
        return False

    def _stall(self, conn, action):
        self._event("fault:" + action, conn.verb)
        self._note(conn, "P:", "stalled")
        self._wait_release(conn)
        return True

