// neardup idf build: count document frequencies of story features over a corpus and save them as
// an IDF model, so that `cluster --mode story --idf-model` (and a stream) weighs its first
// documents with the statistics of a large background corpus.
#include <string>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "commands.h"
#include "jsonl_fields.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/story.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "idf";

}  // namespace

int cmd_idf(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "build" && args[0] != "--help" && args[0] != "-h")) {
    print_error(kCommand, "expected a subcommand: neardup idf build -o MODEL CORPUS...");
    return kExitUsage;
  }
  const std::vector<std::string> rest(args.begin() + (args[0] == "build" ? 1 : 0), args.end());
  CommonOptions common;
  InputOptions input;
  StoryFeatureFlags story;
  std::string output;
  po::options_description desc("options");
  desc.add_options()  //
      ("output,o", po::value(&output), "write the model to this file (required)");
  add_story_feature_options(desc, story, kStoryTitleField);
  add_input_options(desc, input);
  add_common_options(desc, common);
  po::variables_map vm;
  const int rc =
      parse_command_line(kCommand, rest, desc,
                         "neardup idf build -o MODEL [options] FILE|DIR|- ...", &input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (output.empty()) {
    print_error(kCommand, "--output MODEL is required");
    return kExitUsage;
  }
  if (input.inputs.empty()) {
    print_error(kCommand, "no input given");
    return kExitUsage;
  }
  if (Status st = input.resolve(); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitUsage;
  }
  StoryFeatureOptions fo = story.features(common.seed);
  if (Status st = load_translations(story, fo); !st.ok()) {
    print_error(kCommand, st.message());
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  const std::string& title_field = story.title_field;
  const unsigned threads = common.resolved_threads();
  std::vector<StoryFeaturizer> featurizers;
  for (unsigned t = 0; t < threads; ++t) {
    Result<StoryFeaturizer> f = StoryFeaturizer::create(fo);
    if (!f.ok()) {
      print_error(kCommand, f.status().message());
      return kExitUsage;
    }
    featurizers.push_back(std::move(*f));
  }
  std::vector<DocumentFrequencies> partial(threads);
  std::vector<std::vector<StoryTerm>> scratch(threads);
  std::vector<JsonFieldExtractor> extractors(threads);
  BatchReader reader(input.inputs, input.reader);
  Progress progress(std::string(kCommand), !common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  const int rc_read = for_each_batch(
      kCommand, reader, progress, documents, pool, [&](std::vector<Document>& docs, std::size_t n) {
        // Each worker counts into its own table; the tables are merged at the end (counts add,
        // so the model does not depend on the thread count).
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          std::optional<std::string> title;
          if (!title_field.empty()) title = extractors[w].get(docs[i].raw, title_field);
          featurizers[w].extract(docs[i].text, title ? *title : std::string_view(), scratch[w]);
          partial[w].add(scratch[w]);
        });
      });
  if (rc_read != kExitOk) return rc_read;
  DocumentFrequencies df;
  for (const auto& p : partial) df.merge(p);
  df.set_feature_fingerprint(fo.fingerprint());
  if (Status st = df.save(output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  if (!common.quiet) {
    print_error(kCommand, "model " + output + ": " + std::to_string(df.documents()) +
                              " documents, " + std::to_string(df.terms()) + " terms");
  }
  return kExitOk;
}

}  // namespace neardup::cli
