from conan import ConanFile


class NlohmannJsonSystem(ConanFile):
    """Debian's nlohmann-json (nlohmann-json3-dev, header-only), found through its own CMake package."""
    name = "nlohmann_json"
    description = "JSON for Modern C++ from the Debian package nlohmann-json3-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    package_type = "header-library"
    debian_package = "nlohmann-json3-dev"
    debian_headers = ("nlohmann/json.hpp",)
    cmake_file_name = "nlohmann_json"        # /usr/share/cmake/nlohmann_json
    cmake_target_name = "nlohmann_json::nlohmann_json"
    pkg_config_name = "nlohmann_json"
