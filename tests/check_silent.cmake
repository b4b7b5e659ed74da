# Fails if the static library references symbols that print, exit or abort.
execute_process(COMMAND nm -C --undefined-only ${LIB} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
set(bad "")
# std::terminate is not in this list: compilers reference it themselves to enforce noexcept (clang's
# __clang_call_terminate helper in almost every object; GCC in noexcept cleanups of sanitized
# builds, e.g. around the inlined noexcept std::to_string(int)), so nm cannot tell a library call
# from a language rule. Explicit calls are checked in the sources below instead.
foreach(pat "std::cout" "std::cerr" "std::clog" " abort$" " exit$" " _exit$" " printf$" " puts$"
            " fprintf$" " perror$")
  string(REGEX MATCHALL "[^\n]*${pat}[^\n]*" hits "${syms}")
  if(hits)
    list(APPEND bad ${hits})
  endif()
endforeach()
file(GLOB_RECURSE srcs "${CMAKE_CURRENT_LIST_DIR}/../core/*.h" "${CMAKE_CURRENT_LIST_DIR}/../core/*.cpp")
foreach(src ${srcs})
  file(STRINGS "${src}" calls REGEX "std::(terminate|set_terminate)[ \t]*\\(")
  if(calls)
    list(APPEND bad "${src}: ${calls}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "neardup_core must not print, exit or abort; it references:\n${bad}")
endif()
message(STATUS "neardup_core references no printing/exiting/aborting symbols")
