# SPDX-License-Identifier: GPL-2.0-or-later
# Warnings as an INTERFACE target, linked PRIVATE so consumers do not inherit them.
add_library(virtnest_warnings INTERFACE)
# The C++-only ones are limited to C++ so the C sources (tools/kvm_probe) share the target.
target_compile_options(virtnest_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>)
if(VIRTNEST_WERROR)
  target_compile_options(virtnest_warnings INTERFACE -Werror)
endif()

# GCC 12's -O2 flow analysis reports out-of-bounds accesses inside libstdc++'s own
# std::string concatenation (GCC bugs 105329 and 105651, fixed in 13). They are false
# positives that -Werror would turn into build failures; the clang sanitizer build still
# checks real bounds at run time.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(virtnest_warnings INTERFACE
    -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict)
endif()
