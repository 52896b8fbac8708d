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
# TorchConfig searches its own lib/ folder last, so with Debian's libtorch-dev installed a LibTorch
# given as CMAKE_PREFIX_PATH=<libtorch>/share/cmake would pair 2.x headers with the system's 1.13
# library. Refuse that mix: the prefix must be the LibTorch root.
get_filename_component(_torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
get_filename_component(_torch_lib_dir "${_torch_lib_dir}" REALPATH)
get_filename_component(_torch_prefix_lib "${TORCH_INSTALL_PREFIX}/lib" REALPATH)
if(NOT _torch_lib_dir STREQUAL _torch_prefix_lib AND NOT TORCH_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "LibTorch's headers come from ${TORCH_INSTALL_PREFIX} but its library from "
    "${TORCH_LIBRARY}. Pass the LibTorch root folder, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch "
    "(not .../share/cmake), and start from an empty build folder.")
endif()
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
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3) # double precision, for the PRV accountant

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
