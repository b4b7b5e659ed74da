// neardup eval: score a predicted clustering against gold labels, or a similarity score against
// graded/binary gold judgements on pairs. Prints one JSON object on stdout and a readable
// summary on stderr. Every gold document is scored: one the prediction leaves out counts as a
// singleton cluster of the prediction (reported on stderr); predicted ids not in the gold are
// reported and ignored. A label, score or gold field that no record has is a usage error.
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "jsonl_fields.h"
#include "neardup/advanced/eval.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "eval";

struct EvalOptions {
  std::string gold, pred, pairs;
  std::string id_field = "id";
  std::string gold_field = "story";
  std::string pred_field = "cluster";
  std::string score_field = "similarity";
  bool negate_gold = false;
  bool quiet = false;
};

std::string fmt(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// Interns label strings to dense integers.
uint32_t intern(std::unordered_map<std::string, uint32_t>& map, const std::string& s) {
  return map.try_emplace(s, static_cast<uint32_t>(map.size())).first->second;
}

int run_clustering(const EvalOptions& opt) {
  // gold: id -> label
  std::unordered_map<std::string, uint32_t> labels;
  std::unordered_map<std::string, uint32_t> gold_of;
  uint64_t gold_missing_label = 0;
  Status st = for_each_jsonl_record(
      opt.gold, {opt.id_field, opt.gold_field}, [&](uint64_t line, FieldValues v) -> Status {
        if (!v[0]) {
          return Status::parse_error(opt.gold + ":" + std::to_string(line) + ": no '" +
                                     opt.id_field + "' field");
        }
        if (!v[1]) {
          ++gold_missing_label;
          return Status();
        }
        if (!gold_of.try_emplace(*v[0], intern(labels, "g:" + *v[1])).second) {
          return Status::parse_error(opt.gold + ":" + std::to_string(line) + ": duplicate id '" +
                                     *v[0] + "'");
        }
        return Status();
      });
  if (!st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  // A --gold-field that no record has is a typo, not a gold standard without labels: every
  // score would be 0.
  if (gold_of.empty() && gold_missing_label > 0) {
    print_error(kCommand, "no record of " + opt.gold + " has the field '" + opt.gold_field +
                              "' (--gold-field)");
    return kExitUsage;
  }
  std::vector<uint32_t> gold, pred;
  uint64_t pred_records = 0, pred_not_in_gold = 0;
  std::unordered_map<std::string, uint8_t> seen;
  st = for_each_jsonl_record(
      opt.pred, {opt.id_field, opt.pred_field}, [&](uint64_t line, FieldValues v) -> Status {
        if (!v[0] || !v[1]) {
          return Status::parse_error(opt.pred + ":" + std::to_string(line) + ": needs '" +
                                     opt.id_field + "' and '" + opt.pred_field + "' fields");
        }
        ++pred_records;
        auto it = gold_of.find(*v[0]);
        if (it == gold_of.end()) {
          ++pred_not_in_gold;
          return Status();
        }
        if (!seen.try_emplace(*v[0], 1).second) {
          return Status::parse_error(opt.pred + ":" + std::to_string(line) + ": duplicate id '" +
                                     *v[0] + "'");
        }
        gold.push_back(it->second);
        pred.push_back(intern(labels, "p:" + *v[1]));
        return Status();
      });
  if (!st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  // A gold document the prediction leaves out is a cluster of its own there: leaving it out of
  // the scores would reward a prediction for dropping the documents it got wrong.
  const uint64_t gold_not_in_pred = gold_of.size() - seen.size();
  for (const auto& [id, label] : gold_of) {
    if (seen.contains(id)) continue;
    gold.push_back(label);
    pred.push_back(intern(labels, "missing:" + id));
  }
  const ClusteringScores s = score_clustering(gold, pred);
  std::string json =
      "{\"documents\":" + std::to_string(s.documents) +
      ",\"gold_clusters\":" + std::to_string(s.gold_clusters) +
      ",\"pred_clusters\":" + std::to_string(s.pred_clusters) +
      ",\"pairwise_precision\":" + fmt(s.pairwise_precision) +
      ",\"pairwise_recall\":" + fmt(s.pairwise_recall) + ",\"pairwise_f1\":" + fmt(s.pairwise_f1) +
      ",\"bcubed_precision\":" + fmt(s.bcubed_precision) +
      ",\"bcubed_recall\":" + fmt(s.bcubed_recall) + ",\"bcubed_f1\":" + fmt(s.bcubed_f1) +
      ",\"ari\":" + fmt(s.ari) + ",\"nmi\":" + fmt(s.nmi) + ",\"nmi_sqrt\":" + fmt(s.nmi_sqrt) +
      ",\"gold_not_in_pred\":" + std::to_string(gold_not_in_pred) +
      ",\"pred_not_in_gold\":" + std::to_string(pred_not_in_gold) +
      ",\"gold_without_label\":" + std::to_string(gold_missing_label) + "}\n";
  std::fwrite(json.data(), 1, json.size(), stdout);
  if (!opt.quiet) {
    if (gold_not_in_pred > 0) {
      print_error(kCommand,
                  std::to_string(gold_not_in_pred) +
                      " gold documents missing from the prediction, scored as singletons");
    }
    if (pred_not_in_gold > 0) {
      print_error(kCommand,
                  std::to_string(pred_not_in_gold) +
                      (pred_not_in_gold == 1 ? " predicted document" : " predicted documents") +
                      " not in the gold, ignored");
    }
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%zu documents (%llu gold ids missing from pred, %llu pred ids not in gold); "
                  "pairwise P/R/F1 %.4f/%.4f/%.4f; B-cubed P/R/F1 %.4f/%.4f/%.4f; ARI %.4f; "
                  "NMI %.4f",
                  s.documents, static_cast<unsigned long long>(gold_not_in_pred),
                  static_cast<unsigned long long>(pred_not_in_gold), s.pairwise_precision,
                  s.pairwise_recall, s.pairwise_f1, s.bcubed_precision, s.bcubed_recall,
                  s.bcubed_f1, s.ari, s.nmi);
    print_error(kCommand, buf);
  }
  return kExitOk;
}

int run_pairs(const EvalOptions& opt) {
  std::vector<double> score, gold;
  uint64_t missing = 0, with_score = 0, with_gold = 0;
  bool binary = true;
  Status st = for_each_jsonl_record(
      opt.pairs, {opt.score_field, opt.gold_field}, [&](uint64_t line, FieldValues v) -> Status {
        if (v[0]) ++with_score;
        if (v[1]) ++with_gold;
        if (!v[0] || !v[1]) {
          ++missing;
          return Status();
        }
        char* end = nullptr;
        const double s = std::strtod(v[0]->c_str(), &end);
        if (end == v[0]->c_str() || *end != '\0') {
          return Status::parse_error(opt.pairs + ":" + std::to_string(line) + ": '" +
                                     opt.score_field + "' is not a number");
        }
        const double g = std::strtod(v[1]->c_str(), &end);
        if (end == v[1]->c_str() || *end != '\0') {
          return Status::parse_error(opt.pairs + ":" + std::to_string(line) + ": '" +
                                     opt.gold_field + "' is not a number");
        }
        if (g != 0 && g != 1) binary = false;
        score.push_back(s);
        gold.push_back(opt.negate_gold ? -g : g);
        return Status();
      });
  if (!st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  // A field that no pair has is a typo: the correlations would be computed over nothing.
  if (missing > 0 && (with_score == 0 || with_gold == 0)) {
    const std::string score_field = "'" + opt.score_field + "' (--score-field)";
    const std::string gold_field = "'" + opt.gold_field + "' (--gold-field)";
    print_error(kCommand, "no record of " + opt.pairs + " has the field " +
                              (with_score == 0 && with_gold == 0
                                   ? score_field + " nor " + gold_field
                                   : (with_score == 0 ? score_field : gold_field)));
    return kExitUsage;
  }
  const double r = pearson(score, gold), rho = spearman(score, gold);
  std::optional<double> auc;
  if (binary && !opt.negate_gold) {
    std::vector<uint8_t> positive(gold.size());
    for (std::size_t i = 0; i < gold.size(); ++i) positive[i] = gold[i] == 1 ? 1 : 0;
    auc = roc_auc(score, positive);
  }
  std::string json = "{\"pairs\":" + std::to_string(score.size()) + ",\"pearson\":" + fmt(r) +
                     ",\"spearman\":" + fmt(rho) +
                     ",\"roc_auc\":" + (auc ? fmt(*auc) : std::string("null")) +
                     ",\"pairs_missing_fields\":" + std::to_string(missing) + "}\n";
  std::fwrite(json.data(), 1, json.size(), stdout);
  if (!opt.quiet) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%zu pairs (%llu missing a field); Pearson %.4f; Spearman %.4f",
                  score.size(), static_cast<unsigned long long>(missing), r, rho);
    std::string line = buf;
    if (auc) line += "; ROC AUC " + fmt(*auc);
    print_error(kCommand, line);
  }
  return kExitOk;
}

}  // namespace

