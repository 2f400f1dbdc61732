from conan import ConanFile


class CppHttplibSystem(ConanFile):
    """Debian's cpp-httplib (libcpp-httplib-dev).

    Debian ships it compiled (libcpp-httplib.so, built with OpenSSL, zlib and brotli
    support) with a pkg-config file but no CMake package, so CMakeDeps generates the
    CMake side here (httplib::httplib, as ConanCenter's header-only recipe names it).
    s3ml's own build finds it through pkg-config (cmake/S3mlHttplib.cmake).
    """
    name = "cpp-httplib"
    description = "cpp-httplib from the Debian package libcpp-httplib-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libcpp-httplib-dev"
    debian_headers = ("httplib.h",)
    cmake_find_mode = None                   # no CMake package in Debian: CMakeDeps makes one
    cmake_file_name = "httplib"
    cmake_target_name = "httplib::httplib"
    pkg_config_name = "cpp-httplib"
    system_libs = ("cpp-httplib",)

    def describe(self, cpp_info):
        super().describe(cpp_info)
        # As Debian's cpp-httplib.pc says (the header's API changes with these macros).
        cpp_info.defines = ["CPPHTTPLIB_OPENSSL_SUPPORT", "CPPHTTPLIB_ZLIB_SUPPORT", "CPPHTTPLIB_BROTLI_SUPPORT"]
