from conan import ConanFile


class OpenSSLSystem(ConanFile):
    """Debian's OpenSSL (libssl-dev), found by CMake's FindOpenSSL."""
    name = "openssl"
    description = "OpenSSL from the Debian package libssl-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libssl-dev"
    debian_headers = ("openssl/evp.h", "openssl/ssl.h")
    cmake_file_name = "OpenSSL"              # CMake's FindOpenSSL
    pkg_config_name = "openssl"

    def describe(self, cpp_info):
        super().describe(cpp_info)
        crypto = cpp_info.components["crypto"]
        crypto.set_property("cmake_target_name", "OpenSSL::Crypto")
        crypto.set_property("pkg_config_name", "libcrypto")
        crypto.system_libs = ["crypto"]
        ssl = cpp_info.components["ssl"]
        ssl.set_property("cmake_target_name", "OpenSSL::SSL")
        ssl.set_property("pkg_config_name", "libssl")
        ssl.system_libs = ["ssl"]
        ssl.requires = ["crypto"]
