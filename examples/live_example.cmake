# Run `virt-nest -c test:///<examples>/demo-fleet.xml ARGS` (libvirt's test driver, no
# daemon) and compare its standard output with EXPECTED and its exit status with
# EXPECTED_CODE. Write EXPECTED afresh with -DUPDATE=ON after an intended change.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(
  COMMAND "${BINARY}" -c "test://${CMAKE_CURRENT_LIST_DIR}/demo-fleet.xml" ${args}
  WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code)
# The fleet's URI (in the JSON records) names this checkout; the expected files say @EXAMPLES@.
string(REPLACE "${CMAKE_CURRENT_LIST_DIR}" "@EXAMPLES@" out "${out}")
if(UPDATE)
  file(WRITE "${CMAKE_CURRENT_LIST_DIR}/${EXPECTED}" "${out}")
endif()
file(READ "${CMAKE_CURRENT_LIST_DIR}/${EXPECTED}" expected)
if(NOT code EQUAL EXPECTED_CODE)
  message(FATAL_ERROR "exit status ${code}, expected ${EXPECTED_CODE}\nstderr:\n${err}")
endif()
if(NOT out STREQUAL expected)
  get_filename_component(name "${EXPECTED}" NAME)
  file(WRITE "${OUT_DIR}/${name}.actual" "${out}")
  message(FATAL_ERROR "output differs from ${EXPECTED}; got ${OUT_DIR}/${name}.actual\nstderr:\n${err}")
endif()
message(STATUS "ok: virt-nest -c test:///.../demo-fleet.xml ${ARGS}")
