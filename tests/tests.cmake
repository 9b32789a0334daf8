# Every test file shares a unity batch (CMakeLists.txt, CMAKE_UNITY_BUILD): file-local helpers (an
# anonymous namespace, `using test::x;`) have names no other test file uses, and helpers that several
# files need live once in tests/test_support.hpp or a fixture header. The rule for a new test file:
# the test sources must compile as one file (docs/performance.md, "Suite time", has the command); a
# clash is fixed by renaming the new file's helper or by using the shared one, and only where that is
# impossible does the file take `set_source_files_properties(FILE PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)`
# here (it then compiles alone, 5-10 s of CPU more per build).
# tests/main.cpp is the exception: it defines DOCTEST_CONFIG_IMPLEMENT, which must come before the
# first <doctest/doctest.h> of its translation unit, so it is never in a batch after another file.
set_source_files_properties(tests/main.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)

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
# Start the slow suites first: a fresh build tree has no timings from an earlier run, so ctest -j2
# would otherwise start them in the order above and finish on `validate` alone (about 50 s of the
# sanitizer pass's 80 s, docs/performance.md "Suite time"). COST is only the order; ctest replaces
# it with measured times once the tree has run the suite.
set_tests_properties(validate PROPERTIES COST 50)
set_tests_properties(hardening PROPERTIES COST 11)
set_tests_properties(profiles cli PROPERTIES COST 4)

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
