# Fails when a file under engine/ includes a UI, graphics, Emscripten or JS header, or tests
# __EMSCRIPTEN__: the engine must build and behave the same natively and in wasm.
# Usage: cmake -DENGINE_DIR=<path> -P CheckEnginePurity.cmake
file(GLOB_RECURSE files "${ENGINE_DIR}/*.h" "${ENGINE_DIR}/*.hpp" "${ENGINE_DIR}/*.cpp"
     "${ENGINE_DIR}/*.c" "${ENGINE_DIR}/*.inc")
set(forbidden "^[ \t]*#[ \t]*include[ \t]*[<\"](imgui|backends/|GL/|GLES[0-9]*/|GLFW/|EGL/|emscripten|SDL)|__EMSCRIPTEN__")
set(bad "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" hits REGEX "${forbidden}")
  foreach(line IN LISTS hits)
    file(RELATIVE_PATH rel "${ENGINE_DIR}/.." "${f}")
    string(APPEND bad "  ${rel}: ${line}\n")
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "engine/ must not depend on ImGui, GL, GLFW, Emscripten or JS:\n${bad}")
endif()
