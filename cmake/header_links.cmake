# wn_header_links(TARGET DIR...): puts only these header folders of the system (e.g. xtensor, xtl, xsimd
# from Debian's -dev packages) on TARGET's include path, through a folder of symlinks in the build tree.
# -isystem /usr/include itself would reorder the compiler's own system headers (#include_next in <cstdlib>
# breaks), and Emscripten's sysroot does not see /usr/include at all.
function(wn_header_links target)
  set(links ${CMAKE_CURRENT_BINARY_DIR}/${target}-headers)
  file(MAKE_DIRECTORY ${links})
  foreach(dir ${ARGN})
    find_path(WN_HEADERS_${dir} ${dir} PATHS /usr/include /usr/local/include NO_CMAKE_FIND_ROOT_PATH)
    if(NOT WN_HEADERS_${dir})
      message(FATAL_ERROR "${target} needs the ${dir} headers (Debian: apt-get install libxtensor-dev libxsimd-dev)")
    endif()
    file(CREATE_LINK ${WN_HEADERS_${dir}}/${dir} ${links}/${dir} SYMBOLIC)
  endforeach()
  target_include_directories(${target} SYSTEM PRIVATE ${links})
endfunction()
