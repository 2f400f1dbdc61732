from conan import ConanFile


class ZlibSystem(ConanFile):
    """Debian's zlib (zlib1g-dev), found by CMake's FindZLIB."""
    name = "zlib"
    description = "zlib from the Debian package zlib1g-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "zlib1g-dev"
    debian_headers = ("zlib.h",)
    cmake_file_name = "ZLIB"                 # CMake's FindZLIB
    cmake_target_name = "ZLIB::ZLIB"
    pkg_config_name = "zlib"
    system_libs = ("z",)
