"""test_package of the s3ml recipe: a CMake consumer of s3ml::s3ml and s3ml::mock.

`conan create . -tf packaging/conan/test_package` (packaging/conan/check.sh) builds it
against the package just made and runs it: an in-process mock S3 server, a put/get round
trip; a non-zero exit fails `conan create`. With -o s3ml/*:with_cli=True it also runs
`s3ml --version`; with with_python=True, a round trip through the Python package.
"""
import os
from io import StringIO

from conan import ConanFile
from conan.errors import ConanException
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class S3mlTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.user_presets_path = False   # no CMakeUserPresets.json in the source tree
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        self.run(os.path.join(self.cpp.build.bindir, "s3ml_test_package"), env="conanrun")
        s3ml = self.dependencies["s3ml"]
        if s3ml.options.with_cli:
            out = StringIO()
            self.run("s3ml --version", stdout=out, env="conanrun")   # on PATH through conanrun
            if out.getvalue().strip() != str(s3ml.ref.version):
                raise ConanException(f"s3ml --version printed {out.getvalue()!r}, expected {s3ml.ref.version}")
            self.output.info(f"s3ml CLI --version: {out.getvalue().strip()}")
        if s3ml.options.with_python:
            python = self.conf.get("user.s3ml:python", default="python3")
            script = ("import s3ml\n"
                      "with s3ml.MockServer() as server:\n"
                      "    s3 = server.client()\n"
                      "    s3.create_bucket('conan')\n"
                      "    s3.put_object('conan', 'k', b'hello from python')\n"
                      "    body = bytes(s3.get_object('conan', 'k').body)\n"
                      "    assert body == b'hello from python', body\n"
                      "    print('s3ml python package OK:', body.decode(), s3ml.__file__)\n")
            self.run(f'{python} -c "{script}"', env="conanrun")
