"""A small SMTP proxy with fault injection, for the integration tests (Python stdlib only, plain
sockets and threads: no smtpd/aiosmtpd).

    from smtp_proxy import SmtpProxy
    with SmtpProxy(ms.smtp_port) as proxy:          # listens on 127.0.0.1:proxy.port
        pd = Pdgate(ms, "x", smtp_port=proxy.port)
        proxy.tempfail_data = 1                     # next DATA: "451 4.3.0 try again later"
        proxy.reject_rcpt = {"jane@public.test"}    # RCPT TO for these: "550 5.1.1 no such user"
        proxy.kill_after_accept = lambda: p.pid     # SIGKILL that pid after the next 2xx to "."

Every client connection gets its own upstream connection (the real OpenSMTPD); lines are
relayed one at a time, replies (multi-line ones such as EHLO's too) relayed whole. The faults
are read when the command arrives, so a test may change them at any time:

  tempfail_data = N       the next N DATA commands are answered "451 4.3.0 try again later" by
                          the proxy itself; DATA is not forwarded (the proxy sends its own RSET
                          upstream so that the server's transaction matches what the client
                          was told: none). RSET, MAIL, QUIT... are forwarded as usual.
  reject_rcpt = {addr}    RCPT TO:<addr> (case-insensitive) is answered "550 5.1.1 no such
                          user" and not forwarded.
  kill_after_accept = f   one-shot: after the end-of-data "." was forwarded and the server
                          answered 2xx, SIGKILL the pid f() returns, wait until it is dead,
                          then close the client connection without relaying that answer (and
                          QUIT upstream). Reset to None when it fires.

Counters (read any time): accepted (messages the server accepted), accepted_rcpts (each
accepted message's recipients), data_tempfailed, rcpt_rejected (addresses), kills (pids),
connections; transcript() returns the recent commands and replies (no message data) for
diagnostics.  stop() (or leaving the with block) closes the listener and every connection and
joins every thread.
"""

import os
import signal
import socket
import time

from loopback_proxy import LoopbackProxy

MAX_LINE = 1 << 20
TRANSCRIPT_LINES = 400


