# Extracts the ```cpp blocks of README.md's "## Library" section into a C++ file that
cmake_minimum_required(VERSION 3.21)
# tests/unit/readme_examples_test.cpp compiles and runs, so the README's examples always build
# against the API as written. Each block becomes `void example_N(...)` in namespace readme; its
# #include lines move to the top. Usage: cmake -DREADME=... -DOUT=... -P readme_examples.cmake
file(READ "${README}" text)
string(FIND "${text}" "\n## Library\n" begin)
if(begin LESS 0)
  message(FATAL_ERROR "README.md has no '## Library' section")
endif()
string(SUBSTRING "${text}" ${begin} -1 text)
string(SUBSTRING "${text}" 1 -1 text)
string(FIND "${text}" "\n## " end)
if(end GREATER 0)
  string(SUBSTRING "${text}" 0 ${end} text)
endif()

set(includes "")
set(bodies "")
set(n 0)
while(TRUE)
  string(FIND "${text}" "```cpp\n" open)
  if(open LESS 0)
    break()
  endif()
  math(EXPR open "${open} + 7")
  string(SUBSTRING "${text}" ${open} -1 text)
  string(FIND "${text}" "```" close)
  string(SUBSTRING "${text}" 0 ${close} block)
  math(EXPR close "${close} + 3")
  string(SUBSTRING "${text}" ${close} -1 text)
  # Lines of the block: #include lines go to the top, the rest into the function.
  string(REPLACE ";" "\\;" block "${block}")
  string(REPLACE "\n" ";" lines "${block}")
  set(body "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^#include ")
      string(APPEND includes "${line}\n")
    else()
      string(APPEND body "  ${line}\n")
    endif()
  endforeach()
  string(APPEND bodies "[[maybe_unused]] void example_${n}(const Inputs& in) {\n"
                       "  [[maybe_unused]] const auto& texts = in.texts;\n"
                       "  [[maybe_unused]] const auto& feed = in.feed;\n"
                       "  [[maybe_unused]] const auto& url = in.url;\n"
                       "  [[maybe_unused]] const auto& page_text = in.page_text;\n"
                       "${body}}\n\n")
  math(EXPR n "${n} + 1")
endwhile()
if(n EQUAL 0)
  message(FATAL_ERROR "README.md's Library section has no ```cpp block")
endif()
set(calls "")
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(APPEND calls "  example_${i}(in);\n")
endforeach()
file(WRITE "${OUT}.tmp"
     "// Generated from README.md by tests/readme_examples.cmake: do not edit.\n${includes}\n"
     "namespace readme {\n\n${bodies}"
     "inline int example_count() { return ${n}; }\n"
     "inline void run_all(const Inputs& in) {\n${calls}}\n\n}  // namespace readme\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
