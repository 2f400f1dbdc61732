"""Conan 2 recipe for s3ml (README.md, "Install" -> "Conan").

    conan create . --build=missing                      # with a remote (ConanCenter)
    bash packaging/conan/check.sh                       # offline: `make package-check`

The requirements are ConanCenter's names with version ranges. On a machine without a
remote they resolve to the wrapper recipes of packaging/conan/system/, which describe
Debian's packages instead of building them (check.sh exports them first).

Options and the CMake switches they set (CMakeLists.txt):
    with_cli     S3ML_BUILD_TOOLS   the `s3ml` command-line tool in bin/ (needs CLI11), put
                                    on PATH by the run environment
    with_python  S3ML_BUILD_PYTHON  the Python package (s3ml._core + the pure-Python
                                    modules) in lib/python, put on PYTHONPATH by the run
                                    environment; for the Python that `python3` is (or the
                                    conf user.s3ml:python), whose X.Y is in the package id
No `shared` option: every layer is `add_library(... STATIC)` (BUILD_SHARED_LIBS is not
honoured), and no `fPIC`: CMakeLists.txt always sets CMAKE_POSITION_INDEPENDENT_CODE.
No `with_mock`: the mock server (s3ml::mock) has no CMake switch; it is always built and
installed, and the CLI, the tests and the Python package link it.
"""
import os
import re
import shutil
import subprocess

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.gnu import PkgConfigDeps
from conan.tools.files import copy, load, rename, rmdir

required_conan_version = ">=2.0"


