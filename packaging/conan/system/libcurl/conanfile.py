from conan import ConanFile


class LibcurlSystem(ConanFile):
    """Debian's libcurl, OpenSSL flavour (libcurl4-openssl-dev), found by CMake's FindCURL."""
    name = "libcurl"
    description = "libcurl from the Debian package libcurl4-openssl-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libcurl4-openssl-dev"
    debian_headers = ("curl/curl.h",)
    cmake_file_name = "CURL"                 # CMake's FindCURL (or Debian's CURLConfig)
    cmake_target_name = "CURL::libcurl"
    pkg_config_name = "libcurl"
    system_libs = ("curl",)
