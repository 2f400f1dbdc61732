"""The type stubs (_core.pyi) name exactly what the native module defines, with the same
parameter names; the package ships py.typed."""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import s3ml
from s3ml import _core

PKG = pathlib.Path(s3ml.__file__).parent
IGNORED = {"_pybind11_conduit_v1_"}


def stub_tree():
    return ast.parse((PKG / "_core.pyi").read_text())


def public(names):
    return {n for n in names if (not n.startswith("__") or n in ("__version__",)) and n not in IGNORED}


def stub_params(fn: ast.FunctionDef):
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if names and names[0] == "self":
        names = names[1:]
    if a.kwonlyargs:
        names += ["*"] + [x.arg for x in a.kwonlyargs]
    return names


def native_params(obj):
    """Parameter names from pybind11's signature line ("name(self: T, a: int = 1, *, b: str) -> R")."""
    doc = (obj.__doc__ or "").splitlines()[0]
    m = re.match(r"^\w+\((.*)\)\s*->", doc)
    assert m, f"no signature in {doc!r}"
    depth, cur, parts, quote = 0, "", [], None
    for ch in m.group(1):
        if quote:
            quote = None if ch == quote else quote
            cur += ch
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    names = [p.split(":")[0].split("=")[0].strip() for p in parts]
    return [n for n in names if n != "self"]


def test_stubs_module_names_match_the_native_module():
    tree = stub_tree()
    declared = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    declared = {n for n in declared if not n.startswith("_") or n in ("_raise_status", "__version__")}
    actual = {n for n in public(dir(_core)) if n not in ("__doc__",)}
    actual = {n for n in actual if not n.startswith("_") or n in ("_raise_status", "__version__")}
    assert declared == actual


def test_stubs_class_members_and_signatures_match():
    mismatches = []
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(_core, node.name)
        stub_members = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                stub_members.setdefault(item.name, item)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                stub_members[item.target.id] = None
        real = public(vars(cls))
        declared = public(stub_members)
        if real != declared:
            mismatches.append(f"{node.name}: only in stub {sorted(declared - real)}, "
                              f"only in module {sorted(real - declared)}")
            continue
        for name, fn in stub_members.items():
            if fn is None or name.startswith("__"):
                continue
            obj = vars(cls)[name]
            if isinstance(obj, property):
                continue
            if "Overloaded function" in (obj.__doc__ or ""):
                continue
            if stub_params(fn) != native_params(obj):
                mismatches.append(f"{node.name}.{name}: stub {stub_params(fn)} != module {native_params(obj)}")
    assert not mismatches, "\n".join(mismatches)


def test_stubs_module_functions_have_the_same_parameters():
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            assert stub_params(node) == native_params(getattr(_core, node.name)), node.name


def test_package_is_typed_and_reexports_the_api():
    assert (PKG / "py.typed").exists()
    for name in ("Client", "MockServer", "Dataset", "Reader", "Sample", "Manifest", "Buffer", "S3Error",
                 "NoSuchKey", "CredentialsError", "TransportError"):
        assert hasattr(s3ml, name), name
    assert s3ml.__version__ == _core.__version__ and re.match(r"^\d+\.\d+\.\d+", s3ml.__version__)
    assert inspect.isclass(s3ml.Client) and issubclass(s3ml.Client, _core.Client)
