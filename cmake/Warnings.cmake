# Warnings as an INTERFACE target, linked PRIVATE so consumers do not inherit them.
add_library(virtnest_warnings INTERFACE)
target_compile_options(virtnest_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
if(VIRTNEST_WERROR)
  target_compile_options(virtnest_warnings INTERFACE -Werror)
endif()
