# Every third-party dependency is found here, and only here. All are Debian
# packages (see Makefile's DEB_PACKAGES).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(pugixml REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)  # CRC-32 of aws-chunked trailers in the mock server
find_package(LibArchive REQUIRED)  # WebDataset tar shards in the dataset reader
include(${CMAKE_CURRENT_LIST_DIR}/S3mlHttplib.cmake)
if(S3ML_BUILD_TOOLS)
  find_package(CLI11 REQUIRED)
endif()
if(S3ML_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
if(S3ML_BUILD_TESTS)
  # The interpreter with botocore/boto3/moto (the Makefile passes the machine's python3).
  find_package(Python3 COMPONENTS Interpreter)
endif()
