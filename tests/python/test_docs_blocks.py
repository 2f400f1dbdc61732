"""Every ```python block of README.md and docs/*.md runs as written, each in a fresh
interpreter started outside the repository (so `import s3ml` is the installed package).

The blocks are read from the documents themselves by tests/docs/doc_blocks.py, whose
docstring holds the rules: a block that imports s3ml is a complete program; any other
block is a fragment run after that module's PY_PRELUDE (a mock server, its client `s3`, a
bucket of tar shards, `ds`, `model`, `uri`); a block preceded by
`<!-- doc-test: skip: <reason> -->` is reported as skipped with that reason.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "docs"))
import doc_blocks  # noqa: E402

BLOCKS = doc_blocks.blocks(ROOT, "python")
_README = [b for b in BLOCKS if b.path == "README.md"]
README_QUICK_START = next((b for b in _README if "s3ml.MockServer" in b.code and "torch" not in b.code), None)
README_PYTORCH_QUICK_START = next((b for b in _README if "s3ml.torch" in b.code), None)

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except Exception:  # pragma: no cover - depends on the machine
    HAVE_TORCH = False


def _importable(module):
    try:
        __import__(module)
        return True
    except Exception:  # pragma: no cover - depends on the machine
        return False


# Blocks of features newer than Debian's torch 1.13 (the second, torch 1.13 pass of make test).
_NEEDS = [("torch.distributed.checkpoint", "torch >= 2.2 (torch.distributed.checkpoint)"),
          ("lightning", "the lightning package")]


def missing_requirement(block):
    for module, what in _NEEDS:
        if module in block.code and not (HAVE_TORCH and _importable(module)):
            return what
    return None


def run_block(block, tmp_path):
    script = tmp_path / f"{block.name}.py"
    script.write_text(doc_blocks.python_source(block))
    return subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=240)


def needs_torch(block):
    return not block.is_python_program or "torch" in block.code


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.path}:{b.line}" for b in BLOCKS])
def test_docs_python_block_runs_as_written(block, tmp_path):
    if block.skip_reason:
        pytest.skip(f"{block.path}:{block.line}: {block.skip_reason}")
    if needs_torch(block) and not HAVE_TORCH:
        pytest.skip(f"SKIPPED LOUDLY: torch is not importable in this interpreter; {block.path}:{block.line} "
                    "did not run (make test provides python3-torch)")
    missing = missing_requirement(block)
    if missing:
        pytest.skip(f"{block.path}:{block.line} needs {missing}; it runs in the torch 2.x pass of make test "
                    "(build/venv-torch2)")
    proc = run_block(block, tmp_path)
    assert proc.returncode == 0, (f"{block.path}:{block.line} failed\nstdout:\n{proc.stdout}\n"
                                  f"stderr:\n{proc.stderr}")
    if block is README_QUICK_START:  # prints what the README's comments promise
        lines = proc.stdout.strip().splitlines()
        assert lines[0].startswith("b'hello' {'step': '1'} ['hello.txt']"), proc.stdout
        assert lines[1] == "NoSuchKey 404 GetObject", proc.stdout
    if block is README_PYTORCH_QUICK_START:  # trained, saved and reloaded its checkpoint
        assert proc.stdout.strip().endswith("ok"), proc.stdout


def test_docs_every_python_block_is_found_and_skips_say_why():
    by_file = {}
    for b in BLOCKS:
        by_file.setdefault(b.path, []).append(b)
    # The README keeps a Python and a PyTorch quick start, and the guides are covered.
    assert README_QUICK_START is not None and README_PYTORCH_QUICK_START is not None
    assert "docs/python.md" in by_file and "docs/pytorch.md" in by_file
    for b in BLOCKS:
        if b.marker and b.marker.startswith("skip"):
            assert b.skip_reason, f"{b.path}:{b.line}: a skipped block must say why"
