from conan import ConanFile


class PugixmlSystem(ConanFile):
    """Debian's pugixml (libpugixml-dev), found through its own CMake package."""
    name = "pugixml"
    description = "pugixml from the Debian package libpugixml-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libpugixml-dev"
    debian_headers = ("pugixml.hpp",)

    def describe(self, cpp_info):
        cpp_info.set_property("cmake_find_mode", "none")   # /usr/lib/<triplet>/cmake/pugixml
        cpp_info.set_property("cmake_file_name", "pugixml")
        cpp_info.set_property("cmake_target_name", "pugixml::pugixml")
        cpp_info.set_property("pkg_config_name", "pugixml")
        cpp_info.system_libs = ["pugixml"]
