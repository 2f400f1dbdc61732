from conan import ConanFile


class LibarchiveSystem(ConanFile):
    """Debian's libarchive (libarchive-dev), found by CMake's FindLibArchive."""
    name = "libarchive"
    description = "libarchive from the Debian package libarchive-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libarchive-dev"
    debian_headers = ("archive.h",)

    def describe(self, cpp_info):
        cpp_info.set_property("cmake_find_mode", "none")   # CMake's FindLibArchive
        cpp_info.set_property("cmake_file_name", "LibArchive")
        cpp_info.set_property("cmake_target_name", "LibArchive::LibArchive")
        cpp_info.set_property("pkg_config_name", "libarchive")
        cpp_info.system_libs = ["archive"]
