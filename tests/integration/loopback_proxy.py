"""What the fault-injecting proxies of the integration tests share (smtp_proxy.py,
imap_proxy.py): a listener on a free loopback port, a thread accepting connections and a
thread per connection, and a stop that ends them all. A subclass says what to do with a new
connection (_accepted) and how to cut the open ones (_close_connections)."""
import socket
import threading


class LoopbackProxy:
    NAME = "proxy"

    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = None
        self._lock = threading.Lock()
        self._listener = None
        self._accept_thread = None
        self._threads = []
        self._stopping = threading.Event()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, 0))
        s.listen(16)
        s.settimeout(0.2)
        self._listener = s
        self.port = s.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name=self.NAME,
                                               daemon=True)
        self._accept_thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._wake()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass
            self._listener = None
        self._close_connections()
        for t in list(self._threads):
            t.join(timeout=5)
        self._threads = [t for t in self._threads if t.is_alive()]

    def running(self):
        """True while the listener or any connection thread is alive."""
        return ((self._accept_thread is not None and self._accept_thread.is_alive()) or
                any(t.is_alive() for t in self._threads))

    def _accept_loop(self):
        n = 0
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            n += 1
            target, args = self._accepted(client, n)
            t = threading.Thread(target=target, args=args, name="%s-%d" % (self.NAME, n),
                                 daemon=True)
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
            t.start()

    # ------------------------------------------------------------------ for subclasses
    def _accepted(self, client, n):
        """Connection number n was accepted: (function, args) to serve it in its thread."""
        raise NotImplementedError

    def _close_connections(self):
        raise NotImplementedError

    def _wake(self):
        """Release whatever a connection thread may be waiting for (a stall)."""
