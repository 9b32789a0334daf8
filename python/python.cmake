# The Python module `llmsizer` (docs/python.md): build/python/llmsizer/ holds the package's Python
# files and the native part _llmsizer*.so, which links the same libraries as the command line.
# Included from CMakeLists.txt after the libraries are defined; tests/tests.cmake registers pytest
# when the target exists.
#
# Not built under LLMSIZER_SANITIZE: an ASan-instrumented extension cannot be loaded into an
# uninstrumented interpreter (the ASan runtime must come first in the process), so the sanitizer
# pass runs the C++ suite only.
if(LLMSIZER_SANITIZE OR LLMSIZER_LIBFUZZER)
  message(STATUS "llmsizer: Python module not built (sanitizer build)")
  return()
endif()

# Debian's interpreter, the one that sees python3-pybind11 and python3-pytest in
# /usr/lib/python3/dist-packages: a python3 earlier on PATH (pyenv, a venv) does not, and a module
# built for one interpreter's ABI does not load into another. -DPython3_EXECUTABLE=... overrides.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Interpreter the Python module is built and tested for")
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module)
if(Python3_FOUND)
  # Found after Python3, pybind11 uses FindPython3's interpreter and headers (its "new" mode).
  find_package(pybind11 CONFIG)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  message(STATUS "llmsizer: Python module not built (needs python3-dev and pybind11-dev)")
  return()
endif()

# A shared object can only take position-independent code; -fno-semantic-interposition keeps
# GCC inlining across functions of the libraries as it does for the executable (PIE).
foreach(library llmsizer_core llmsizer_io llmsizer_request llmsizer_cli)
  set_target_properties(${library} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${library} PRIVATE -fno-semantic-interposition)
endforeach()

set(LLMSIZER_PYTHON_DIR ${CMAKE_CURRENT_BINARY_DIR}/python)
pybind11_add_module(llmsizer_python MODULE NO_EXTRAS  # no LTO: two small files over static libraries
  python/module.cpp
  python/session.cpp)
target_link_libraries(llmsizer_python PRIVATE llmsizer_cli)
set_target_properties(llmsizer_python PROPERTIES
  OUTPUT_NAME _llmsizer
  LIBRARY_OUTPUT_DIRECTORY ${LLMSIZER_PYTHON_DIR}/llmsizer)
# The package's Python files beside the native part; the shipped profiles are build/profiles, which
# the package finds as the executable finds them (two levels up from build/python/llmsizer/).
set(LLMSIZER_PYTHON_FILES python/llmsizer/__init__.py)
foreach(file ${LLMSIZER_PYTHON_FILES})
  get_filename_component(name ${file} NAME)
  configure_file(${file} ${LLMSIZER_PYTHON_DIR}/llmsizer/${name} COPYONLY)
endforeach()
add_dependencies(llmsizer_python llmsizer_data)
