from conan import ConanFile


class PugixmlSystem(ConanFile):
    """Debian's pugixml (libpugixml-dev), found through its own CMake package."""
    name = "pugixml"
    description = "pugixml from the Debian package libpugixml-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libpugixml-dev"
    debian_headers = ("pugixml.hpp",)
    cmake_file_name = "pugixml"              # /usr/lib/<triplet>/cmake/pugixml
    cmake_target_name = "pugixml::pugixml"
    pkg_config_name = "pugixml"
    system_libs = ("pugixml",)
