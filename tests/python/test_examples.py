"""Runs the Python examples in examples/python as a user would (one command each,
against the in-process mock) and checks their exit status and key output lines."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:  # pragma: no cover
    HAVE_TORCH = False

needs_torch = pytest.mark.skipif(
    not HAVE_TORCH,
    reason="*** TORCH IS NOT INSTALLED: the PyTorch examples are SKIPPED. Install Debian's python3-torch "
           "and use a venv made with --system-site-packages. ***")


def run_example(name, timeout=240):
    env = dict(os.environ)
    # Examples must not depend on a user's AWS configuration.
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


@needs_torch
def test_pytorch_train_example():
    out = run_example("pytorch_train.py")
    assert "uploaded 8 shards x 64 samples" in out
    assert "epoch 0: samples=512" in out and "epoch 1: samples=512" in out
    assert "checkpoint round trip OK: every tensor identical" in out


def test_tabular_select_example():
    pytest.importorskip("numpy", reason="numpy is needed by the tabular example")
    out = run_example("tabular_select.py")
    assert "S3 Select (server-side):" in out and "local engine (fallback):" in out
    assert "arrays agree" in out


@needs_torch
def test_model_registry_example():
    out = run_example("model_registry.py")
    assert "4 versions (newest first):" in out
    assert "best by loss: step 50 " in out
    assert "rolled back: latest is now step 50 " in out and "5 versions kept" in out


@needs_torch
def test_docs_pytorch_quick_start_runs_as_written(tmp_path):
    """The first ```python block of docs/pytorch.md is the PyTorch quick start."""
    text = (ROOT / "docs" / "pytorch.md").read_text()
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    script = tmp_path / "quick_start.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stdout.strip().endswith("ok")
