"""The installed `s3ml` package: it holds every module of bindings/python/s3ml (also the
s3ml.torch package's), `import s3ml` leaves torch alone until s3ml.torch is used, and
s3ml.torch offers exactly its public names under that module's name."""

from __future__ import annotations

import pathlib
import pickle
import subprocess
import sys

import pytest

import s3ml

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "bindings" / "python" / "s3ml"
INSTALLED = pathlib.Path(s3ml.__file__).parent

TORCH_PUBLIC = ["S3IterableDataset", "S3MapDataset", "DataLoader", "ObjectSample", "sample_to_dict",
                "sample_to_tensors", "save", "load"]


def test_installed_package_has_every_source_module():
    if INSTALLED == SOURCE:
        pytest.skip("s3ml is imported from the source tree, not from an installed package")
    wanted = sorted(p.relative_to(SOURCE) for p in SOURCE.rglob("*")
                    if p.suffix in (".py", ".pyi", ".typed") and "__pycache__" not in p.parts)
    assert pathlib.Path("torch/__init__.py") in wanted and pathlib.Path("torch/resume.py") in wanted
    missing = [str(p) for p in wanted if not (INSTALLED / p).is_file()]
    assert not missing, f"not installed by `pip install .`: {missing}"
    assert not (INSTALLED / "torch.py").exists(), "s3ml/torch.py is now the s3ml/torch/ package"


def test_s3ml_torch_is_imported_on_first_access_only():
    code = ("import importlib.util, sys, s3ml\n"
            "print('torch' in sys.modules, 's3ml.torch' in sys.modules)\n"
            "if importlib.util.find_spec('torch') is None:\n"
            "    print('no-torch'); raise SystemExit\n"
            "m = s3ml.torch\n"
            "print(m.__name__, 'torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "False False"
    if lines[1:] == ["no-torch"]:
        pytest.skip("torch is not installed")
    assert lines[1:] == ["s3ml.torch True"]


def test_s3ml_torch_public_names_are_the_same_and_live_under_s3ml_torch():
    try:
        import s3ml.torch as st
    except ImportError:
        pytest.skip("torch is not installed")
    assert st.__all__ == TORCH_PUBLIC
    for name in TORCH_PUBLIC:
        assert getattr(st, name).__module__ == "s3ml.torch", name
    # Transforms travel to spawned DataLoader workers by name.
    assert pickle.loads(pickle.dumps(st.sample_to_dict)) is st.sample_to_dict
    assert "torch" in dir(s3ml) and s3ml.torch is st
