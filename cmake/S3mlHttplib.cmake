# Debian ships cpp-httplib as a compiled library with a pkg-config file but no
# CMake package; wrap it in an imported target once.
if(NOT TARGET s3ml::httplib)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(S3ML_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  add_library(s3ml::httplib INTERFACE IMPORTED)
  target_link_libraries(s3ml::httplib INTERFACE PkgConfig::S3ML_HTTPLIB)
endif()