class S3mlConan(ConanFile):
    name = "s3ml"
    description = "C++17 client SDK for S3-backed machine-learning datasets, with an in-process mock S3 server"
    license = "Apache-2.0"
    topics = ("s3", "aws", "machine-learning", "dataset", "object-storage")
    package_type = "static-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_cli": [True, False], "with_python": [True, False]}
    default_options = {"with_cli": False, "with_python": False}
    # What the build needs, and no more: tests/, examples/, bench/ and the build trees stay out.
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "src/*", "tools/*",
                       "bindings/python/CMakeLists.txt", "bindings/python/src/*", "bindings/python/s3ml/*",
                       "!*/__pycache__/*", "!*.pyc")

    def set_version(self):
        # The one version number is project(s3ml VERSION x.y.z) in CMakeLists.txt.
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        m = re.search(r"project\s*\(\s*s3ml\s+VERSION\s+([0-9]+(?:\.[0-9]+)*)", text)
        if not m:
            raise ConanInvalidConfiguration("no project(s3ml VERSION x.y.z) in CMakeLists.txt")
        self.version = m.group(1)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # The ranges cover Debian 12's versions and ConanCenter's current ones.
        self.requires("openssl/[>=3 <4]")          # EVP_MAC (HMAC), digests
        self.requires("libcurl/[>=7.78 <9]")
        self.requires("pugixml/[>=1.11 <2]")
        self.requires("zlib/[>=1.2.11 <2]")
        self.requires("nlohmann_json/[>=3.9 <4]")
        self.requires("libarchive/[>=3.5 <4]")
        self.requires("cpp-httplib/[>=0.11 <1]")   # the mock server
        if self.options.with_cli:
            self.requires("cli11/[>=2.1 <3]", visible=False)
        if self.options.with_python:
            self.requires("pybind11/[>=2.10 <3]", visible=False)

    def validate(self):
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 17)
        if self.settings.os == "Windows":
            raise ConanInvalidConfiguration("s3ml is built and tested on Linux (POSIX files, fork safety)")

    def _python(self):
        return self.conf.get("user.s3ml:python", default=shutil.which("python3") or "python3")

    def package_id(self):
        if self.info.options.with_python:
            # The extension module is built for one CPython X.Y (its ABI tag).
            out = subprocess.run([self._python(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True)
            self.info.options.with_python = f"cpython-{out.stdout.strip() or 'unknown'}"

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["S3ML_BUILD_TESTS"] = False
        tc.cache_variables["S3ML_BUILD_EXAMPLES"] = False
        tc.cache_variables["S3ML_FUZZ"] = False
        tc.cache_variables["S3ML_WERROR"] = False
        tc.cache_variables["S3ML_BUILD_TOOLS"] = bool(self.options.with_cli)
        tc.cache_variables["S3ML_BUILD_PYTHON"] = bool(self.options.with_python)
        if self.options.with_python:
            tc.cache_variables["Python_EXECUTABLE"] = self._python()
        tc.generate()
        CMakeDeps(self).generate()
        # cmake/S3mlHttplib.cmake finds cpp-httplib with pkg-config (Debian ships no CMake
        # package for it); the toolchain puts these .pc files first on PKG_CONFIG_PATH, so
        # ConanCenter's cpp-httplib is found the same way.
        PkgConfigDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Consumers get the CMake config and .pc files that CMakeDeps and PkgConfigDeps
        # generate from package_info() (same file, target and module names), not the
        # project's own, which find their dependencies on the system.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))
        if self.options.with_python:
            # install() puts s3ml/_core*.so at the prefix's top (the wheel's layout); a
            # complete package goes to lib/python/s3ml with the pure-Python modules.
            pydir = os.path.join(self.package_folder, "lib", "python")
            os.makedirs(pydir, exist_ok=True)
            rename(self, os.path.join(self.package_folder, "s3ml"), os.path.join(pydir, "s3ml"))
            copy(self, "*", os.path.join(self.source_folder, "bindings", "python", "s3ml"),
                 os.path.join(pydir, "s3ml"), excludes=("__pycache__/*", "*.pyc"))

    def package_info(self):
        # Mirrors the installed CMake package (CMakeLists.txt, install(EXPORT s3mlTargets)):
        # one static library per layer, exported as s3ml::layer_<name>, and the two public
        # targets s3ml::s3ml and s3ml::mock; and the .pc files s3ml and s3ml-mock.
        self.cpp_info.set_property("cmake_file_name", "s3ml")
        # CMakeDeps' aggregate of every component: not a target of the CMake package, and it
        # would pull in the mock; use s3ml::s3ml and s3ml::mock.
        self.cpp_info.set_property("cmake_target_name", "s3ml::s3ml_all_components")
        self.cpp_info.set_property("pkg_config_name", "s3ml-all-components")

        def layer(name, requires, system_libs=()):
            comp = self.cpp_info.components[f"layer_{name}"]
            comp.libs = [f"s3ml_{name}"]
            comp.requires = list(requires)
            comp.system_libs = list(system_libs)
            comp.set_property("cmake_target_name", f"s3ml::layer_{name}")
            comp.set_property("pkg_config_name", f"s3ml-layer-{name}")
            return comp

        # The PUBLIC and PRIVATE links of each s3ml_layer() call: the libraries are static,
        # so a private dependency is still linked by the consumer.
        layer("common", ["openssl::crypto", "zlib::zlib"], ["pthread"])
        layer("auth", ["layer_common", "openssl::crypto", "nlohmann_json::nlohmann_json"])
        layer("transport", ["layer_auth", "libcurl::libcurl"])
        layer("ops", ["layer_transport", "layer_select", "pugixml::pugixml"])
        layer("select", ["layer_common", "nlohmann_json::nlohmann_json", "zlib::zlib"])
        layer("client", ["layer_ops", "layer_select", "libcurl::libcurl"])
        layer("transfer", ["layer_client"], ["pthread"])
        layer("dataset", ["layer_transfer", "libarchive::libarchive", "nlohmann_json::nlohmann_json"], ["pthread"])
        layer("mock", ["layer_auth", "layer_select", "cpp-httplib::cpp-httplib", "pugixml::pugixml",
                       "openssl::crypto", "zlib::zlib", "nlohmann_json::nlohmann_json"])

        s3ml = self.cpp_info.components["s3ml"]
        s3ml.requires = ["layer_client", "layer_transfer", "layer_dataset"]
        s3ml.set_property("cmake_target_name", "s3ml::s3ml")
        s3ml.set_property("pkg_config_name", "s3ml")
        mock = self.cpp_info.components["mock"]
        mock.requires = ["layer_mock"]
        mock.set_property("cmake_target_name", "s3ml::mock")
        mock.set_property("pkg_config_name", "s3ml-mock")
        for comp in (s3ml, mock):   # interface targets: headers only, the layers carry the libs
            comp.libdirs = []
            comp.bindirs = []

        # A static library is not a "run" requirement, so Conan puts neither on the run
        # environment (conanrun.sh) by itself.
        if self.options.with_cli:
            self.runenv_info.prepend_path("PATH", os.path.join(self.package_folder, "bin"))
        if self.options.with_python:
            self.runenv_info.prepend_path("PYTHONPATH", os.path.join(self.package_folder, "lib", "python"))
