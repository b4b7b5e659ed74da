// libFuzzer target: the C API (neardup_c.h). The first 8 bytes are the options (some of them
// invalid on purpose), the rest a program of operations on one handle: add, query, add_if_new,
// remove, stats with odd struct sizes, save + load through a file, and loading the operation's
// bytes as an index file. Checks the API's contracts: a call either succeeds or leaves a
// message, and a handle answers consistently.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "fuzz_util.h"
#include "neardup/neardup_c.h"

namespace {

void check(neardup_status st) {
  if (st != NEARDUP_OK && neardup_last_error()[0] == '\0') __builtin_trap();  // no message
}

void check_matches(const neardup_matches* m, std::size_t max_results) {
  const std::size_t n = neardup_matches_count(m);
  if (n > max_results) __builtin_trap();
  for (std::size_t i = 0; i <= n; ++i) {
    std::size_t len = 0;
    const char* id = neardup_matches_id(m, i, &len);
    const double sim = neardup_matches_similarity(m, i);
    if (i < n && (id == nullptr || std::strlen(id) > len || sim < 0 || sim > 1)) __builtin_trap();
    if (i == n && sim != -1) __builtin_trap();
  }
}

const std::string& temp_path() {
  // tmpfs when there is one: save() fsyncs, which on a disk would slow every run down.
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/neardup-fuzz-c-api-" +
      std::to_string(::getpid()) + ".ndx";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  // The options live in a larger zeroed buffer, as the C API's contract asks of a caller whose
  // struct_size is larger than this library's struct (a newer header).
  alignas(neardup_options) unsigned char buffer[512] = {};
  neardup_options& opt = *new (buffer) neardup_options;
  neardup_options_init(&opt);
  if ((data[0] & 0xC0) == 0xC0) buffer[sizeof(neardup_options) + data[3] % 64] = 1;  // unknown
  opt.backend = (data[0] & 1) != 0 ? NEARDUP_BACKEND_SIMHASH : NEARDUP_BACKEND_MINHASH;
  opt.char_shingles = (data[0] >> 1) & 1;
  if ((data[0] & 4) != 0) opt.struct_size = data[0] & 0xF8u;  // odd sizes: refused or read in part
  opt.shingle_k = data[1] % 9;                                // 0 is invalid
  static constexpr uint32_t kPerm[8] = {16, 32, 64, 128, 0, 1, 7, 100000};
  opt.num_perm = kPerm[data[2] & 7];
  opt.bands = (data[2] & 8) != 0 ? data[3] % 40 : 0;
  opt.rows = (data[2] & 8) != 0 ? data[4] % 40 : 0;
  opt.max_distance = data[5] % 70;
  opt.simhash_bits = (data[6] & 1) != 0 ? 128 : (data[6] & 2) != 0 ? 32 : 64;
  opt.threshold = data[7] / 200.0;  // up to 1.275: past 1 is invalid
  opt.seed = data[6];
  check(neardup_options_validate(&opt));
  neardup_dedup* d = nullptr;
  const neardup_status created = neardup_create(&opt, &d);
  check(created);
  if (created != NEARDUP_OK) return 0;
  if (d == nullptr) __builtin_trap();

  const char* p = reinterpret_cast<const char*>(data) + 8;
  std::size_t left = size - 8;
  for (int ops = 0; left >= 2 && ops < 256; ++ops) {
    const uint8_t op = static_cast<uint8_t>(p[0]);
    std::size_t len = static_cast<uint8_t>(p[1]);
    p += 2;
    left -= 2;
    if (len > left) len = left;
    const char* arg = p;
    p += len;
    left -= len;
    const std::size_t id_len = len < 4 ? len : 4;  // an id, then the text
    const char* text = arg + id_len;
    const std::size_t text_len = len - id_len;
    switch (op % 9) {
      case 0:
        check(neardup_add(d, arg, id_len, text, text_len));
        break;
      case 1: {
        neardup_matches* m = nullptr;
        const std::size_t max_results = op / 9 % 12;
        const neardup_status st = neardup_query(d, arg, len, max_results, &m);
        check(st);
        if (st == NEARDUP_OK) check_matches(m, max_results);
        neardup_matches_free(m);
        break;
      }
      case 2: {
        int added = -1;
        neardup_matches* m = nullptr;
        const std::size_t before = neardup_size(d);
        const neardup_status st = neardup_add_if_new(d, arg, id_len, text, text_len, &added, &m);
        check(st);
        if (st == NEARDUP_OK) {
          if (added != 0 && added != 1) __builtin_trap();
          if (neardup_size(d) != before + static_cast<std::size_t>(added)) __builtin_trap();
          if (added == 0 && m != nullptr) check_matches(m, SIZE_MAX);
        }
        neardup_matches_free(m);
        break;
      }
      case 3: {
        std::size_t removed = 0;
        const std::size_t before = neardup_size(d);
        const neardup_status st = neardup_remove(d, arg, id_len, &removed);
        check(st);
        if (st == NEARDUP_OK && neardup_size(d) != before - removed) __builtin_trap();
        break;
      }
      case 4: {
        alignas(neardup_stats) unsigned char stats_buffer[1024] = {};
        neardup_stats& stats = *new (stats_buffer) neardup_stats;
        neardup_stats_init(&stats);
        if ((op & 0x80) != 0) stats.struct_size = len * 4;  // odd sizes, including 0 and > 1000
        const neardup_status st = neardup_get_stats(d, &stats);
        check(st);
        if (st == NEARDUP_OK && (op & 0x80) == 0 && stats.documents != neardup_size(d)) {
          __builtin_trap();
        }
        break;
      }
      case 5: {  // save, load, and the copy holds as many pages
        if (neardup_save(d, temp_path().c_str()) != NEARDUP_OK) __builtin_trap();
        neardup_dedup* copy = nullptr;
        if (neardup_load(temp_path().c_str(), &copy) != NEARDUP_OK) __builtin_trap();
        if (neardup_size(copy) != neardup_size(d)) __builtin_trap();
        neardup_free(copy);
        std::remove(temp_path().c_str());
        break;
      }
      case 6: {  // the operation's bytes as an index file
        const neardup::fuzz::MemFile file(std::string_view(arg, len));
        neardup_dedup* other = nullptr;
        const neardup_status st = neardup_load(file.path().c_str(), &other);
        check(st);
        neardup_free(other);
        break;
      }
      case 7:  // the valid codes (an out-of-range one is a C caller's: tests/unit/c_api_test.c)
        if (neardup_status_name(static_cast<neardup_status>(op % 9)) == nullptr) __builtin_trap();
        break;
      default:
        (void)neardup_size(d);
        break;
    }
  }
  neardup_free(d);
  return 0;
}
