"""Fork safety (no threads at import/construction; children build their own client),
pickling, and `import s3ml` not importing torch."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import s3ml
from _binding_util import bucket, mock, s3  # noqa: F401 (fixtures)


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_fork_import_and_construction_start_no_threads():
    code = (
        "import os, threading, sys\n"
        "n0 = len(os.listdir('/proc/self/task'))\n"
        "import s3ml\n"
        "c = s3ml.Client(endpoint_url='http://127.0.0.1:9', access_key='a', secret_key='b')\n"
        "ds = s3ml.Dataset('s3://bucket/prefix/', format='tar', client=c, shuffle=True)\n"
        "ds2 = s3ml.Dataset('s3://bucket/k-{0..9}.tar', endpoint_url='http://127.0.0.1:9')\n"
        "print(n0, len(os.listdir('/proc/self/task')), threading.active_count(), c.started,\n"
        "      'torch' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1", "1", "False", "False", "False"]


def test_fork_child_reads_with_its_own_client(mock, bucket):
    parent = mock.client()
    parent.put_object(bucket, "fork/a", b"alpha")
    parent.put_object(bucket, "fork/b", b"beta")
    ds = s3ml.Dataset(f"s3://{bucket}/fork/", client=parent)
    assert bytes(parent.get_object(bucket, "fork/a").body) == b"alpha"  # the parent's client is live
    assert parent.started
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: use the inherited client and dataset, report, exit without cleanup
        status = 1
        try:
            os.close(read_fd)
            got = bytes(parent.get_object(bucket, "fork/b").body)
            keys = sorted(s.key for s in ds)
            msg = f"{got.decode()} {','.join(keys)}"
            os.write(write_fd, msg.encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        msg = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0 and msg == "beta fork/a,fork/b"
    assert bytes(parent.get_object(bucket, "fork/a").body) == b"alpha"  # parent unaffected


def test_fork_child_refuses_a_reader_created_in_the_parent(mock, bucket):
    parent = mock.client()
    parent.put_object(bucket, "forkr/a", b"alpha")
    parent.put_object(bucket, "forkr/b", b"beta")
    reader = s3ml.Dataset(f"s3://{bucket}/forkr/", client=parent).reader()
    assert next(reader).key == "forkr/a"  # prefetching in the parent
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the inherited reader must refuse (its threads are the parent's)
        status = 1
        try:
            os.close(read_fd)
            try:
                next(reader)
                msg = "no error"
            except Exception as e:  # noqa: BLE001
                msg = f"{type(e).__name__}: {e}"
            reader.close()  # abandons, never joins the parent's threads
            os.write(write_fd, msg.encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        msg = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert "created in another process" in msg, msg
    assert next(reader).key == "forkr/b"  # the parent's reader is unaffected
    reader.close()


def test_pickle_client_rebuilds_from_configuration(mock, s3, bucket):
    s3.put_object(bucket, "p", b"pickled")
    s3.get_object(bucket, "p")  # started in this process
    again = pickle.loads(pickle.dumps(s3))
    assert isinstance(again, s3ml.Client) and not again.started
    assert again._config() == s3._config()
    assert bytes(again.get_object(bucket, "p").body) == b"pickled"
    ds = s3ml.Dataset(f"s3://{bucket}/p", client=s3, shuffle=True, seed=4)
    ds2 = pickle.loads(pickle.dumps(ds))
    assert [x.key for x in ds2] == ["p"] and ds2.client._config() == s3._config()
    assert pickle.loads(pickle.dumps(s3ml.Manifest("s3://b/m.txt"))).location == "s3://b/m.txt"


def test_import_is_lazy_about_torch():
    code = "import sys, s3ml; print('torch' in sys.modules); s3ml.Client; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr
