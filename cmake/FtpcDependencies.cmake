# Every external package is found here, once. All come from Debian's archive (scripts/bootstrap.sh);
# LibTorch comes from the PyPI torch wheel (scripts/libtorch/install.sh), or from a user's own 2.x
# download given through CMAKE_PREFIX_PATH.

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
# LibTorch 2.11.0 from the PyPI `torch` wheel, installed by scripts/libtorch/install.sh into a prefix
# outside the source tree. FTPC_LIBTORCH_PREFIX names it (same default as the script); a LibTorch root
# given through CMAKE_PREFIX_PATH still wins, for builds against another download.
if(DEFINED ENV{FTPC_LIBTORCH_PREFIX})
  set(_ftpc_libtorch_default "$ENV{FTPC_LIBTORCH_PREFIX}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_ftpc_libtorch_default "$ENV{XDG_CACHE_HOME}/ftpc/libtorch-2.11.0")
else()
  set(_ftpc_libtorch_default "$ENV{HOME}/.cache/ftpc/libtorch-2.11.0")
endif()
set(FTPC_LIBTORCH_PREFIX "${_ftpc_libtorch_default}" CACHE PATH
    "Where scripts/libtorch/install.sh put the torch wheel (holds torch/ and nvidia/)")
if(NOT EXISTS "${FTPC_LIBTORCH_PREFIX}/torch/share/cmake/Torch/TorchConfig.cmake")
  message(STATUS "ftpc: no LibTorch in ${FTPC_LIBTORCH_PREFIX} (run scripts/libtorch/install.sh); "
                 "looking in CMAKE_PREFIX_PATH")
endif()
list(APPEND CMAKE_PREFIX_PATH "${FTPC_LIBTORCH_PREFIX}/torch")
# The wheel's TorchConfig finds CUDA's toolkit for its CUDA targets; ftpc compiles no CUDA source, but
# the configuration needs nvcc's folder to resolve them.
if(NOT DEFINED CUDAToolkit_ROOT AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
find_package(Torch REQUIRED CONFIG)
message(STATUS "ftpc: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
if(Torch_VERSION VERSION_LESS 2.0)
  message(FATAL_ERROR "ftpc needs LibTorch 2.x (found ${Torch_VERSION} at ${Torch_DIR}); run "
    "scripts/libtorch/install.sh, or give a LibTorch 2.x root folder as CMAKE_PREFIX_PATH")
endif()
# TorchConfig searches its own lib/ folder last, so with Debian's libtorch-dev installed a LibTorch
# given as CMAKE_PREFIX_PATH=<libtorch>/share/cmake would pair 2.x headers with the system's 1.13
# library. Refuse that mix: the prefix must be the LibTorch root.
get_filename_component(_torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
get_filename_component(_torch_lib_dir "${_torch_lib_dir}" REALPATH)
get_filename_component(_torch_prefix_lib "${TORCH_INSTALL_PREFIX}/lib" REALPATH)
if(NOT _torch_lib_dir STREQUAL _torch_prefix_lib)
  message(FATAL_ERROR "LibTorch's headers come from ${TORCH_INSTALL_PREFIX} but its library from "
    "${TORCH_LIBRARY}. Pass the LibTorch root folder, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch "
    "(not .../share/cmake), and start from an empty build folder.")
endif()
if(EXISTS "${TORCH_INSTALL_PREFIX}/include/fmt")
  message(FATAL_ERROR "${TORCH_INSTALL_PREFIX}/include/fmt would shadow Debian's fmt, which ftpc "
    "links; scripts/libtorch/install.sh removes it (see there why)")
endif()
# The wheel's libtorch.so exports its own static copy of libstdc++'s std::filesystem (and chrono's
# time zones), built by a newer GCC than Debian's. A program that links libtorch.so before
# libstdc++.so (the compiler driver adds -lstdc++ last) binds std::filesystem::remove_all & co. to
# that copy, which crashed here on a null call. Naming libstdc++ first, before any object or
# library, puts it ahead of libtorch.so in every binary's lookup order.
string(APPEND CMAKE_EXE_LINKER_FLAGS " -Wl,--push-state,--no-as-needed,-lstdc++,--pop-state")
string(APPEND CMAKE_SHARED_LINKER_FLAGS " -Wl,--push-state,--no-as-needed,-lstdc++,--pop-state")
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
