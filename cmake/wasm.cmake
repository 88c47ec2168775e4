# WebAssembly build (emcmake cmake): two variants of one trainer module from the
# same sources, for the worker environment.
#   wn-trainer-mt: -pthread -msimd128  (needs a cross-origin isolated page)
#   wn-trainer-st: -msimd128           (the fallback where SharedArrayBuffer is missing)
# The module's API is what src/wasm/bindings.cpp marks EMSCRIPTEN_KEEPALIVE: that file is the one
# list. Only the allocator, which the workers call to stage bytes, is named here.
set(WN_WASM_EXPORT_LIST _malloc,_free)

# 1 GiB covers the full dataset being parsed (≈185 MB) or two 1024-sample batches' scratch.
set(WN_WASM_MAX_MEMORY 1073741824)

# Clang optimises at -O3; the link step runs Binaryen at -O1 only. Binaryen's -O2/-O3 passes
# made training steps 30 % slower in V8 (measured with wn-bench-wasm, TurboFan code).
set(WN_WASM_LINK_OPT -O1)
# V8 has 16 SIMD registers on x64: micro-tiles of 8 accumulators (kernels/direct.hpp).
set(WN_WASM_DEFINES WN_DIRECT_ACCUMULATORS=8 WN_VERSION="${PROJECT_VERSION}")

function(wn_wasm_module name threaded)
  add_executable(${name} ${WN_CORE_SOURCES} src/wasm/bindings.cpp)
  target_include_directories(${name} PRIVATE src)
  set(flags -O3 -msimd128 ${WN_WARNINGS})
  set(link
    ${WN_WASM_LINK_OPT} -msimd128
    -sMODULARIZE=1 -sEXPORT_NAME=createTrainerModule
    -sENVIRONMENT=web,worker
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 -sMAXIMUM_MEMORY=${WN_WASM_MAX_MEMORY}
    -sEXPORTED_FUNCTIONS=${WN_WASM_EXPORT_LIST}
    -sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8
    -sABORTING_MALLOC=0 -sFILESYSTEM=0)
  if(threaded)
    list(APPEND flags -pthread)
    # Worker threads are started before main() so a blocking join never waits on the event loop.
    # As many as the worker asks for (createTrainerModule({wnPoolSize})), not one per core.
    list(APPEND link -pthread "-sPTHREAD_POOL_SIZE=Module.wnPoolSize||0" -Wno-pthreads-mem-growth)
  endif()
  target_compile_options(${name} PRIVATE ${flags})
  target_compile_definitions(${name} PRIVATE ${WN_WASM_DEFINES})
  target_link_options(${name} PRIVATE ${link})
  set_target_properties(${name} PROPERTIES SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/web)
endfunction()

wn_wasm_module(wn-trainer-mt ON)
wn_wasm_module(wn-trainer-st OFF)

# The native benchmark, compiled to WebAssembly for node: per-layer times as V8 runs them.
add_executable(wn-bench-wasm ${WN_CORE_SOURCES} src/cli/bench.cpp)
target_include_directories(wn-bench-wasm PRIVATE src)
target_compile_options(wn-bench-wasm PRIVATE -O3 -msimd128 ${WN_WARNINGS})
target_compile_definitions(wn-bench-wasm PRIVATE ${WN_WASM_DEFINES})
target_link_options(wn-bench-wasm PRIVATE ${WN_WASM_LINK_OPT} -msimd128 -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=${WN_WASM_MAX_MEMORY})
set_target_properties(wn-bench-wasm PROPERTIES SUFFIX ".cjs")

# wn-simd-bench (src/cli/simd_bench.cpp) for node: simd.hpp's vector types against xsimd 8.1, which has no
# WebAssembly architecture. Its SSE code compiles through Emscripten's SSE→simd128 headers: -msse4.2 (emcc
# requires -msimd128 with it) only defines __SSE__ … __SSE4_2__ and puts those headers on the include path, so
# xsimd picks its sse4_2 arch (sse2 is measured too) and the rest compiles as in the other targets. (-mavx
# does not compile: Emscripten 3.1.6 has no 256-bit types.) Debian's headers lie outside Emscripten's sysroot
# and search paths: looked for in the host's include folders (cmake/header_links.cmake).
# --profiling-funcs keeps the function names, for reading the kernels' code (llvm-objdump -d), and changes
# no code.
find_path(WN_HAVE_XSIMD xsimd/xsimd.hpp PATHS /usr/include /usr/local/include NO_CMAKE_FIND_ROOT_PATH)
if(WN_HAVE_XSIMD)
  add_executable(wn-simd-bench-wasm src/kernels/direct.cpp src/cli/simd_bench.cpp)
  target_include_directories(wn-simd-bench-wasm PRIVATE src)
  wn_header_links(wn-simd-bench-wasm xsimd)
  target_compile_options(wn-simd-bench-wasm PRIVATE -O3 -msimd128 -msse4.2 ${WN_WARNINGS})
  target_compile_definitions(wn-simd-bench-wasm PRIVATE ${WN_WASM_DEFINES})
  target_link_options(wn-simd-bench-wasm PRIVATE ${WN_WASM_LINK_OPT} -msimd128 --profiling-funcs -sENVIRONMENT=node
    -sALLOW_MEMORY_GROWTH=1)
  set_target_properties(wn-simd-bench-wasm PROPERTIES SUFFIX ".cjs")
endif()
