"""Packaging: an sdist and a wheel build from the repository, and the wheel installs into a
fresh venv where `import s3ml` works from any directory. Slow (reuses the incremental
build tree build/py/<wheel tag> of `pip install .`; from scratch it compiles everything)."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(cmd, **kw):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1800, **kw)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_wheel_installs_into_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    try:
        import build  # noqa: F401
        have_build = True
    except ImportError:
        have_build = False
    # The wheel: scikit-build-core + pybind11 from this environment (no network needed).
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", dist],
        cwd=ROOT)
    wheels = list(dist.glob("s3ml-*.whl"))
    assert len(wheels) == 1, wheels
    names = zipfile.ZipFile(wheels[0]).namelist()
    for member in ("s3ml/__init__.py", "s3ml/py.typed", "s3ml/_core.pyi", "s3ml/errors.py"):
        assert member in names, member
    assert any(n.startswith("s3ml/_core.") and n.endswith(".so") for n in names)
    assert not any(n.endswith(".h") or n.endswith(".a") for n in names), "C++ files leaked into the wheel"
    if have_build:
        run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", dist], cwd=ROOT)
        sdists = list(dist.glob("s3ml-*.tar.gz"))
        assert len(sdists) == 1
        members = tarfile.open(sdists[0]).getnames()
        top = members[0].split("/")[0]
        for f in ("pyproject.toml", "CMakeLists.txt", "bindings/python/src/module.cc", "include/s3ml/client.h"):
            assert f"{top}/{f}" in members, f

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    site = run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout
    # Install with this environment's pip into the fresh venv (no network, no index).
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", site.strip(),
         wheels[0]])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import s3ml, sys, pathlib\n"
        "assert pathlib.Path(s3ml.__file__).is_relative_to(pathlib.Path(sys.prefix)), s3ml.__file__\n"
        "with s3ml.MockServer() as m:\n"
        "    c = m.client()\n"
        "    c.create_bucket('wheel-test')\n"
        "    c.put_object('wheel-test', 'k', b'from the wheel')\n"
        "    print(bytes(c.get_object('wheel-test', 'k').body).decode(), s3ml.__version__)\n"
    )
    out = run([venv / "bin" / "python", "-c", code], cwd=elsewhere)
    assert out.stdout.startswith("from the wheel ")
