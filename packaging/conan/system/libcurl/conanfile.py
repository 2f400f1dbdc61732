from conan import ConanFile


class LibcurlSystem(ConanFile):
    """Debian's libcurl, OpenSSL flavour (libcurl4-openssl-dev), found by CMake's FindCURL."""
    name = "libcurl"
    description = "libcurl from the Debian package libcurl4-openssl-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libcurl4-openssl-dev"
    debian_headers = ("curl/curl.h",)

    def describe(self, cpp_info):
        cpp_info.set_property("cmake_find_mode", "none")   # CMake's FindCURL (or Debian's CURLConfig)
        cpp_info.set_property("cmake_file_name", "CURL")
        cpp_info.set_property("cmake_target_name", "CURL::libcurl")
        cpp_info.set_property("pkg_config_name", "libcurl")
        cpp_info.system_libs = ["curl"]
