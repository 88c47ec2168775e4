# The benchmarks in bench/: developer tools, not part of the product. Included when WN_BENCH is on
# (scripts/build.sh bench), natively and in the Emscripten build, where each is a node program (.cjs).

# wn-benches: every benchmark of this build (scripts/build.sh bench builds it).
add_custom_target(wn-benches)

# wn_bench(NAME SOURCE...): a benchmark over the core. Natively it links wncore and is built for this CPU;
# in WebAssembly it compiles the core's sources itself, with the trainer module's defines
# (WN_DIRECT_ACCUMULATORS: the same micro-tiles as the page), and runs in node.
function(wn_bench name)
  if(EMSCRIPTEN)
    add_executable(${name}-wasm ${WN_CORE_SOURCES} ${ARGN})
    target_include_directories(${name}-wasm PRIVATE src)
    target_compile_options(${name}-wasm PRIVATE -O3 -msimd128 ${WN_WARNINGS})
    target_compile_definitions(${name}-wasm PRIVATE ${WN_WASM_DEFINES})
    target_link_options(${name}-wasm PRIVATE ${WN_WASM_LINK_OPT} -msimd128 -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1
      -sMAXIMUM_MEMORY=${WN_WASM_MAX_MEMORY})
    set_target_properties(${name}-wasm PROPERTIES SUFFIX ".cjs")
    add_dependencies(wn-benches ${name}-wasm)
  else()
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE wncore)
    wn_target_options(${name})
    add_dependencies(wn-benches ${name})
  endif()
endfunction()

# wn-bench: where a training step's time goes, per layer and per step (npm run bench).
wn_bench(wn-bench bench/bench.cpp)
# wn-conv-bench: ConvPool-CNN-C's convolutions, forward + dx + dW per layer (npm run bench, bench.mjs --conv).
wn_bench(wn-conv-bench bench/conv_bench.cpp)

# wn-simd-bench: simd.hpp's vector types against xsimd 8.1 on the kernels' loops, the measurement behind
# docs/design.md's "xsimd is not used" (run by hand). Built where Debian's libxsimd-dev is installed.
# In WebAssembly xsimd, which has no WebAssembly architecture, compiles through Emscripten's SSE→simd128
# headers: -msse4.2 (emcc requires -msimd128 with it) only defines __SSE__ … __SSE4_2__ and puts those headers
# on the include path, so xsimd picks its sse4_2 arch (sse2 is measured too). (-mavx does not compile:
# Emscripten 3.1.6 has no 256-bit types.) Debian's headers lie outside Emscripten's sysroot: looked for in the
# host's include folders (cmake/header_links.cmake). --profiling-funcs keeps the function names, for reading
# the kernels' code (llvm-objdump -d), and changes no code.
find_path(WN_HAVE_XSIMD xsimd/xsimd.hpp PATHS /usr/include /usr/local/include NO_CMAKE_FIND_ROOT_PATH)
if(WN_HAVE_XSIMD)
  if(EMSCRIPTEN)
    add_executable(wn-simd-bench-wasm src/kernels/direct.cpp bench/simd_bench.cpp)
    target_include_directories(wn-simd-bench-wasm PRIVATE src)
    wn_header_links(wn-simd-bench-wasm xsimd)
    target_compile_options(wn-simd-bench-wasm PRIVATE -O3 -msimd128 -msse4.2 ${WN_WARNINGS})
    target_compile_definitions(wn-simd-bench-wasm PRIVATE ${WN_WASM_DEFINES})
    target_link_options(wn-simd-bench-wasm PRIVATE ${WN_WASM_LINK_OPT} -msimd128 --profiling-funcs -sENVIRONMENT=node
      -sALLOW_MEMORY_GROWTH=1)
    set_target_properties(wn-simd-bench-wasm PROPERTIES SUFFIX ".cjs")
    add_dependencies(wn-benches wn-simd-bench-wasm)
  else()
    wn_bench(wn-simd-bench bench/simd_bench.cpp)
    wn_header_links(wn-simd-bench xsimd)
  endif()
endif()
