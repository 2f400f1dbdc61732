"""Shared code of the offline wrapper recipes in packaging/conan/system/.

Each wrapper describes a library that Debian installs (headers in /usr/include, libraries
in the default linker path) instead of building it, so that `conan create` works on a
machine without a Conan remote. The wrappers take the name, CMake file and target names
of ConanCenter's recipes, and Debian's upstream version, so the s3ml recipe's `requires`
(version ranges) resolve to ConanCenter's recipes unchanged when a remote exists.

A wrapper builds nothing and packages nothing: its package id is empty, and the package
only carries `package_info()`. Where Debian ships a CMake package or CMake has a find
module, CMakeDeps is told to generate nothing (`cmake_find_mode` "none") and
`find_package()` finds the system's own.
"""
import glob
import os
import re
import shutil
import subprocess

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.files import save
from conan.tools.system.package_manager import Apt


def debian_upstream_version(package):
    """Upstream part of an installed Debian package's version: 1:1.2.13.dfsg-1 -> 1.2.13."""
    if shutil.which("dpkg-query") is None:
        raise ConanException(
            f"the offline wrapper recipes describe Debian packages, and dpkg-query is missing: "
            f"on this system use ConanCenter's recipes (a remote) instead of packaging/conan/system")
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}|${Version}", package],
                         capture_output=True, text=True)
    status, _, version = out.stdout.partition("|")
    if out.returncode != 0 or "ok installed" not in status:
        raise ConanException(
            f"Debian package {package} is not installed: apt-get install -y {package} (or `make deps`)")
    m = re.match(r"^(?:\d+:)?(\d+(?:\.\d+)*)", version)
    if not m:
        raise ConanException(f"cannot read an upstream version from {package} {version!r}")
    return m.group(1)


class DebianSystemPackage:
    """Base of a wrapper (python_requires_extend = "s3ml-debian-system.DebianSystemPackage").

    A wrapper sets `name`, `debian_package` (the -dev package), `debian_headers` (paths
    under /usr/include that must exist) and the names ConanCenter's recipe of the same
    name declares: `cmake_file_name`, `cmake_target_name`, `pkg_config_name` and
    `system_libs`. `cmake_find_mode` is "none" (the system's own CMake package or CMake's
    find module is used) unless the wrapper sets it to None (CMakeDeps generates one).
    A wrapper whose recipe declares more (components, defines) extends `describe()`.
    """
    settings = "os", "arch"
    package_type = "shared-library"
    build_policy = "missing"   # nothing to build: make the empty binary wherever it is asked for
    upload_policy = "skip"     # never push a description of one machine's system to a remote
    debian_package = None        # the -dev package: checked, and its upstream version is ours
    debian_extra_packages = ()   # other Debian packages that must be installed
    debian_headers = ()
    license = "see /usr/share/doc/<debian package>/copyright"
    cmake_find_mode = "none"
    cmake_file_name = None
    cmake_target_name = None
    pkg_config_name = None
    system_libs = ()

    def set_version(self):
        if not self.version:
            self.version = debian_upstream_version(self.debian_package)

    def validate(self):
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration(
                f"{self.name}/{self.version}: an offline wrapper of a Debian package; use ConanCenter's "
                f"recipe on {self.settings.os}")
        # /usr/include or its multiarch directory (curl/curl.h is in /usr/include/<triplet>).
        missing = [h for h in self.debian_headers
                   if not glob.glob(os.path.join("/usr/include", h)) + glob.glob(os.path.join("/usr/include/*", h))]
        if missing:
            raise ConanInvalidConfiguration(
                f"{self.name}/{self.version}: system header(s) {', '.join('/usr/include/' + h for h in missing)} "
                f"not found: apt-get install -y {self.debian_package} (or `make deps`)")

    def system_requirements(self):
        # tools.system.package_manager:mode is "check" by default: a missing package fails
        # here, naming it; with mode "install" (and root or sudo) Conan installs it.
        Apt(self).install([self.debian_package, *self.debian_extra_packages])

    def package_id(self):
        self.info.clear()

    def package(self):
        # The libraries stay where Debian installed them; this note is the whole package.
        save(self, os.path.join(self.package_folder, "DEBIAN-SYSTEM-PACKAGE.txt"),
             f"{self.name}/{self.version} describes the Debian package {self.debian_package} "
             f"installed on the build machine; it contains no files of its own.\n")

    def package_info(self):
        # Headers and libraries are in the compiler's and linker's default paths.
        self.cpp_info.includedirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.bindirs = []
        self.cpp_info.resdirs = []
        self.describe(self.cpp_info)
        for comp in self.cpp_info.components.values():
            comp.includedirs = []
            comp.libdirs = []
            comp.bindirs = []
            comp.resdirs = []

    def describe(self, cpp_info):
        for prop in ("cmake_find_mode", "cmake_file_name", "cmake_target_name", "pkg_config_name"):
            if getattr(self, prop) is not None:
                cpp_info.set_property(prop, getattr(self, prop))
        cpp_info.system_libs = list(self.system_libs)


class S3mlDebianSystemBase(ConanFile):
    name = "s3ml-debian-system"
    version = "1.0"
    package_type = "python-require"
    description = "Shared code of s3ml's offline wrappers of Debian system libraries"
    license = "Apache-2.0"
