# Run `virt-nest rewrite INPUT ARGS` from the examples folder and compare its standard
# output with EXPECTED and its exit status with EXPECTED_CODE.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(
  COMMAND "${BINARY}" rewrite "${INPUT}" ${args}
  WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code)
file(READ "${CMAKE_CURRENT_LIST_DIR}/${EXPECTED}" expected)
if(NOT code EQUAL EXPECTED_CODE)
  message(FATAL_ERROR "exit status ${code}, expected ${EXPECTED_CODE}\nstderr:\n${err}")
endif()
if(NOT out STREQUAL expected)
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/${EXPECTED}.actual" "${out}")
  message(FATAL_ERROR "output differs from ${EXPECTED}; got ${CMAKE_CURRENT_BINARY_DIR}/${EXPECTED}.actual\nstderr:\n${err}")
endif()
message(STATUS "ok: virt-nest rewrite ${INPUT} ${ARGS}")