int cmd_eval(const std::vector<std::string>& args) {
  EvalOptions opt;
  po::options_description desc("options");
  desc.add_options()                                                                         //
      ("gold", po::value(&opt.gold), "gold labels, JSONL with --id-field and --gold-field")  //
      ("pred", po::value(&opt.pred),
       "predicted clustering, JSONL with --id-field and --pred-field (neardup cluster output)")  //
      ("pairs", po::value(&opt.pairs),
       "instead of --gold/--pred: JSONL pairs with --score-field and --gold-field")     //
      ("id-field", po::value(&opt.id_field)->default_value("id"), "document id field")  //
      ("gold-field", po::value(&opt.gold_field)->default_value("story"),
       "gold label field (cluster label, or graded/binary pair label)")  //
      ("pred-field", po::value(&opt.pred_field)->default_value("cluster"),
       "predicted cluster field")  //
      ("score-field", po::value(&opt.score_field)->default_value("similarity"),
       "pair similarity field")  //
      ("negate-gold", po::bool_switch(&opt.negate_gold),
       "correlate with minus the gold value (for scales where 1 means most similar)")  //
      ("quiet,q", po::bool_switch(&opt.quiet), "no summary on stderr");
  po::variables_map vm;
  const int rc = parse_command_line(
      kCommand, args, desc,
      "neardup eval --gold GOLD.jsonl --pred PRED.jsonl [options]\n"
      "       neardup eval --pairs PAIRS.jsonl --score-field S --gold-field G [options]",
      nullptr, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (!opt.pairs.empty()) {
    if (!opt.gold.empty() || !opt.pred.empty()) {
      print_error(kCommand, "--pairs cannot be combined with --gold/--pred");
      return kExitUsage;
    }
    return run_pairs(opt);
  }
  if (opt.gold.empty() || opt.pred.empty()) {
    print_error(kCommand, "needs --gold and --pred (or --pairs)");
    return kExitUsage;
  }
  return run_clustering(opt);
}

}  // namespace neardup::cli
