from conan import ConanFile


class CLI11System(ConanFile):
    """Debian's CLI11 (libcli11-dev, header-only), found through its own CMake package."""
    name = "cli11"
    description = "CLI11 from the Debian package libcli11-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    package_type = "header-library"
    debian_package = "libcli11-dev"
    debian_headers = ("CLI/CLI.hpp",)
    cmake_file_name = "CLI11"                # /usr/share/cmake/CLI11
    cmake_target_name = "CLI11::CLI11"
    pkg_config_name = "CLI11"
