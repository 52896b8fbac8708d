# ccache for every C/C++ compile, if present. Precompiled headers are only cacheable when ccache is told
# to ignore the PCH-related timestamps and macros, so the sloppiness travels with the launcher itself.
find_program(FTPC_CCACHE ccache)
if(FTPC_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(_launcher "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;${FTPC_CCACHE}")
  set(CMAKE_C_COMPILER_LAUNCHER "${_launcher}" CACHE STRING "C compiler launcher")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${_launcher}" CACHE STRING "C++ compiler launcher")
  message(STATUS "ftpc: compiling through ccache (${FTPC_CCACHE})")
endif()

# lld links libLLVM/libMLIR-heavy tools in well under a second; BFD takes several.
find_program(FTPC_LLD NAMES ld.lld-19 ld.lld)
if(FTPC_LLD AND NOT CMAKE_LINKER_TYPE)
  get_filename_component(_lld_dir "${FTPC_LLD}" DIRECTORY)
  add_link_options("-fuse-ld=lld")
  if(NOT FTPC_LLD MATCHES "/ld\\.lld$")
    # gcc looks for a program named exactly ld.lld; Debian names it ld.lld-19.
    add_link_options("-B${CMAKE_BINARY_DIR}/lld-shim")
    file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/lld-shim")
    file(CREATE_LINK "${FTPC_LLD}" "${CMAKE_BINARY_DIR}/lld-shim/ld.lld" SYMBOLIC)
  endif()
  message(STATUS "ftpc: linking with lld (${FTPC_LLD})")
endif()
