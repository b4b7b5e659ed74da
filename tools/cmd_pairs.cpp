// neardup pairs: score pairs of texts with the story similarity. Reads JSONL records holding two
// texts (fields --field1/--field2, default text1/text2) and writes each record back unchanged
// with a "similarity" field added, ready for `neardup eval --pairs`. A record that lacks a text
// field scores against empty text and is counted; a field that no record has is a usage error.
// With an --idf-model that holds a latent space (`idf build --latent-rank K`), the similarity
// follows the clusterer's rule: (1 - W) x the lexical cosine + W x the latent cosine
// (--latent-weight W), the lexical cosine alone when either text has no latent vector.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "jsonl_fields.h"
#include "neardup/advanced/story.h"
#include "neardup/advanced/story_latent.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "pairs";

struct PairsOptions {
  CommonOptions common;
  StoryFeatureFlags story;
  std::string output = "-", field1 = "text1", field2 = "text2";
  double latent_weight = StoryOptions{}.latent_weight;
};

}  // namespace

int cmd_pairs(const std::vector<std::string>& args) {
  PairsOptions opt;
  po::options_description desc("options");
  desc.add_options()                                                                   //
      ("field1", po::value(&opt.field1)->default_value("text1"), "first text field")   //
      ("field2", po::value(&opt.field2)->default_value("text2"), "second text field")  //
      ("latent-weight", po::value(&opt.latent_weight)->default_value(opt.latent_weight),
       "with an --idf-model that holds a latent space: similarity = (1 - W) x lexical cosine + "
       "W x latent cosine, W in [0, 1] (the rule of cluster --mode story)");
  add_output_option(desc, opt.output);
  // --idf-model: document frequencies to start from; the file's own texts are always counted.
  add_story_feature_options(desc, opt.story, kStoryIdfModel);
  add_common_options(desc, opt.common);
  std::vector<std::string> inputs;
  po::variables_map vm;
  const int rc = parse_command_line(kCommand, args, desc,
                                    "neardup pairs [options] PAIRS.jsonl  (story similarity of "
                                    "two text fields per record)",
                                    &inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (inputs.size() != 1) {
    print_error(kCommand, "needs exactly one input file (or - for stdin)");
    return kExitUsage;
  }
  if (!(opt.latent_weight >= 0 && opt.latent_weight <= 1)) {
    print_error(kCommand, "--latent-weight must be in [0, 1]");
    return kExitUsage;
  }
  StoryFeatureOptions fo = opt.story.features(opt.common.seed);
  if (Status lt = load_translations(opt.story, fo); !lt.ok()) {
    print_error(kCommand, lt.message());
    return lt.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  Result<StoryFeaturizer> featurizer = StoryFeaturizer::create(fo);
  if (!featurizer.ok()) {
    print_error(kCommand, featurizer.status().message());
    return kExitUsage;
  }
  DocumentFrequencies df;
  if (!opt.story.idf_model.empty()) {
    Result<DocumentFrequencies> m = load_idf_model(opt.story.idf_model, fo);
    if (!m.ok()) {
      print_error(kCommand, m.status().message());
      return kExitFailure;
    }
    df = std::move(*m);
  }
  if (!vm["latent-weight"].defaulted() && df.latent() == nullptr) {
    print_error(kCommand,
                "--latent-weight needs an --idf-model with a latent space (neardup idf build "
                "--latent-rank K)");
    return kExitUsage;
  }
  // Pass 1: features of both sides and the raw records (pair files are small).
  std::vector<std::vector<StoryTerm>> left, right;
  std::vector<std::string> records;
  uint64_t missing = 0, with1 = 0, with2 = 0;
  std::vector<StoryTerm> a, b;
  Status st = for_each_jsonl_record(inputs[0], {opt.field1, opt.field2, kWholeRecord},
                                    [&](uint64_t line, FieldValues v) {
                                      (void)line;
                                      if (!v[0] || !v[1]) ++missing;
                                      if (v[0]) ++with1;
                                      if (v[1]) ++with2;
                                      featurizer->extract(v[0] ? *v[0] : std::string(), {}, a);
                                      featurizer->extract(v[1] ? *v[1] : std::string(), {}, b);
                                      df.add(a);
                                      df.add(b);
                                      left.push_back(a);
                                      right.push_back(b);
                                      records.push_back(v[2] ? *v[2] : std::string());
                                      return Status();
                                    });
  if (!st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  // A text field that no record has is a typo (or the wrong file): every pair would score 0.
  if (!left.empty() && (with1 == 0 || with2 == 0)) {
    const std::string f1 = "'" + opt.field1 + "' (--field1)",
                      f2 = "'" + opt.field2 + "' (--field2)";
    print_error(kCommand,
                inputs[0] + ": no record has the field " +
                    (with1 == 0 && with2 == 0 ? f1 + " nor " + f2 : (with1 == 0 ? f1 : f2)));
    return kExitUsage;
  }
  Output out;
  if (Status s = out.open(opt.output, inputs); !s.ok()) {
    print_error(kCommand, s.message());
    return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  StoryVector va, vb;
  std::string line;
  for (std::size_t i = 0; i < left.size(); ++i) {
    weigh_story_terms(left[i], df, va);
    weigh_story_terms(right[i], df, vb);
    double sim = story_cosine(va, vb);
    if (const StoryLatentSpace* space = df.latent(); space != nullptr && opt.latent_weight > 0) {
      space->project(va, va.latent);
      space->project(vb, vb.latent);
      if (!va.latent.empty() && !vb.latent.empty()) {
        sim =
            (1 - opt.latent_weight) * sim + opt.latent_weight * latent_cosine(va.latent, vb.latent);
      }
    }
    line = records[i];
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) {
      line.pop_back();
    }
    if (!line.empty() && line.back() == '}') line.pop_back();
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s\"similarity\":%.6g}\n", line.size() > 1 ? "," : "", sim);
    line += buf;
    out.write(line);
  }
  if (Status s = out.close(); !s.ok()) {
    print_error(kCommand, s.message());
    return kExitFailure;
  }
  if (!opt.common.quiet) {
    print_error(kCommand, std::to_string(left.size()) + " pairs scored (" +
                              std::to_string(missing) + " missing a text field)");
  }
  return kExitOk;
}

}  // namespace neardup::cli
