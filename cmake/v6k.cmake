# Helpers that declare one module, its tests, benchmarks and fuzzers in a few lines.
# Our own code builds with -Wall -Wextra -Werror; third-party headers are SYSTEM includes.

set(V6K_WARNINGS -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
set(V6K_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

function(v6k_apply_common target)
  target_compile_options(${target} PRIVATE ${V6K_WARNINGS})
  if(V6K_SANITIZE)
    target_compile_options(${target} PRIVATE ${V6K_SAN_FLAGS})
    target_link_options(${target} PRIVATE ${V6K_SAN_FLAGS})
  endif()
endfunction()

# v6k_library(NAME SOURCES a.cc b.cc DEPS v6k::common PkgConfig::MNL)
# Creates target v6k_<NAME> (alias v6k::<NAME>); headers are included as "<module>/<file>.h".
function(v6k_library name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(L_SOURCES)
    add_library(v6k_${name} STATIC ${L_SOURCES})
    target_include_directories(v6k_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(v6k_${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
    v6k_apply_common(v6k_${name})
  else()
    add_library(v6k_${name} INTERFACE)
    target_include_directories(v6k_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(v6k_${name} INTERFACE ${L_DEPS})
  endif()
  add_library(v6k::${name} ALIAS v6k_${name})
endfunction()

# v6k_test(NAME SOURCES t.cc DEPS v6k::addr [LABELS netns])
# One gtest executable registered with ctest; label "netns" marks tests needing root + netns.
function(v6k_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  v6k_apply_common(${name})
  add_test(NAME ${name} COMMAND ${name})
  set(timeout 300)
  if(T_TIMEOUT)
    set(timeout ${T_TIMEOUT})
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout}
    ENVIRONMENT "V6K_BUILD_DIR=${PROJECT_BINARY_DIR};V6K_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# v6k_bench(NAME SOURCES b.cc DEPS ...): a Google Benchmark executable (run by `make bench`).
function(v6k_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  target_link_libraries(${name} PRIVATE ${B_DEPS})
  v6k_apply_common(${name})
endfunction()

# v6k_fuzz(NAME SOURCES f.cc DEPS ...): a libFuzzer target (clang, -DV6K_FUZZ=ON).
function(v6k_fuzz name)
  cmake_parse_arguments(F "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()
