"""Type checking: the package's stubs and __all__ let `mypy --strict` check user code,
and the examples and these tests type-check (mypy, the version in requirements.txt)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (tests/python/requirements.txt)")

ROOT = Path(__file__).resolve().parents[2]

# Public modules that must not hand out helper names (typing's Any, io, ...) through `import *`.
PUBLIC_MODULES = ["s3ml", "s3ml.errors", "s3ml.client", "s3ml.checkpoint", "s3ml.dataset", "s3ml.mock",
                  "s3ml.fsspec"]


def _mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # Run outside the repository so that `import s3ml` is the installed (typed) package.
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                           *args], cwd=str(tmp_path), capture_output=True, text=True, timeout=600)


def test_mypy_strict_accepts_user_code_of_the_public_api(tmp_path):
    (tmp_path / "user.py").write_text(textwrap.dedent("""
        import s3ml

        def size_of(client: s3ml.Client, bucket: str, key: str) -> int:
            try:
                return client.head_object(bucket, key).object_size
            except s3ml.NoSuchKey as e:
                code: str = e.response["Error"]["Code"]
                return -len(code)
            except s3ml.S3Error as e:
                return -e.status

        c = s3ml.Client(unsigned=True)
        it = c.list_objects("b", delimiter="/")
        prefixes: list[str] = it.common_prefixes
        bodies = c.get_objects([("b", "k"), ("b", "k", (0, 9))], concurrency=4)
        err: type[s3ml.S3Error] = s3ml.error_class_for_code("SlowDown")
        print(size_of(c, "b", "k"), prefixes, bodies, err, s3ml.InvalidRange, s3ml.CorruptDataError)
    """))
    proc = _mypy(tmp_path, "--strict", "user.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_sees_exception_classes_as_classes_not_any(tmp_path):
    # If s3ml.NoSuchKey were Any (classes made at run time), this would pass silently.
    (tmp_path / "wrong.py").write_text("import s3ml\nx: int = s3ml.NoSuchKey\ny: int = s3ml.Client()\n")
    proc = _mypy(tmp_path, "--strict", "wrong.py")
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.count("Incompatible types in assignment") == 2, proc.stdout


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_export_only_their_own_names(name):
    if name == "s3ml.fsspec":
        pytest.importorskip("fsspec")
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for export in module.__all__:
        assert hasattr(module, export), f"{name}.__all__ names {export!r}, which it does not define"
    namespace: dict = {}
    exec(f"from {name} import *", namespace)
    stray = {"Any", "Dict", "List", "Optional", "Tuple", "Union", "io", "os", "importlib", "annotations"}
    assert not stray & set(namespace), f"`from {name} import *` hands out {sorted(stray & set(namespace))}"


def test_the_package_exports_every_exception_class_and_errors_all_names_every_code():
    import s3ml
    import s3ml.errors as errors
    assert set(errors.__all__) <= set(s3ml.__all__)
    assert set(errors._BY_CODE) <= set(errors.__all__)
    assert all(isinstance(getattr(s3ml, n), type) for n in errors.__all__ if n != "error_class_for_code")


def test_mypy_checks_the_examples_and_the_python_tests(tmp_path):
    targets = [str(p) for p in sorted((ROOT / "examples" / "python").glob("*.py"))]
    targets += [str(p) for p in sorted((ROOT / "tests" / "python").glob("*.py"))]
    # Debian's torch 1.13 is only partly annotated: its names are taken as Any here. The torch
    # tests get torch from import_torch_or_skip() (a variable, so `class X(torch.nn.Module)`
    # names no class mypy can see).
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nignore_missing_imports = True\n\n[mypy-torch.*]\nfollow_imports = skip\n\n"
        "[mypy-test_torch_resume,test_torch_checkpoint]\ndisable_error_code = name-defined\n")
    proc = _mypy(tmp_path, "--config-file", str(tmp_path / "mypy.ini"), "--follow-imports=silent",
                 "--explicit-package-bases", *targets)
    assert proc.returncode == 0, proc.stdout + proc.stderr
