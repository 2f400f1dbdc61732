from conan import ConanFile


class LibarchiveSystem(ConanFile):
    """Debian's libarchive (libarchive-dev), found by CMake's FindLibArchive."""
    name = "libarchive"
    description = "libarchive from the Debian package libarchive-dev (offline wrapper)"
    python_requires = "s3ml-debian-system/1.0"
    python_requires_extend = "s3ml-debian-system.DebianSystemPackage"
    debian_package = "libarchive-dev"
    debian_headers = ("archive.h",)
    cmake_file_name = "LibArchive"           # CMake's FindLibArchive
    cmake_target_name = "LibArchive::LibArchive"
    pkg_config_name = "libarchive"
    system_libs = ("archive",)
