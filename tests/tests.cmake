# One doctest binary; ctest runs it per test-suite so failures are reported by area.
set(LLMSIZER_TEST_SUITES units profiles loader hf_import params memory performance serving cli validate decisions hardening
    architecture request user_files)
foreach(suite ${LLMSIZER_TEST_SUITES})
  add_test(NAME ${suite} COMMAND llmsizer_tests --test-suite=${suite} --no-version)
  # A hang (a regression input that loops again) fails in minutes instead of holding CI for ctest's
  # default of 25; the slowest suite takes about 10 s under ASan.
  set_tests_properties(${suite} PROPERTIES LABELS "unit" WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} TIMEOUT 300)
endforeach()
# Every test case outside the suites above (a new suite not yet listed, or a case in no suite) still
# runs: one more entry excludes the listed suites and runs whatever is left.
string(REPLACE ";" "," LLMSIZER_LISTED_SUITES "${LLMSIZER_TEST_SUITES}")
add_test(NAME unlisted_suites COMMAND llmsizer_tests --test-suite-exclude=${LLMSIZER_LISTED_SUITES} --no-version)
set_tests_properties(unlisted_suites PROPERTIES LABELS "unit" WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} TIMEOUT 300)

# The profile cache (io/profile_cache.hpp) of the Python tests and the benchmark smoke run lives in
# the build tree, never in the user's home; llmsizer_tests makes its own (tests/main.cpp).

# The Python module's tests (python/tests/, pytest) with the interpreter the module was built for
# (python/python.cmake): the module from build/python, checked against this build's executable.
if(TARGET llmsizer_python)
  add_dependencies(llmsizer_tests llmsizer_python)  # building the tests builds what ctest runs
  add_test(NAME python
           COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/python/tests)
  set_tests_properties(python PROPERTIES LABELS "python" WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} TIMEOUT 300
                       ENVIRONMENT "PYTHONPATH=${LLMSIZER_PYTHON_DIR};LLMSIZER_BINARY=$<TARGET_FILE:llmsizer>;PYTHONDONTWRITEBYTECODE=1;XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache")
endif()
