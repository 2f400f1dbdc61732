"""Extracts the ```cpp and ```python blocks of README.md and docs/*.md, so the code the
documentation shows is the code the tests build and run (there is no copy to drift).

The rules (also in docs/contributing-docs.md):

* A block is taken as written. The only annotation is an HTML comment on the line just
  before the opening fence (invisible on a rendered page):
    <!-- doc-test: skip: <reason> -->   the block is neither built nor run; the reason is
                                         mandatory and says why (e.g. "needs real AWS");
    <!-- doc-test: file-scope -->        (C++ fragments) the block holds declarations or
                                         function definitions: it is compiled at namespace
                                         scope instead of inside a function body.
* C++: a block with a line starting `int main(` is a complete program. It is compiled as
  written with AddressSanitizer and UBSan, linked against s3ml::s3ml and s3ml::mock, and
  run: a program that includes <s3ml/mock/server.h> brings its own server; any other
  program (the README's main example) is run against an `s3ml serve` process, with the
  AWS_* environment pointing at it, the bucket `train` created and a small
  `shard-000.tar` in its working directory. It must exit 0.
* C++: any other block is a fragment. Its `#include` lines move to file scope; the rest is
  compiled and linked as the body of a function returning s3ml::Status, whose parameters
  are the names fragments use without declaring them (see CPP_CONTEXT below): `client`,
  `server`, `put`, `bytes`, `key32`, `rank`, `world`, `epoch`, and `Consume(data, n)`.
  Ignoring a [[nodiscard]] result is an error there (-Werror=unused-result).
* Python: a block that imports s3ml itself is a complete program, run as written in a
  fresh interpreter. Any other block is a fragment, run after PY_PRELUDE (below), which
  prepares `s3ml`, `st` (s3ml.torch), `torch`, `np`, a running `server` (s3ml.MockServer)
  and its client `s3`, the AWS_* environment pointing at it (so `s3ml.Client()` and the
  client-less `st.save/load` reach it), a bucket `bucket` holding the tar shards
  `train/shard-0000.tar` .. `train/shard-0099.tar` (fields `cls` and `jpg`), a dataset
  `ds` over them, a `model` and a checkpoint `uri`.

Run as a script, it writes the generated C++ sources for tests/docs/CMakeLists.txt:
  doc_blocks.py cpp --root <repo> --out <dir>
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$")
FENCE_OPEN = re.compile(r"^```\s*([A-Za-z0-9_+-]+)")


@dataclass
class Block:
    path: str          # relative to the repository root, e.g. "docs/lifecycle.md"
    line: int          # 1-based line of the block's first code line
    lang: str          # "cpp" or "python"
    code: str
    marker: Optional[str]

    @property
    def name(self) -> str:
        stem = re.sub(r"[^A-Za-z0-9]+", "_", Path(self.path).stem).strip("_").lower()
        return f"{stem}_l{self.line}"

    @property
    def skip_reason(self) -> Optional[str]:
        if self.marker and self.marker.startswith("skip"):
            reason = self.marker[len("skip"):].lstrip(":").strip()
            if not reason:
                raise ValueError(f"{self.path}:{self.line - 1}: `doc-test: skip` needs a reason")
            return reason
        return None

    @property
    def file_scope(self) -> bool:
        return self.marker == "file-scope"

    @property
    def is_cpp_program(self) -> bool:
        return self.lang == "cpp" and re.search(r"^int main\(", self.code, re.M) is not None

    @property
    def is_python_program(self) -> bool:
        return self.lang == "python" and re.search(r"^(import|from) s3ml\b", self.code, re.M) is not None


def doc_files(root: Path) -> List[Path]:
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


def blocks(root: Path, lang: str) -> List[Block]:
    out = []
    for md in doc_files(root):
        lines = md.read_text(encoding="utf-8").split("\n")
        rel = md.relative_to(root).as_posix()
        i = 0
        while i < len(lines):
            m = FENCE_OPEN.match(lines[i])
            if not m:
                i += 1
                continue
            start = i
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            if m.group(1) == lang:
                prev = lines[start - 1] if start > 0 else ""
                mk = MARKER.match(prev)
                marker = mk.group(1) if mk else None
                if marker is not None and not (marker == "file-scope" or marker.startswith("skip")):
                    raise ValueError(f"{rel}:{start}: unknown doc-test marker {marker!r}")
                out.append(Block(rel, start + 2, lang, "\n".join(lines[start + 1:j]) + "\n", marker))
            i = j + 1
    return out


# ---- C++ -------------------------------------------------------------------------------

# The names a C++ fragment may use without declaring them: the wrapper's parameters.
CPP_CONTEXT = ("s3ml::Client& client, std::unique_ptr<s3ml::mock::MockS3Server>& server, "
               "s3ml::PutObjectRequest& put, const std::string& bytes, const std::string& key32, "
               "int rank, int world, int epoch")

CPP_PRELUDE = """\
// Generated by tests/docs/doc_blocks.py from README.md and docs/*.md: do not edit.
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <s3ml/mock/server.h>
#include <s3ml/s3ml.h>
"""


def cpp_quote(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_includes(b: Block):
    """(include lines with #line directives, body with a #line directive)."""
    includes, body = [], []
    for k, text in enumerate(b.code.split("\n")):
        if text.lstrip().startswith("#include"):
            includes.append(f"#line {b.line + k} {cpp_quote(b.path)}\n{text}\n")
            body.append("")  # keeps the body's line numbers
        else:
            body.append(text)
    return includes, f"#line {b.line} {cpp_quote(b.path)}\n" + "\n".join(body)


def cpp_fragments_source(bs: List[Block]) -> str:
    head, scoped, funcs, names = [CPP_PRELUDE], [], [], []
    for b in bs:
        incs, body = split_includes(b)
        head.extend(incs)
        if b.file_scope:
            scoped.append(f"// {b.path}:{b.line} (file-scope)\n{body}\n")
        else:
            fn = f"DocFragment_{b.name}"
            names.append(fn)
            funcs.append(f"// {b.path}:{b.line}\n"
                         f"[[maybe_unused]] static s3ml::Status {fn}({CPP_CONTEXT}) {{\n  {{\n"
                         f"{body}\n"
                         f"  }}\n  return s3ml::Status::Ok();\n}}\n")
    context = ("namespace {\n"
               "// Where a fragment hands bytes to the reader's own code.\n"
               "[[maybe_unused]] void Consume(const char*, std::size_t) {}\n"
               "}  // namespace\n")
    table = ("using DocFragment = s3ml::Status (*)(" + CPP_CONTEXT + ");\n"
             "// Referenced so that every fragment is compiled and linked; none is run.\n"
             "DocFragment volatile kDocFragments[] = {" + ", ".join(names) + "};\n"
             "int main() { return sizeof(kDocFragments) > 0 ? 0 : 1; }\n")
    return "\n".join(head) + "\n" + context + "\n" + "\n".join(scoped) + "\n" + "\n".join(funcs) + "\n" + table


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate_cpp(root: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cpp = [b for b in blocks(root, "cpp") if b.skip_reason is None]
    programs = [b for b in cpp if b.is_cpp_program]
    fragments = [b for b in cpp if not b.is_cpp_program]
    write_if_changed(out / "fragments.cc", cpp_fragments_source(fragments))
    listing = []
    for b in programs:
        src = out / f"program_{b.name}.cc"
        write_if_changed(src, f"#line {b.line} {cpp_quote(b.path)}\n{b.code}")
        mode = "mock" if "s3ml/mock/server.h" in b.code else "serve"
        listing.append(f"{b.name}|{src.as_posix()}|{mode}|{b.path}:{b.line}")
    write_if_changed(out / "programs.txt", "\n".join(listing) + "\n")
    write_if_changed(out / "summary.txt", f"{len(programs)} programs, {len(fragments)} fragments, "
                     f"{sum(1 for b in blocks(root, 'cpp') if b.skip_reason)} skipped\n")


# ---- Python ----------------------------------------------------------------------------

# Runs before every Python fragment (a block that does not import s3ml itself).
PY_PRELUDE = '''\
import io, os, tarfile
import numpy as np
import torch
import s3ml
import s3ml.torch as st

server = s3ml.MockServer()
server.__enter__()
os.environ.update({"AWS_ENDPOINT_URL": server.endpoint_url, "AWS_ACCESS_KEY_ID": server.access_key,
                   "AWS_SECRET_ACCESS_KEY": server.secret_key, "AWS_REGION": server.region})
for _v in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_v, None)
s3 = server.client()
s3.create_bucket("bucket")


def _tar(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name); info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


for _s in range(100):
    s3.put_object("bucket", f"train/shard-{_s:04d}.tar",
                  _tar([(f"{_s}-0.cls", str(_s % 2).encode()), (f"{_s}-0.jpg", bytes(16))]))


def _label(sample):
    return int(bytes(sample["cls"]))


ds = st.S3IterableDataset("s3://bucket/train/", format="tar", transform=_label, client=s3)
model = torch.nn.Linear(8, 2)
uri = "s3://bucket/ckpt/doc.pt"
'''


def python_source(b: Block) -> str:
    """The script that runs block `b` (with PY_PRELUDE before a fragment)."""
    if b.is_python_program:
        return b.code
    return PY_PRELUDE + f"# ---- {b.path}:{b.line}\n" + b.code


def main(argv) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("lang", choices=["cpp"])
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    try:
        generate_cpp(a.root, a.out)
    except ValueError as e:
        print(f"doc_blocks.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
