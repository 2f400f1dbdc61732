"""A loopback TCP proxy that slows traffic down, and a listener that never answers.

Used by the interruption tests (CLI signals, Python Ctrl-C) to keep a transfer in
flight long enough to interrupt it, without depending on the machine's speed. Both
listen on 127.0.0.1 port 0 and stop (closing every connection) when their context
ends; nothing here outlives the test.
"""

import contextlib
import socket
import threading
import time


class ThrottleProxy:
    """Relays 127.0.0.1:<port> to `target` at about `rate` bytes/s in each direction."""

    def __init__(self, target_host, target_port, rate=4 << 20, chunk=64 << 10):
        self.target = (target_host, target_port)
        self.rate = rate
        self.chunk = chunk
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._socks = []
        self._threads = []
        self._lock = threading.Lock()
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                t.start()
                self._threads.append(t)

    def _pump(self, src, dst):
        src.settimeout(0.1)
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(self.chunk)
                except socket.timeout:
                    continue
                if not data:
                    break
                dst.sendall(data)
                time.sleep(len(data) / self.rate)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self):
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for s in self._socks:
                with contextlib.suppress(OSError):
                    s.close()
        for t in self._threads:
            t.join(timeout=5)


@contextlib.contextmanager
def throttle_proxy(target_host, target_port, rate=4 << 20):
    p = ThrottleProxy(target_host, target_port, rate)
    try:
        yield p
    finally:
        p.close()


@contextlib.contextmanager
def silent_listener():
    """A port whose connections complete (the kernel's backlog accepts them) and never get an answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()
