// Negative values for unsigned options, refused in one place for every flag of a command line.
// Boost.Program_options converts an option's value with lexical_cast, which reads "-5" into an
// unsigned option as 2^32 - 5: `--num-perm -5` used to fail later, far from the cause, as
// "num_perm 4294967291 exceeds the maximum", and `--seed -1` silently meant 2^64 - 1. Called
// between parsing and storing, this finds each given option whose value type is unsigned (from
// its description, so a new unsigned flag is covered without a line of its own) and throws a
// po::error naming the flag and the value as given:
//
//   po::parsed_options parsed = po::command_line_parser(args).options(desc).run();
//   reject_negative_unsigned(parsed);  // "--num-perm must be a non-negative integer, got -5"
//   po::store(parsed, vm);
//
// Thread safety: none needed (main thread, once per run). Cost: one look-up per given option.
#pragma once

#include <boost/program_options.hpp>
#include <cstddef>
#include <string>
#include <typeinfo>

namespace neardup::cli {

// Whether `type` is one of the unsigned integer types an option is declared with.
inline bool is_unsigned_option_type(const std::type_info& type) {
  return type == typeid(unsigned short) || type == typeid(unsigned) ||
         type == typeid(unsigned long) || type == typeid(unsigned long long);
}

// Throws boost::program_options::error for the first value of an unsigned option that carries a
// minus sign (after any leading white space, as lexical_cast skips none but a shell may pass it).
inline void reject_negative_unsigned(const boost::program_options::parsed_options& parsed) {
  namespace po = boost::program_options;
  if (parsed.description == nullptr) return;
  for (const po::option& o : parsed.options) {
    if (o.unregistered || o.string_key.empty()) continue;
    const po::option_description* d = parsed.description->find_nothrow(o.string_key, false);
    if (d == nullptr) continue;
    const auto* typed = dynamic_cast<const po::typed_value_base*>(d->semantic().get());
    if (typed == nullptr || !is_unsigned_option_type(typed->value_type())) continue;
    for (const std::string& value : o.value) {
      const std::size_t start = value.find_first_not_of(" \t");
      if (start != std::string::npos && value[start] == '-') {
        throw po::error("--" + d->long_name() + " must be a non-negative integer, got " + value);
      }
    }
  }
}

}  // namespace neardup::cli
