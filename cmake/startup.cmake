# Start-up of the executable (docs/performance.md, "start-up"): most of a single-answer command's
# time is the kernel mapping shared libraries and the dynamic loader resolving their symbols, not
# the command. The executable links libstdc++, libgcc and yaml-cpp statically and carries {fmt}'s
# compiled part itself (cli/fmt_library.cpp, linked before the static libraries so that every fmt
# symbol resolves to it and --as-needed drops libfmt.so), leaving libc and libm as its only shared
# libraries. Not in sanitizer builds: their runtimes interpose the shared C++ runtime.
# Included from CMakeLists.txt after the llmsizer target is defined.
if(LLMSIZER_SANITIZE OR LLMSIZER_LIBFUZZER)
  return()
endif()

# Debian's libyaml-cpp-dev ships the archive beside the shared library. It is position-independent
# enough for an executable but not for a shared object, so only the executable takes it (the Python
# and workbook modules keep the shared library), and whole: placed before the project's static
# libraries, every yaml-cpp symbol they use is then defined before the shared library is reached.
# cli/fmt_library.cpp instantiates {fmt} 9's library part (Debian 12); fmt 10 changed those
# signatures, so with another major version the executable links everything shared, as before.
if(NOT fmt_VERSION VERSION_GREATER_EQUAL 9 OR fmt_VERSION VERSION_GREATER_EQUAL 10)
  message(STATUS "llmsizer: fmt ${fmt_VERSION} is not 9.x; the executable links its libraries shared")
  return()
endif()
# The archive beside the shared library yaml-cpp's package names (not one from another prefix, whose
# version could differ from the headers found).
get_target_property(llmsizer_yaml_cpp_shared yaml-cpp IMPORTED_LOCATION_NONE)
if(NOT llmsizer_yaml_cpp_shared)
  get_target_property(llmsizer_yaml_cpp_shared yaml-cpp LOCATION)
endif()
get_filename_component(llmsizer_yaml_cpp_dir "${llmsizer_yaml_cpp_shared}" DIRECTORY)
find_library(LLMSIZER_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a PATHS "${llmsizer_yaml_cpp_dir}" NO_DEFAULT_PATH)
if(NOT LLMSIZER_YAML_CPP_ARCHIVE)
  # The shared yaml-cpp would load the shared libstdc++ beside a static one: link as before.
  message(STATUS "llmsizer: libyaml-cpp.a not found; the executable links its libraries shared")
  return()
endif()
target_link_options(llmsizer PRIVATE "LINKER:--whole-archive,${LLMSIZER_YAML_CPP_ARCHIVE},--no-whole-archive"
                    -static-libstdc++ -static-libgcc)
target_sources(llmsizer PRIVATE cli/fmt_library.cpp)
# Its own translation unit even in a unity build: format-inl.h defines fmt's functions out of line.
set_source_files_properties(cli/fmt_library.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)

# A test that fails when the executable names another shared library at start-up (a new dependency
# linked into the executable, or one of the above left shared). Deferred to the end of the top-level
# file, where testing is enabled.
function(llmsizer_add_startup_test)
  if(LLMSIZER_BUILD_TESTS)
    add_test(NAME startup_libraries
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cmake/check_shared_libraries.sh $<TARGET_FILE:llmsizer> libc.so.6 libm.so.6)
    set_tests_properties(startup_libraries PROPERTIES LABELS "unit")
  endif()
endfunction()
cmake_language(DEFER CALL llmsizer_add_startup_test)
