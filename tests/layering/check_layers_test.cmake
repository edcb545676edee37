# The layering check itself: it passes on lib/ as it is and fails on an upward include and on a
# folder without a row. Usage: cmake -DLIB_DIR=... -DWORK_DIR=... -P check_layers_test.cmake
cmake_minimum_required(VERSION 3.25)
set(checker ${LIB_DIR}/check_layers.cmake)

function(run_check dir expect_ok expect_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -DLIB_DIR=${dir} -P ${checker}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "expected ${dir} to pass:\n${err}")
  endif()
  if(NOT expect_ok)
    if(rc EQUAL 0)
      message(FATAL_ERROR "expected ${dir} to fail the check")
    endif()
    string(FIND "${err}" "${expect_text}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "expected '${expect_text}' in:\n${err}")
    endif()
  endif()
  message(STATUS "ok: ${dir} ${expect_text}")
endfunction()

run_check(${LIB_DIR} TRUE "")

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/upward/core ${WORK_DIR}/upward/gateway)
file(COPY ${LIB_DIR}/layers.cmake DESTINATION ${WORK_DIR}/upward)
file(WRITE ${WORK_DIR}/upward/core/probe.hpp "#include \"gateway/gateway_server.hpp\"\n")
run_check(${WORK_DIR}/upward FALSE "lib/core/probe.hpp: includes gateway/")

file(MAKE_DIRECTORY ${WORK_DIR}/unlisted/newpart)
file(COPY ${LIB_DIR}/layers.cmake DESTINATION ${WORK_DIR}/unlisted)
file(WRITE ${WORK_DIR}/unlisted/newpart/a.hpp "#pragma once\n")
run_check(${WORK_DIR}/unlisted FALSE "lib/newpart/ has no row")

# The product never reaches a tool: the gateway may not include groq-sim.
file(MAKE_DIRECTORY ${WORK_DIR}/tool/gateway ${WORK_DIR}/tool/tools/sim)
file(COPY ${LIB_DIR}/layers.cmake DESTINATION ${WORK_DIR}/tool)
file(WRITE ${WORK_DIR}/tool/gateway/probe.hpp "#include \"tools/sim/sim_server.hpp\"\n")
run_check(${WORK_DIR}/tool FALSE "lib/gateway/probe.hpp: includes tools/sim/")