def _pid_gone(pid):
    """True once pid has exited (or is a zombie waiting to be reaped)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
    except OSError:
        return True
    # "pid (comm) S ...": comm may hold spaces or parentheses, the state follows the last ')'.
    state = stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3]
    return state in (b"Z", b"X", b"")


class _Closed(Exception):
    pass


class SmtpProxy(LoopbackProxy):
    NAME = "smtp-proxy"

    def __init__(self, upstream_port, upstream_host="127.0.0.1", host="127.0.0.1", timeout=60):
        super().__init__(host)
        self.upstream = (upstream_host, upstream_port)
        self.timeout = timeout
        # Faults, set by the test at run time.
        self.tempfail_data = 0
        self.reject_rcpt = set()
        self.kill_after_accept = None
        # Counters.
        self.accepted = 0
        self.accepted_rcpts = []
        self.data_tempfailed = 0
        self.rcpt_rejected = []
        self.kills = []
        self.connections = 0
        self.errors = []
        self._log = []
        self._socks = set()

    def _close_connections(self):
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def reset_counters(self):
        with self._lock:
            self.accepted = 0
            self.accepted_rcpts = []
            self.data_tempfailed = 0
            self.rcpt_rejected = []
            self.kills = []
            self.connections = 0
            self.errors = []

    def transcript(self, n=60):
        with self._lock:
            return "\n".join(self._log[-n:])

    # ------------------------------------------------------------------ internals
    def _note(self, conn, direction, line):
        text = line.decode("utf-8", "replace").rstrip("\r\n") if isinstance(line, bytes) \
            else line
        with self._lock:
            self._log.append("[%d] %s %s" % (conn, direction, text))
            del self._log[:-TRANSCRIPT_LINES]

    def _accepted(self, client, n):
        with self._lock:
            self.connections += 1
            n = self.connections
        return self._serve, (client, n)

    @staticmethod
    def _read_reply(f):
        """One reply, all its lines ("250-..." continuation lines then "250 ...")."""
        lines = []
        while True:
            line = f.readline(MAX_LINE)
            if not line:
                raise _Closed("upstream closed the connection")
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    @staticmethod
    def _verb(line):
        parts = line.split(None, 1)
        return parts[0].upper() if parts else b""

    @staticmethod
    def _address(line):
        """The address of "RCPT TO:<a@b> ...", lower-cased."""
        text = line.decode("utf-8", "replace")
        start, end = text.find("<"), text.find(">")
        if start >= 0 and end > start:
            return text[start + 1:end].strip().lower()
        return text.split(":", 1)[-1].strip().split(" ")[0].lower()

    def _serve(self, client, n):
        upstream = None
        try:
            client.settimeout(self.timeout)
            with self._lock:
                self._socks.add(client)
            upstream = socket.create_connection(self.upstream, timeout=self.timeout)
            with self._lock:
                self._socks.add(upstream)
            cf = client.makefile("rb")
            uf = upstream.makefile("rb")
            self._session(n, client, cf, upstream, uf)
        except Exception as e:          # the connection ends; the proxy carries on
            if not self._stopping.is_set() and not isinstance(e, _Closed):
                with self._lock:
                    self.errors.append("connection %d: %s" % (n, e))
        finally:
            for sock in (client, upstream):
                if sock is None:
                    continue
                with self._lock:
                    self._socks.discard(sock)
                try:
                    sock.close()
                except OSError:
                    pass

    def _relay_reply(self, n, client, uf):
        reply = self._read_reply(uf)
        for line in reply:
            self._note(n, "S:", line)
        client.sendall(b"".join(reply))
        return reply

    def _answer(self, n, client, text):
        self._note(n, "P:", text)
        client.sendall(text.encode("ascii") + b"\r\n")

    def _session(self, n, client, cf, upstream, uf):
        self._relay_reply(n, client, uf)                # the greeting
        rcpts = []
        while not self._stopping.is_set():
            line = cf.readline(MAX_LINE)
            if not line:
                return
            verb = self._verb(line)
            # AUTH lines carry credentials: only their verb is logged.
            self._note(n, "C:", line if verb != b"AUTH" else b"AUTH ...")
            if verb == b"RCPT":
                addr = self._address(line)
                with self._lock:
                    reject = addr in {a.lower() for a in self.reject_rcpt}
                    if reject:
                        self.rcpt_rejected.append(addr)
                if reject:
                    self._answer(n, client, "550 5.1.1 no such user")
                    continue
                upstream.sendall(line)
                reply = self._relay_reply(n, client, uf)
                if reply[-1][:1] == b"2":
                    rcpts.append(addr)
                continue
            if verb == b"DATA":
                with self._lock:
                    fail = self.tempfail_data > 0
                    if fail:
                        self.tempfail_data -= 1
                        self.data_tempfailed += 1
                if fail:
                    # The client was told the transaction failed: end it upstream too.
                    upstream.sendall(b"RSET\r\n")
                    self._note(n, "P>S:", "RSET")
                    for l in self._read_reply(uf):
                        self._note(n, "S:", l)
                    rcpts = []
                    self._answer(n, client, "451 4.3.0 try again later")
                    continue
                upstream.sendall(line)
                reply = self._relay_reply(n, client, uf)
                if reply[-1][:3] != b"354":
                    continue
                if not self._data(n, client, cf, upstream, uf, rcpts):
                    return
                rcpts = []
                continue
            if verb in (b"MAIL", b"RSET", b"EHLO", b"HELO"):
                rcpts = []
            upstream.sendall(line)
            self._relay_reply(n, client, uf)
            if verb == b"QUIT":
                return

    def _data(self, n, client, cf, upstream, uf, rcpts):
        """Relay the message up to and including ".", then the server's answer (or the kill).
        False when the session is over."""
        size = 0
        while True:
            line = cf.readline(MAX_LINE)
            if not line:
                return False                        # the client died mid-message
            upstream.sendall(line)
            size += len(line)
            if line in (b".\r\n", b".\n"):
                break
        self._note(n, "C:", "<%d bytes of data>" % size)
        reply = self._read_reply(uf)
        for l in reply:
            self._note(n, "S:", l)
        if reply[-1][:1] != b"2":
            client.sendall(b"".join(reply))
            return True
        with self._lock:
            self.accepted += 1
            self.accepted_rcpts.append(list(rcpts))
            getter = self.kill_after_accept
            self.kill_after_accept = None
        if getter is None:
            client.sendall(b"".join(reply))
            return True
        pid = getter()
        self._note(n, "P:", "SIGKILL %s; closing without answering" % pid)
        with self._lock:
            self.kills.append(pid)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while not _pid_gone(pid) and time.monotonic() < deadline:
                time.sleep(0.01)
        try:
            upstream.sendall(b"QUIT\r\n")
            self._read_reply(uf)
        except (OSError, _Closed):
            pass
        return False


if __name__ == "__main__":
    # Smoke test against a real OpenSMTPD (needs root): one message through, one tempfailed.
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import smtplib
    import harness
    with harness.MailServers() as ms, SmtpProxy(ms.smtp_port) as proxy:
        raw = harness.make_message("alice@public.test", "bob@public.test", "proxy", "Hi.\n")
        with smtplib.SMTP("127.0.0.1", proxy.port, timeout=30) as s:
            s.sendmail("alice@public.test", ["bob@public.test"], raw)
            proxy.tempfail_data = 1
            try:
                s.sendmail("alice@public.test", ["bob@public.test"], raw)
                print("FAIL: no 451")
            except smtplib.SMTPDataError as e:
                print("451 as asked: %s" % (e,))
            s.sendmail("alice@public.test", ["bob@public.test"], raw)
        ms.wait_for_mail("bob@public.test", "INBOX", 2)
        print("accepted %d, tempfailed %d, bob has %d" % (proxy.accepted, proxy.data_tempfailed,
                                                          ms.imap_list("bob@public.test",
                                                                       "INBOX")))
        print(proxy.transcript(20))
