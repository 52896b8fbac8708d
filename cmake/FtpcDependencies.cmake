# Every external package is found here, once. All come from Debian's archive (scripts/bootstrap.sh);
# LibTorch may instead be a user's own 2.x download given through CMAKE_PREFIX_PATH.

# --- LLVM / MLIR 19 ---------------------------------------------------------------------------------
# The config rejects a bare "19" version request (it wants 19.1.x), so we check the major version below.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/llvm-19)
find_package(MLIR REQUIRED CONFIG)
if(NOT LLVM_PACKAGE_VERSION VERSION_GREATER_EQUAL 19 OR LLVM_PACKAGE_VERSION VERSION_GREATER_EQUAL 20)
  message(FATAL_ERROR "ftpc needs LLVM/MLIR 19, found ${LLVM_PACKAGE_VERSION} at ${LLVM_DIR}")
endif()
message(STATUS "ftpc: MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)
set(LLVM_TOOLS_DIR "${LLVM_TOOLS_BINARY_DIR}")

# --- LibTorch -----------------------------------------------------------------------------------------
find_package(Torch REQUIRED CONFIG)
message(STATUS "ftpc: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
# TorchConfig.cmake leaks its flags (-D_GLIBCXX_USE_CXX11_ABI, sometimes -std) through
# TORCH_CXX_FLAGS into CMAKE_CXX_FLAGS when asked; we only use its imported targets.

# --- small libraries ------------------------------------------------------------------------------------
find_package(fmt REQUIRED CONFIG)
find_package(nlohmann_json REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

if(FTPC_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  # lit (tests/CMakeLists.txt finds its lit.py) and FileCheck come with llvm-19-tools.
  find_program(FTPC_FILECHECK FileCheck HINTS "${LLVM_TOOLS_BINARY_DIR}" REQUIRED)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()
if(FTPC_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED CONFIG)
endif()

if(FTPC_ENABLE_CUDA)
  find_program(FTPC_PTXAS ptxas HINTS /usr/local/cuda/bin ENV CUDA_HOME PATH_SUFFIXES bin)
  if(NOT FTPC_PTXAS)
    message(STATUS "ftpc: ptxas not found; PTX is generated but not assembled in tests")
  endif()
endif()
