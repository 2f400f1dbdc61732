from conan import ConanFile


class Pybind11System(ConanFile):
    """Debian's pybind11 (pybind11-dev, header-only) and Python headers (python3-dev)."""
    name = "pybind11"
    description = "pybind11 from the Debian package pybind11-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    package_type = "header-library"
    debian_package = "pybind11-dev"
    debian_extra_packages = ("python3-dev",)
    debian_headers = ("pybind11/pybind11.h",)
    cmake_file_name = "pybind11"             # /usr/lib/cmake/pybind11
    cmake_target_name = "pybind11::pybind11"
