# cmake/CheckRuntimeNoCaf.cmake — the layering rule of ARCHITECTURE.md §2:
# nothing under runtime/ except runtime/system/ may include a CAF header.
# Run at configure time (a violation stops the build) and as the ctest
# `layering.runtime_has_no_caf` (cmake -DSOURCE_DIR=... -P this file).

if(NOT SOURCE_DIR)
  set(SOURCE_DIR "${CMAKE_SOURCE_DIR}")
endif()

file(GLOB_RECURSE _skald_runtime_files
     "${SOURCE_DIR}/runtime/*.hpp" "${SOURCE_DIR}/runtime/*.cpp"
     "${SOURCE_DIR}/runtime/*.h" "${SOURCE_DIR}/runtime/*.cc")
set(_skald_offenders "")
foreach(_f IN LISTS _skald_runtime_files)
  file(RELATIVE_PATH _rel "${SOURCE_DIR}" "${_f}")
  if(_rel MATCHES "^runtime/system/")
    continue()
  endif()
  file(STRINGS "${_f}" _hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]caf/")
  if(_hits)
    list(APPEND _skald_offenders "${_rel}")
  endif()
endforeach()
if(_skald_offenders)
  string(REPLACE ";" "\n  " _list "${_skald_offenders}")
  message(FATAL_ERROR
    "runtime/ outside runtime/system/ must not include CAF headers; offending files:\n  ${_list}\n"
    "Move the actor part to actors/ and keep runtime/ plain C++.")
endif()
