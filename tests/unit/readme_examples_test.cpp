// The README's library examples compile against the API as written and run without crashing
// (their inputs are small stand-ins: the files they open do not exist, so they stop early).
// readme_examples.inc is generated from README.md's "## Library" section at build time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace readme {

// What the examples take from their surroundings.
struct Article {
  std::string text, title, date, id;
};
struct Inputs {
  std::vector<std::string> texts;
  std::vector<Article> feed;
  std::string url, page_text;
};
inline void log(const std::string&) {}
template <class... Args>
void skip(const Args&...) {}

}  // namespace readme

#include "readme_examples.inc"

namespace neardup {
namespace {

TEST(ReadmeExamplesTest, LibraryExamplesCompileAndRun) {
  readme::Inputs in;
  in.texts = {"the quick brown fox jumps over the lazy dog",
              "the quick brown fox jumps over the lazy dog",
              "an entirely different sentence about something else"};
  in.feed = {
      {"Earthquake strikes the coast", "Quake", "2014-03-10T22:24:50Z", "a"},
      {"Tsunami warning after the earthquake", "Warning", "Tue, 11 Mar 2014 01:00:00 GMT", "b"}};
  in.url = "https://example.com/";
  in.page_text = "page";
  EXPECT_GE(readme::example_count(), 4);
  readme::run_all(in);
}

}  // namespace
}  // namespace neardup
