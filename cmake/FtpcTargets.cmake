# Common settings for ftpc's own targets. Warnings are on for our code only; MLIR's and LibTorch's
# headers come in as SYSTEM includes so their warnings do not drown ours.
set(FTPC_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter)

function(ftpc_target_defaults target)
  target_compile_options(${target} PRIVATE ${FTPC_WARNING_FLAGS})
  target_include_directories(${target} PRIVATE "${CMAKE_BINARY_DIR}/generated")
endfunction()

# MLIR-facing targets: LLVM/MLIR headers and the two shared libraries (naming LLVM avoids "DSO missing").
function(ftpc_use_mlir target)
  target_include_directories(${target} SYSTEM PUBLIC ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
  separate_arguments(_llvm_defs UNIX_COMMAND "${LLVM_DEFINITIONS}")
  target_compile_options(${target} PUBLIC ${_llvm_defs})
  target_link_libraries(${target} PUBLIC MLIR LLVM)
endfunction()
