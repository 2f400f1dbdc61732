"""Ctrl-C (SIGINT) interrupts every blocking s3ml call within a second, after clean-up.

Each case runs a script in a fresh interpreter (so that the signal goes to a real main
thread, as in a terminal or notebook), waits until the script is inside the blocking
call, sends SIGINT with os.kill, and checks that the script saw KeyboardInterrupt
promptly and left nothing behind. The slow paths come from a throttling loopback proxy
and a listener that never answers (tests/support/throttle_proxy.py), so the calls are
still running when the signal arrives, on any machine.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SUPPORT = pathlib.Path(__file__).resolve().parents[1] / "support"
PRELUDE = f"""
import json, os, sys, time
sys.path.insert(0, {str(SUPPORT)!r})
import s3ml
from throttle_proxy import ThrottleProxy, silent_listener

def ready():
    print("ready", flush=True)

def interrupted(**info):
    print("interrupted " + json.dumps(dict(info, t=time.monotonic())), flush=True)
"""
LIMIT = 1.0  # seconds from the signal to KeyboardInterrupt in the script


def run_and_interrupt(body, after=0.5, timeout=60):
    """Runs PRELUDE + body; SIGINT `after` seconds after it prints "ready". Returns the
    dict the script passed to interrupted() plus "latency" (seconds from the signal)."""
    script = PRELUDE + textwrap.dedent(body)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", f"script did not get ready: {line!r} {proc.stderr.read()}"
        time.sleep(after)
        assert proc.poll() is None, f"the call ended before the signal: {proc.communicate()}"
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = [ln for ln in out.splitlines() if ln.startswith("interrupted ")]
    assert lines, f"no KeyboardInterrupt seen; rc={proc.returncode} stdout={out!r} stderr={err!r}"
    info = json.loads(lines[0][len("interrupted "):])
    info["latency"] = info.pop("t") - sent
    return info


def test_ctrl_c_interrupts_get_object_from_a_server_that_never_answers():
    info = run_and_interrupt("""
        with silent_listener() as port:
            c = s3ml.Client(endpoint_url=f"http://127.0.0.1:{port}", access_key="a", secret_key="b")
            ready()
            try:
                c.get_object("bkt", "k")
            except KeyboardInterrupt:
                interrupted()
    """)
    assert info["latency"] < LIMIT, info


def test_ctrl_c_interrupts_download_file_and_removes_the_temporary():
    info = run_and_interrupt("""
        import tempfile
        with s3ml.MockServer() as server:
            s3 = server.client()
            s3.create_bucket("bkt")
            s3.put_object("bkt", "big.bin", os.urandom(1 << 20) * 40)
            proxy = ThrottleProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]), rate=8 << 20)
            slow = server.client(endpoint_url=proxy.endpoint)
            dest = tempfile.mkdtemp()
            ready()
            try:
                slow.download_file("bkt", "big.bin", os.path.join(dest, "big.bin"))
                print("completed", flush=True)
            except KeyboardInterrupt:
                interrupted(left=os.listdir(dest), uploads=0)
            proxy.close()
    """, after=0.8)
    assert info["latency"] < LIMIT, info
    assert info["left"] == [], info


def test_ctrl_c_interrupts_upload_file_and_aborts_the_multipart_upload():
    info = run_and_interrupt("""
        import tempfile
        with s3ml.MockServer() as server:
            s3 = server.client()
            s3.create_bucket("bkt")
            src = os.path.join(tempfile.mkdtemp(), "big.bin")
            with open(src, "wb") as f:
                f.write(os.urandom(1 << 20) * 48)
            proxy = ThrottleProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]), rate=8 << 20)
            slow = server.client(endpoint_url=proxy.endpoint)
            ready()
            try:
                slow.upload_file(src, "bkt", "big.bin")
                print("completed", flush=True)
            except KeyboardInterrupt:
                t = time.monotonic()
                interrupted(uploads=len(list(s3.list_multipart_uploads("bkt"))),
                            objects=[o.key for o in s3.list_objects("bkt")])
            proxy.close()
    """, after=0.8)
    assert info["latency"] < LIMIT, info
    assert info["uploads"] == 0 and info["objects"] == [], info


def test_ctrl_c_interrupts_dataset_iteration():
    info = run_and_interrupt("""
        with s3ml.MockServer() as server:
            s3 = server.client()
            s3.create_bucket("dsb")
            for i in range(8):
                s3.put_object("dsb", f"shard-{i}.bin", os.urandom(4 << 20))
            proxy = ThrottleProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]), rate=2 << 20)
            ds = s3ml.Dataset("s3://dsb/", format="raw", client=server.client(endpoint_url=proxy.endpoint))
            ready()
            try:
                for sample in ds:
                    pass
                print("completed", flush=True)
            except KeyboardInterrupt:
                interrupted()
            proxy.close()
    """, after=0.8)
    assert info["latency"] < LIMIT, info


def test_a_call_that_is_not_interrupted_still_completes():
    """The control: the polled token changes nothing for a call left alone."""
    script = PRELUDE + textwrap.dedent("""
        with s3ml.MockServer() as server:
            s3 = server.client()
            s3.create_bucket("bkt")
            data = os.urandom(3 << 20)
            proxy = ThrottleProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]), rate=8 << 20)
            slow = server.client(endpoint_url=proxy.endpoint)
            slow.put_object("bkt", "k", data)
            assert bytes(slow.get_object("bkt", "k").body) == data
            proxy.close()
            print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc
