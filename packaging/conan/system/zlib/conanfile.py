from conan import ConanFile


class ZlibSystem(ConanFile):
    """Debian's zlib (zlib1g-dev), found by CMake's FindZLIB."""
    name = "zlib"
    description = "zlib from the Debian package zlib1g-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "zlib1g-dev"
    debian_headers = ("zlib.h",)

    def describe(self, cpp_info):
        cpp_info.set_property("cmake_find_mode", "none")   # CMake's FindZLIB
        cpp_info.set_property("cmake_file_name", "ZLIB")
        cpp_info.set_property("cmake_target_name", "ZLIB::ZLIB")
        cpp_info.set_property("pkg_config_name", "zlib")
        cpp_info.system_libs = ["z"]
