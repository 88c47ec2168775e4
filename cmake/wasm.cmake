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
