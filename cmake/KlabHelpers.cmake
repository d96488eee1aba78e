# Small helpers shared by the CMake files.

# klab_glob_sources(OUT DIR [EXCLUDE dir...]): all .cpp files under DIR, recursively, minus the
# listed subfolders. CONFIGURE_DEPENDS so a new file is picked up without re-running cmake.
function(klab_glob_sources out dir)
  cmake_parse_arguments(ARG "" "" "EXCLUDE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${dir}/*.cpp")
  foreach(ex IN LISTS ARG_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "^${dir}/${ex}/")
  endforeach()
  set(${out} ${srcs} PARENT_SCOPE)
endfunction()

# klab_library(NAME SOURCES... DEPS...): a static library of our own code, or an INTERFACE
# library while a module has no .cpp file yet, so modules can land one at a time.
function(klab_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(${name} STATIC ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE ${KLAB_WARNINGS})
    target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/engine")
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE "${PROJECT_SOURCE_DIR}/engine")
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()
