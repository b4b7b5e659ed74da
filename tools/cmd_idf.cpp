// neardup idf build: count document frequencies of story features over a corpus and save them as
// an IDF model, so that `cluster --mode story --idf-model` (and a stream) weighs its first
// documents with the statistics of a large background corpus. With --latent-rank K the model
// also holds the corpus's LSA term projection (a truncated SVD of its TF-IDF matrix,
// story_latent.h), which the batch, the stream and `neardup pairs` then use as a prebuilt
// latent space.
#include <memory>
#include <string>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "commands.h"
#include "jsonl_fields.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/story.h"
#include "neardup/advanced/story_latent.h"

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
  StoryLatentOptions latent;
  latent.rank = 0;
  po::options_description desc("options");
  desc.add_options()                                                               //
      ("output,o", po::value(&output), "write the model to this file (required)")  //
      ("latent-rank", po::value(&latent.rank)->default_value(0),
       "also store the corpus's latent space: a truncated SVD (LSA) of its TF-IDF matrix with "
       "this many dimensions (1-1000), which cluster --mode story (batch and --stream) and "
       "pairs then use with --idf-model; 0 = document frequencies only. Keeps the corpus's "
       "features in memory (about 30 bytes per distinct term of a document) and the SVD's "
       "documents x (K + 10) float blocks")  //
      ("latent-power-iterations",
       po::value(&latent.power_iterations)->default_value(latent.power_iterations),
       "with --latent-rank: power iterations of the randomized SVD (0-20; more is more exact "
       "and slower)")  //
      ("latent-min-df", po::value(&latent.min_df)->default_value(latent.min_df),
       "with --latent-rank: a term is a column of the SVD when at least this many documents "
       "hold it");
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
  if (latent.rank > 0) {
    if (Status st = latent.validate(); !st.ok()) {
      print_error(kCommand, "--latent-*: " + st.message());
      return kExitUsage;
    }
  } else if (!vm["latent-power-iterations"].defaulted() || !vm["latent-min-df"].defaulted()) {
    print_error(kCommand, "--latent-power-iterations and --latent-min-df need --latent-rank");
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
  // With --latent-rank: every document's features, in input order (the SVD needs the corpus's
  // TF-IDF matrix, weighed with the final frequencies).
  std::vector<std::vector<StoryTerm>> kept;
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
        const std::size_t base = kept.size();
        if (latent.rank > 0) kept.resize(base + n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          std::optional<std::string> title;
          if (!title_field.empty()) title = extractors[w].get(docs[i].raw, title_field);
          std::vector<StoryTerm>& terms = latent.rank > 0 ? kept[base + i] : scratch[w];
          featurizers[w].extract(docs[i].text, title ? *title : std::string_view(), terms);
          partial[w].add(terms);
        });
      });
  if (rc_read != kExitOk) return rc_read;
  DocumentFrequencies df;
  for (const auto& p : partial) df.merge(p);
  df.set_feature_fingerprint(fo.fingerprint());
  if (latent.rank > 0) {
    // The latent space of the corpus's unit TF-IDF vectors (single-threaded and seeded: the
    // same corpus gives the same bytes on any thread count).
    std::vector<StoryVector> vectors(kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i) {
      weigh_story_terms(kept[i], df, vectors[i]);
      std::vector<StoryTerm>().swap(kept[i]);
    }
    Result<StoryLatentSpace> space = StoryLatentSpace::fit(vectors, latent);
    if (!space.ok()) {
      print_error(kCommand, space.status().message());
      return kExitFailure;
    }
    df.set_latent(std::make_shared<const StoryLatentSpace>(std::move(*space)));
  }
  if (Status st = df.save(output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  if (!common.quiet) {
    std::string latent_note;
    if (df.latent() != nullptr) {
      latent_note = ", latent space of rank " + std::to_string(df.latent()->rank()) + " over " +
                    std::to_string(df.latent()->columns()) + " terms";
    }
    print_error(kCommand, "model " + output + ": " + std::to_string(df.documents()) +
                              " documents, " + std::to_string(df.terms()) + " terms" + latent_note);
  }
  return kExitOk;
}

}  // namespace neardup::cli
