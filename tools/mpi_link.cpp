// The partitioned link stage of `mpirun ... neardup cluster` (see mpi_link.h for the design).
#include "mpi_link.h"

#ifdef NEARDUP_HAVE_MPI

#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "neardup/advanced/cluster.h"
#include "neardup/advanced/hash.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/spill.h"
#include "neardup/advanced/stages.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

// The seed of the id hashes of --on-duplicate-id (any fixed value: the hashes never leave the
// run).
constexpr uint64_t kIdHashSeed = 0x1d5eed;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// splitmix64's finalizer: spreads keys (and pairs) over the ranks.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Comm {
  int rank = 0;
  int size = 1;
  uint64_t sent = 0;           // bytes this rank sent to other ranks
  std::vector<uint64_t> base;  // size + 1 entries: the first global document of each rank

  int home(uint32_t doc) const {
    return static_cast<int>(std::upper_bound(base.begin(), base.end(), uint64_t{doc}) -
                            base.begin()) -
           1;
  }
  int owner(uint64_t key) const { return static_cast<int>(mix(key) % static_cast<uint64_t>(size)); }
};

// Collective: whether `ok` holds on every rank.
bool all_ok(bool ok) {
  int mine = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}
bool any(bool value) {
  int mine = value ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return all == 1;
}
uint64_t sum(uint64_t value) {
  unsigned long long mine = value, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  return all;
}

// Collective: send[d] goes to rank d; returns what each rank sent here, by source. Large
// exchanges go in rounds of at most 16 MiB per destination (MPI counts are ints), each source's
// elements arriving in order. `send` is emptied.
template <class T>
std::vector<std::vector<T>> exchange(Comm& c, std::vector<std::vector<T>>& send) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto p = static_cast<std::size_t>(c.size);
  const std::size_t per_dest_bytes =
      std::min<std::size_t>(std::size_t{16} << 20, (std::size_t{1} << 30) / p);
  const std::size_t cap = std::max<std::size_t>(1, per_dest_bytes / sizeof(T));
  std::vector<std::vector<T>> recv(p);
  std::vector<std::size_t> at(p, 0);
  std::vector<int> scount(p), rcount(p), sdispl(p), rdispl(p);
  std::vector<char> sbuf, rbuf;
  for (;;) {
    std::size_t total = 0;
    for (std::size_t d = 0; d < p; ++d) {
      const std::size_t n = std::min(cap, send[d].size() - at[d]);
      scount[d] = static_cast<int>(n * sizeof(T));
      sdispl[d] = static_cast<int>(total);
      total += n * sizeof(T);
    }
    sbuf.resize(total);
    for (std::size_t d = 0; d < p; ++d) {
      if (scount[d] > 0) {
        std::memcpy(sbuf.data() + sdispl[d], send[d].data() + at[d],
                    static_cast<std::size_t>(scount[d]));
      }
      if (static_cast<int>(d) != c.rank) c.sent += static_cast<uint64_t>(scount[d]);
    }
    MPI_Alltoall(scount.data(), 1, MPI_INT, rcount.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::size_t rtotal = 0;
    for (std::size_t s = 0; s < p; ++s) {
      rdispl[s] = static_cast<int>(rtotal);
      rtotal += static_cast<std::size_t>(rcount[s]);
    }
    rbuf.resize(rtotal);
    MPI_Alltoallv(sbuf.data(), scount.data(), sdispl.data(), MPI_BYTE, rbuf.data(), rcount.data(),
                  rdispl.data(), MPI_BYTE, MPI_COMM_WORLD);
    bool more = false;
    for (std::size_t s = 0; s < p; ++s) {
      const std::size_t n = static_cast<std::size_t>(rcount[s]) / sizeof(T);
      const std::size_t old = recv[s].size();
      recv[s].resize(old + n);
      if (n > 0) std::memcpy(recv[s].data() + old, rbuf.data() + rdispl[s], n * sizeof(T));
      at[s] += static_cast<std::size_t>(scount[s]) / sizeof(T);
      more = more || at[s] < send[s].size();
    }
    if (!any(more)) break;
  }
  for (auto& v : send) std::vector<T>().swap(v);
  return recv;
}

template <class T>
std::vector<T> flatten(std::vector<std::vector<T>>&& parts) {
  std::size_t n = 0;
  for (const auto& v : parts) n += v.size();
  std::vector<T> out;
  out.reserve(n);
  for (auto& v : parts) {
    out.insert(out.end(), v.begin(), v.end());
    std::vector<T>().swap(v);
  }
  return out;
}

struct Edge {
  uint32_t a, b;
  bool operator<(const Edge& o) const noexcept { return std::tie(a, b) < std::tie(o.a, o.b); }
  bool operator==(const Edge& o) const noexcept = default;
};

// Collective: every rank's edges are united into every rank's union-find (in rounds of at most
// 2^20 edges per rank).
void share_edges(Comm& c, std::vector<Edge>& edges, UnionFind& uf) {
  constexpr std::size_t kCap = std::size_t{1} << 20;
  std::size_t at = 0;
  std::vector<int> counts(static_cast<std::size_t>(c.size)), displs(counts.size());
  std::vector<Edge> all;
  for (;;) {
    const std::size_t n = std::min(kCap, edges.size() - at);
    const int bytes = static_cast<int>(n * sizeof(Edge));
    MPI_Allgather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::size_t total = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
      displs[s] = static_cast<int>(total);
      total += static_cast<std::size_t>(counts[s]);
    }
    all.resize(total / sizeof(Edge));
    MPI_Allgatherv(edges.data() + at, bytes, MPI_BYTE, all.data(), counts.data(), displs.data(),
                   MPI_BYTE, MPI_COMM_WORLD);
    c.sent += static_cast<uint64_t>(bytes) * static_cast<uint64_t>(c.size - 1);
    for (const Edge& e : all) uf.unite(e.a, e.b);
    at += n;
    if (!any(at < edges.size())) break;
  }
  edges.clear();
}

struct ExactMsg {
  uint64_t high, low;
  uint32_t doc, pad;
};
struct IdMsg {
  uint64_t hash;
  uint32_t doc, pad;
};
struct CanonMsg {
  uint32_t doc, canon;
};
struct BandMsg {
  uint64_t key;
  uint32_t doc, pad;
};
struct BestMsg {
  uint32_t root, doc;
  double priority;
};

struct Counters {
  uint64_t copies = 0, candidates = 0, verified = 0, rejected = 0, skipped = 0;
};

// This rank's documents.
struct Shard {
  uint32_t n = 0;
  uint32_t base = 0;
  uint32_t bands = 0;
  bool near = true;
  bool shingles = true;
  double threshold = 0;
  std::vector<uint64_t> band_keys;  // n x bands
  std::vector<uint8_t> banded;      // whether the document has band keys (it has shingles)
  std::vector<double> priority;     // --representative longest: the text bytes
  std::vector<uint32_t> canon;      // global number of the first copy of each document
  // Per document, on disk (unlinked temporary files): its verification data (the sorted
  // shingle set, or the 32-bit signature, as bytes) and its id.
  std::optional<SpilledStrings> data;
  std::optional<SpilledStrings> ids;

  bool local(const Comm& c, uint32_t doc) const { return c.home(doc) == c.rank; }
  uint32_t at(uint32_t doc) const { return doc - base; }
};

// Verification data fetched from other ranks: doc -> bytes, in one buffer.
class Fetched {
 public:
  void clear() {
    where_.clear();
    bytes_.clear();
  }
  // Parses a response stream: [u32 doc][u32 bytes][bytes, padded to 8] ...
  void add(const std::vector<uint64_t>& words) {
    std::size_t i = 0;
    while (i < words.size()) {
      const uint32_t doc = static_cast<uint32_t>(words[i] & 0xffffffffu);
      const uint32_t n = static_cast<uint32_t>(words[i] >> 32);
      ++i;
      const std::size_t w = (n + 7) / 8;
      where_[doc] = {bytes_.size(), n};
      const std::size_t old = bytes_.size();
      bytes_.resize(old + n);
      if (n > 0) std::memcpy(bytes_.data() + old, words.data() + i, n);
      i += w;
    }
  }
  bool get(uint32_t doc, const char*& p, std::size_t& n) const {
    auto it = where_.find(doc);
    if (it == where_.end()) return false;
    p = bytes_.data() + it->second.first;
    n = it->second.second;
    return true;
  }

 private:
  std::unordered_map<uint32_t, std::pair<std::size_t, std::size_t>> where_;
  std::vector<char> bytes_;
};

// Collective: sends each document of `want` (sorted and deduplicated here) to its home rank;
// returns, by source rank, the documents the ranks ask this one for.
std::vector<std::vector<uint32_t>> ask_homes(Comm& c, std::vector<uint32_t>& want) {
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  std::vector<std::vector<uint32_t>> ask(static_cast<std::size_t>(c.size));
  for (uint32_t doc : want) ask[static_cast<std::size_t>(c.home(doc))].push_back(doc);
  return exchange(c, ask);
}

// Appends `bytes` to a response stream of 64-bit words, zero-padded to a whole word.
void append_padded(std::vector<uint64_t>& out, std::string_view bytes) {
  const std::size_t old = out.size();
  out.resize(old + (bytes.size() + 7) / 8, 0);
  if (!bytes.empty()) std::memcpy(out.data() + old, bytes.data(), bytes.size());
}

// Appends the verification data of local document `doc` to a response stream.
Status respond(const Shard& s, uint32_t doc, std::vector<uint64_t>& out) {
  thread_local std::string bytes;
  NEARDUP_RETURN_IF_ERROR(s.data->get(s.at(doc), bytes));
  out.push_back(uint64_t{doc} | (uint64_t{bytes.size()} << 32));
  append_padded(out, bytes);
  return Status();
}

// Collective: fetches the verification data of the remote documents in `want` (any order,
// repeats allowed) into `fetched`.
Status fetch_data(Comm& c, const Shard& s, std::vector<uint32_t>& want, Fetched& fetched) {
  std::vector<std::vector<uint32_t>> asked = ask_homes(c, want);
  std::vector<std::vector<uint64_t>> answer(asked.size());
  Status st;
  for (std::size_t r = 0; r < asked.size(); ++r) {
    for (uint32_t doc : asked[r]) {
      if (Status e = respond(s, doc, answer[r]); !e.ok() && st.ok()) st = e;
    }
  }
  std::vector<std::vector<uint64_t>> answers = exchange(c, answer);
  fetched.clear();
  for (const auto& words : answers) fetched.add(words);
  return st;
}

// The similarity of two canonical documents from their verification data.
double similarity(const Shard& s, const char* a, std::size_t na, const char* b, std::size_t nb) {
  if (s.shingles) {
    thread_local std::vector<uint64_t> sa, sb;
    sa.resize(na / 8);
    sb.resize(nb / 8);
    if (na > 0) std::memcpy(sa.data(), a, na);
    if (nb > 0) std::memcpy(sb.data(), b, nb);
    return jaccard_sorted(sa, sb);
  }
  thread_local std::vector<uint32_t> ra, rb;
  ra.resize(na / 4);
  rb.resize(nb / 4);
  if (na > 0) std::memcpy(ra.data(), a, na);
  if (nb > 0) std::memcpy(rb.data(), b, nb);
  return estimate_jaccard(std::span<const uint32_t>(ra), std::span<const uint32_t>(rb));
}

// Reads document `doc`'s data, local or fetched (then `buf` is unused); false when it is
// missing.
bool data_of(const Comm& c, const Shard& s, const Fetched& fetched, uint32_t doc, std::string& buf,
             const char*& p, std::size_t& n) {
  if (s.local(c, doc)) {
    if (!s.data->get(s.at(doc), buf).ok()) return false;
    p = buf.data();
    n = buf.size();
    return true;
  }
  return fetched.get(doc, p, n);
}

// Collective: verifies candidate pairs (each rank's own list), returns the similar ones.
Status verify_pairs(Comm& c, const Shard& s, WorkPool& pool, std::vector<Edge>& pairs,
                    std::vector<Edge>& similar, Counters& counters) {
  // Each pair goes to the home of one of its documents, by a hash of the pair.
  std::vector<std::vector<Edge>> route(static_cast<std::size_t>(c.size));
  for (const Edge& e : pairs) {
    const uint32_t at = (mix((uint64_t{e.a} << 32) | e.b) & 1) != 0 ? e.a : e.b;
    route[static_cast<std::size_t>(c.home(at))].push_back(e);
  }
  pairs.clear();
  std::vector<Edge> mine = flatten(exchange(c, route));
  std::vector<uint32_t> want;
  for (const Edge& e : mine) {
    if (!s.local(c, e.a)) want.push_back(e.a);
    if (!s.local(c, e.b)) want.push_back(e.b);
  }
  Fetched fetched;
  Status st = fetch_data(c, s, want, fetched);
  std::vector<double> sims(mine.size(), 0.0);
  std::vector<uint8_t> failed(mine.size(), 0);
  pool.parallel_for(mine.size(), [&](std::size_t i, unsigned) {
    thread_local std::string ba, bb;
    const char *pa = nullptr, *pb = nullptr;
    std::size_t na = 0, nb = 0;
    if (!data_of(c, s, fetched, mine[i].a, ba, pa, na) ||
        !data_of(c, s, fetched, mine[i].b, bb, pb, nb)) {
      failed[i] = 1;
      return;
    }
    sims[i] = similarity(s, pa, na, pb, nb);
  });
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (failed[i] != 0) {
      if (st.ok()) st = Status::io_error("the verification data of a document could not be read");
      continue;
    }
    ++counters.candidates;
    if (sims[i] >= s.threshold) {
      ++counters.verified;
      similar.push_back(mine[i]);
    } else {
      ++counters.rejected;
    }
  }
  return st;
}

// The pairs of canonical documents in this rank's buckets of one band, in steps.
class PairCursor {
 public:
  explicit PairCursor(std::vector<BandMsg> keys) : keys_(std::move(keys)) {
    std::sort(keys_.begin(), keys_.end(), [](const BandMsg& x, const BandMsg& y) {
      return std::tie(x.key, x.doc) < std::tie(y.key, y.doc);
    });
  }
  // Appends up to `cap` pairs that `uf` does not join yet; false when the band is done.
  bool next(UnionFind& uf, std::vector<Edge>& out, std::size_t cap, uint64_t& skipped) {
    while (start_ < keys_.size()) {
      if (end_ <= start_) {
        end_ = start_ + 1;
        while (end_ < keys_.size() && keys_[end_].key == keys_[start_].key) ++end_;
        j_ = start_ + 1;
        i_ = start_;
      }
      for (; j_ < end_; ++j_, i_ = start_) {
        for (; i_ < j_; ++i_) {
          if (out.size() >= cap) return true;
          const uint32_t a = keys_[i_].doc, b = keys_[j_].doc;
          if (uf.find(a) == uf.find(b)) {
            ++skipped;
          } else {
            out.push_back(Edge{a, b});
          }
        }
      }
      start_ = end_;
    }
    return false;
  }

 private:
  std::vector<BandMsg> keys_;
  std::size_t start_ = 0, end_ = 0, i_ = 0, j_ = 0;
};

// Ids and canons of documents of other ranks: [u32 doc][u32 canon][u32 id bytes][u32 0][id,
// padded to 8] per document.
struct Info {
  uint32_t canon = 0;
  std::string id;
};

Status fetch_info(Comm& c, const Shard& s, std::vector<uint32_t>& want,
                  std::unordered_map<uint32_t, Info>& out) {
  std::vector<std::vector<uint32_t>> asked = ask_homes(c, want);
  std::vector<std::vector<uint64_t>> answer(asked.size());
  Status st;
  std::string id;
  for (std::size_t r = 0; r < asked.size(); ++r) {
    for (uint32_t doc : asked[r]) {
      if (Status e = s.ids->get(s.at(doc), id); !e.ok() && st.ok()) st = e;
      answer[r].push_back(uint64_t{doc} | (uint64_t{s.canon[s.at(doc)]} << 32));
      answer[r].push_back(id.size());
      append_padded(answer[r], id);
    }
  }
  std::vector<std::vector<uint64_t>> answers = exchange(c, answer);
  out.clear();
  for (const auto& words : answers) {
    for (std::size_t i = 0; i + 1 < words.size();) {
      const auto doc = static_cast<uint32_t>(words[i] & 0xffffffffu);
      Info& info = out[doc];
      info.canon = static_cast<uint32_t>(words[i] >> 32);
      const std::size_t n = words[i + 1];
      info.id.assign(reinterpret_cast<const char*>(words.data() + i + 2), n);
      i += 2 + (n + 7) / 8;
    }
  }
  return st;
}

// Collective: for each root in `roots` (documents of other ranks) its representative.
std::unordered_map<uint32_t, uint32_t> fetch_best(Comm& c, const Shard& s,
                                                  const std::vector<uint32_t>& best,
                                                  std::vector<uint32_t>& roots) {
  std::vector<std::vector<uint32_t>> asked = ask_homes(c, roots);
  std::vector<std::vector<CanonMsg>> answer(asked.size());
  for (std::size_t r = 0; r < asked.size(); ++r) {
    for (uint32_t root : asked[r]) answer[r].push_back(CanonMsg{root, best[s.at(root)]});
  }
  std::unordered_map<uint32_t, uint32_t> out;
  for (const auto& part : exchange(c, answer)) {
    for (const CanonMsg& m : part) out[m.doc] = m.canon;
  }
  return out;
}

// Streams this rank's spooled records to rank 0, or (on rank 0) receives every other rank's in
// rank order and writes them to `out`.
constexpr std::size_t kChunk = std::size_t{4} << 20;

Status gather_output(Comm& c, const SpilledStrings* spool, Output* out) {
  std::string buf;
  if (c.rank != 0) {
    // The records in chunks of about kChunk bytes; an empty chunk ends them.
    const auto send = [&c](const std::string& chunk) {
      const unsigned long long bytes = chunk.size();
      MPI_Send(&bytes, 1, MPI_UNSIGNED_LONG_LONG, 0, 10, MPI_COMM_WORLD);
      if (bytes > 0)
        MPI_Send(chunk.data(), static_cast<int>(bytes), MPI_BYTE, 0, 11, MPI_COMM_WORLD);
      c.sent += bytes;
    };
    Status st;
    std::string line;
    for (uint64_t i = 0; i < spool->size(); ++i) {
      if (Status e = spool->get(i, line); !e.ok()) {
        if (st.ok()) st = e;
        line = "\n";  // rank 0 writes it before it learns of the error, then discards
      }
      buf += line;
      if (buf.size() >= kChunk) {
        send(buf);
        buf.clear();
      }
    }
    if (!buf.empty()) send(buf);
    send(std::string());
    return st;
  }
  for (int r = 1; r < c.size; ++r) {
    for (;;) {
      unsigned long long bytes = 0;
      MPI_Recv(&bytes, 1, MPI_UNSIGNED_LONG_LONG, r, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (bytes == 0) break;
      buf.resize(static_cast<std::size_t>(bytes));
      MPI_Recv(buf.data(), static_cast<int>(bytes), MPI_BYTE, r, 11, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      out->write(buf);
    }
  }
  return Status();
}

}  // namespace

int link_mpi(std::string_view command, const ClusterOptions& opt, const SketchFileInfo& info,
             const LinkConfig& config, uint64_t& bytes_exchanged) {
  const auto t_start = std::chrono::steady_clock::now();
  Comm c;
  MPI_Comm_rank(MPI_COMM_WORLD, &c.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c.size);
  const std::vector<std::string>& inputs = opt.input.inputs;
  const bool talk = c.rank == 0 && !config.common.quiet;
  if (c.rank != 0) RunStats::get().set_quiet(true);  // rank 0 speaks for all
  Status st;  // this rank's first error; ranks check each other at every step
  const auto finish_failed = [&](const Status& mine) {
    // Every rank reaches this together (after an all_ok that failed).
    if (!mine.ok()) {
      print_error(command, "rank " + std::to_string(c.rank) + ": " + mine.message());
    } else if (c.rank == 0) {
      print_error(command, "another rank failed");
    }
    return kExitFailure;
  };

  // 0. Every rank sketches its shard of the input: ids and verification data go to temporary
  // files, band keys to RAM, exact keys to their owners' send buffers (numbered within the
  // shard until the shards' sizes are known).
  Shard s;
  s.near = info.mode == SketchMode::kNear;
  s.shingles = info.near.verify == VerifyMode::kShingles;
  s.bands = s.near ? info.near.lsh_params().bands : 0;
  s.threshold = info.near.similarity.threshold;
  const std::string dir = config.spill.resolved_dir();
  const bool longest = config.representative == "longest";
  std::vector<std::vector<ExactMsg>> exact_send(static_cast<std::size_t>(c.size));
  // --on-duplicate-id error|warn: 64-bit hashes of the ids, as IdCheck hashes them.
  const bool check_ids = opt.on_duplicate != OnDuplicateId::kKeep;
  std::vector<std::vector<IdMsg>> id_send(static_cast<std::size_t>(c.size));
  {
    Result<SpilledStrings> ids = SpilledStrings::create(config.spill);
    if (!ids.ok()) st = ids.status();
    if (st.ok()) s.ids.emplace(std::move(*ids));
    Result<SpilledStrings> data = SpilledStrings::create(config.spill);
    if (st.ok() && !data.ok()) st = data.status();
    if (st.ok()) s.data.emplace(std::move(*data));
  }
  // The shard's inputs. Byte ranges of a file: every rank counts the lines of its ranges and
  // learns the lines before its own from the ranks before it (MPI_Exscan), so that made-up ids
  // "FILE:LINE" are those of a whole read without reading the bytes before the range.
  Result<ShardPlan> plan = plan_shard(inputs, opt.input.reader, info.shard, info.shards);
  if (st.ok() && !plan.ok()) st = plan.status();
  {
    std::vector<unsigned long long> lines(inputs.size(), 0), before(inputs.size(), 0);
    const bool ranged = st.ok() && plan->byte_ranges;
    if (ranged) {
      for (std::size_t k = 0; k < plan->inputs.size() && st.ok(); ++k) {
        const ReaderOptions& o = plan->options[k];
        if (!o.has_byte_range()) continue;
        Result<RecordRange> r = locate_records(plan->inputs[k], o.byte_begin, o.byte_end, true);
        if (!r.ok()) {
          st = r.status();
        } else {
          lines[plan->input_index[k]] = r->lines;
        }
      }
    }
    MPI_Exscan(lines.data(), before.data(), static_cast<int>(lines.size()), MPI_UNSIGNED_LONG_LONG,
               MPI_SUM, MPI_COMM_WORLD);
    if (c.rank == 0) std::fill(before.begin(), before.end(), 0ULL);
    if (ranged && st.ok()) {
      for (std::size_t k = 0; k < plan->inputs.size(); ++k) {
        ReaderOptions& o = plan->options[k];
        if (o.has_byte_range()) o.lines_before = before[plan->input_index[k]];
      }
    }
  }
  if (!all_ok(st.ok())) return finish_failed(st);

  // RAM per document of the shard while sketching: band keys, exact key, data offset, canon.
  const uint64_t per_doc = uint64_t{s.bands} * 8 + 48 + (longest ? 8 : 0) + (check_ids ? 16 : 0);
  int sketched = kExitFailure;
  if (st.ok()) {
    ClusterOptions quiet_opt = opt;
    quiet_opt.common.quiet = opt.common.quiet || c.rank != 0;
    const std::string who = std::string(command) + " [rank " + std::to_string(c.rank) + "/" +
                            std::to_string(c.size) + "]";
    sketched = sketch_shard(
        who, quiet_opt, info,
        [&](const SketchRecord& rec) -> Status {
          if (uint64_t{s.n} >= UINT32_MAX - 1) {
            return Status::out_of_range("more than 4294967294 documents in one clustering");
          }
          if ((uint64_t{s.n} + 1) * per_doc > config.spill.memory_bytes) {
            return Status::out_of_range("its shard needs more than the memory limit of " +
                                        format_megabytes(config.spill.memory_bytes) +
                                        " for the link (about " + std::to_string(per_doc) +
                                        " bytes per document): run more ranks or raise "
                                        "--memory");
          }
          const uint32_t l = s.n;
          NEARDUP_RETURN_IF_ERROR(s.ids->append(rec.id));
          const Hash128& key = rec.doc.exact_key;
          exact_send[static_cast<std::size_t>(c.owner(key.high ^ key.low))].push_back(
              ExactMsg{key.high, key.low, l, 0});
          if (check_ids) {
            const uint64_t h = hash64(rec.id, kIdHashSeed);
            id_send[static_cast<std::size_t>(c.owner(h))].push_back(IdMsg{h, l, 0});
          }
          if (longest) s.priority.push_back(static_cast<double>(rec.doc.text_bytes));
          if (s.near) {
            const bool banded = s.bands > 0 && rec.doc.band_keys.size() == s.bands;
            s.banded.push_back(banded ? 1 : 0);
            if (banded) {
              s.band_keys.insert(s.band_keys.end(), rec.doc.band_keys.begin(),
                                 rec.doc.band_keys.end());
            } else {
              s.band_keys.resize(s.band_keys.size() + s.bands, 0);
            }
            const auto bytes =
                s.shingles
                    ? std::string_view(reinterpret_cast<const char*>(rec.doc.set.data()),
                                       rec.doc.set.size() * sizeof(uint64_t))
                    : std::string_view(reinterpret_cast<const char*>(rec.doc.signature32.data()),
                                       rec.doc.signature32.size() * sizeof(uint32_t));
            NEARDUP_RETURN_IF_ERROR(s.data->append(bytes));
          }
          ++s.n;
          return Status();
        },
        [&]() { return "verification data " + format_megabytes(s.data->bytes_written()); }, &*plan);
    if (sketched == kExitOk) st = s.data->seal();
    if (st.ok() && sketched == kExitOk) st = s.ids->seal();
  }
  // A rank whose sketching failed printed its error.
  if (!all_ok(st.ok() && sketched == kExitOk)) {
    return sketched == kExitOk ? finish_failed(st) : kExitFailure;
  }
  const double read_seconds = seconds_since(t_start);

  // Global document numbers: the shards in rank order.
  std::vector<unsigned long long> counts(static_cast<std::size_t>(c.size));
  const unsigned long long mine_n = s.n;
  MPI_Allgather(&mine_n, 1, MPI_UNSIGNED_LONG_LONG, counts.data(), 1, MPI_UNSIGNED_LONG_LONG,
                MPI_COMM_WORLD);
  c.base.assign(counts.size() + 1, 0);
  for (std::size_t r = 0; r < counts.size(); ++r) c.base[r + 1] = c.base[r] + counts[r];
  const uint64_t total = c.base.back();
  s.base = static_cast<uint32_t>(
      std::min<uint64_t>(c.base[static_cast<std::size_t>(c.rank)], UINT32_MAX));
  if (total >= UINT32_MAX) {
    st = Status::out_of_range("more than 4294967294 documents in one clustering");
  } else if (uint64_t{s.n} * per_doc + total * 4 > config.spill.memory_bytes) {
    st = Status::out_of_range(
        "its shard of " + std::to_string(s.n) + " documents and the union-find of all " +
        std::to_string(total) + " need more than the memory limit of " +
        format_megabytes(config.spill.memory_bytes) + ": run more ranks or raise --memory");
  }
  if (!all_ok(st.ok())) return finish_failed(st);
  for (auto& part : exact_send) {
    for (ExactMsg& m : part) m.doc += s.base;
  }

  // Ids: --id-field that no record has, and duplicate ids (hash-partitioned like the keys).
  RunStats& stats = RunStats::get();
  const uint64_t records = sum(stats.count("records").value_or(0));
  const uint64_t without_id = sum(stats.count("records_without_id").value_or(0));
  if (opt.id_field_given && records > 0 && without_id == records) {
    if (c.rank == 0) {
      print_error(command,
                  "no record has the field '" + opt.input.reader.id_field + "' (--id-field)");
    }
    return kExitUsage;
  }
  if (check_ids) {
    for (auto& part : id_send) {
      for (IdMsg& m : part) m.doc += s.base;
    }
    std::vector<IdMsg> hashes = flatten(exchange(c, id_send));
    std::sort(hashes.begin(), hashes.end(), [](const IdMsg& x, const IdMsg& y) {
      return std::tie(x.hash, x.doc) < std::tie(y.hash, y.doc);
    });
    uint64_t duplicates = 0;
    unsigned first = UINT32_MAX;  // the first document whose id came before, in input order
    for (std::size_t i = 1; i < hashes.size(); ++i) {
      if (hashes[i].hash == hashes[i - 1].hash) {
        ++duplicates;
        first = std::min<unsigned>(first, hashes[i].doc);
      }
    }
    duplicates = sum(duplicates);
    unsigned first_all = UINT32_MAX;
    MPI_Allreduce(&first, &first_all, 1, MPI_UNSIGNED, MPI_MIN, MPI_COMM_WORLD);
    if (duplicates > 0) {
      // The first duplicate's id, from its home rank.
      std::string id;
      const int from = c.home(first_all);
      if (from == c.rank) st = s.ids->get(s.at(first_all), id);
      unsigned long long length = id.size();
      MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, from, MPI_COMM_WORLD);
      id.resize(static_cast<std::size_t>(length));
      MPI_Bcast(id.data(), static_cast<int>(length), MPI_CHAR, from, MPI_COMM_WORLD);
      std::string shown;
      append_json_string(shown, id);
      if (c.rank == 0) stats.set("duplicate_ids", duplicates);
      if (opt.on_duplicate == OnDuplicateId::kError) {
        if (c.rank == 0) {
          print_error(command, std::to_string(duplicates) +
                                   (duplicates == 1 ? " duplicate id" : " duplicate ids") +
                                   ", the first " + shown + " (document " +
                                   std::to_string(uint64_t{first_all} + 1) +
                                   " of the input; --on-duplicate-id error; warn or keep to go "
                                   "on)");
        }
        return kExitFailure;
      }
      if (c.rank == 0) {
        print_error(command, "warning: " + std::to_string(duplicates) +
                                 (duplicates == 1 ? " duplicate id" : " duplicate ids") +
                                 ", the first " + shown + " (--on-duplicate-id error|warn|keep)");
      }
    }
    if (!all_ok(st.ok())) return finish_failed(st);
  }

  // 1. Exact keys: the owner of a key tells each copy's home its canon.
  const auto t_exact = std::chrono::steady_clock::now();
  Counters counters;
  s.canon.resize(s.n);
  for (uint32_t l = 0; l < s.n; ++l) s.canon[l] = s.base + l;
  {
    std::vector<ExactMsg> keys = flatten(exchange(c, exact_send));
    std::sort(keys.begin(), keys.end(), [](const ExactMsg& x, const ExactMsg& y) {
      return std::tie(x.high, x.low, x.doc) < std::tie(y.high, y.low, y.doc);
    });
    std::vector<std::vector<CanonMsg>> tell(static_cast<std::size_t>(c.size));
    for (std::size_t i = 1, first = 0; i < keys.size(); ++i) {
      if (keys[i].high == keys[first].high && keys[i].low == keys[first].low) {
        tell[static_cast<std::size_t>(c.home(keys[i].doc))].push_back(
            CanonMsg{keys[i].doc, keys[first].doc});
      } else {
        first = i;
      }
    }
    for (const auto& part : exchange(c, tell)) {
      for (const CanonMsg& m : part) s.canon[s.at(m.doc)] = m.canon;
    }
  }
  for (uint32_t l = 0; l < s.n; ++l) counters.copies += s.canon[l] != s.base + l ? 1u : 0u;
  const double exact_seconds = seconds_since(t_exact);

  // 2. Band keys, one band per round; verified pairs and copy links go into every rank's
  // union-find.
  const auto t_link = std::chrono::steady_clock::now();
  const unsigned threads = config.common.resolved_threads();
  WorkPool pool(threads);
  UnionFind uf(s.near ? total : 0);
  if (s.near) {
    std::vector<Edge> edges;
    for (uint32_t l = 0; l < s.n; ++l) {
      if (s.canon[l] != s.base + l) edges.push_back(Edge{s.canon[l], s.base + l});
    }
    share_edges(c, edges, uf);
    std::vector<Edge> pairs, similar;
    constexpr std::size_t kPairCap = std::size_t{1} << 18;
    for (uint32_t b = 0; b < s.bands; ++b) {
      std::vector<std::vector<BandMsg>> send(static_cast<std::size_t>(c.size));
      for (uint32_t l = 0; l < s.n; ++l) {
        if (s.banded[l] == 0 || s.canon[l] != s.base + l) continue;
        const uint64_t key = s.band_keys[std::size_t{l} * s.bands + b];
        send[static_cast<std::size_t>(c.owner(key ^ (uint64_t{b} * 0x9e3779b97f4a7c15ULL)))]
            .push_back(BandMsg{key, s.base + l, 0});
      }
      PairCursor cursor(flatten(exchange(c, send)));
      for (bool more = true;;) {
        if (more) more = cursor.next(uf, pairs, kPairCap, counters.skipped);
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        if (Status e = verify_pairs(c, s, pool, pairs, similar, counters); !e.ok() && st.ok()) {
          st = e;
        }
        share_edges(c, similar, uf);
        if (!any(more)) break;
      }
      if (!all_ok(st.ok())) return finish_failed(st);
    }
    std::vector<uint64_t>().swap(s.band_keys);
  }
  const double link_seconds = seconds_since(t_link);

  // 3. Representatives: the first member of each cluster (its root), or the longest (each
  // member reports its length to the root's home).
  const auto t_assign = std::chrono::steady_clock::now();
  const auto root_of = [&](uint32_t doc) { return s.near ? uf.find(doc) : s.canon[s.at(doc)]; };
  std::vector<uint32_t> best;
  if (longest) {
    best.resize(s.n);
    std::vector<double> best_priority(s.n);
    for (uint32_t l = 0; l < s.n; ++l) {
      best[l] = s.base + l;
      best_priority[l] = s.priority[l];
    }
    std::vector<std::vector<BestMsg>> send(static_cast<std::size_t>(c.size));
    for (uint32_t l = 0; l < s.n; ++l) {
      const uint32_t doc = s.base + l, root = root_of(doc);
      if (root != doc) {
        send[static_cast<std::size_t>(c.home(root))].push_back(BestMsg{root, doc, s.priority[l]});
      }
    }
    for (const auto& part : exchange(c, send)) {
      for (const BestMsg& m : part) {
        const uint32_t l = s.at(m.root);
        // The highest priority, ties to the earliest member (as in one process).
        if (m.priority > best_priority[l] || (m.priority == best_priority[l] && m.doc < best[l])) {
          best[l] = m.doc;
          best_priority[l] = m.priority;
        }
      }
    }
  }

  // 4. The records, in blocks of documents: representatives, ids and canons of other ranks'
  // documents, their data for the similarities, then the lines.
  std::optional<Output> out;
  std::optional<SpilledStrings> spool;
  const bool per_rank = !config.output_dir.empty();
  if (per_rank) {
    std::error_code ec;
    std::filesystem::create_directories(config.output_dir, ec);
    if (!std::filesystem::is_directory(config.output_dir)) {
      st = Status::io_error(config.output_dir + ": cannot create: " + ec.message());
    } else {
      char name[32];
      std::snprintf(name, sizeof name, "part-%05d.jsonl", c.rank);
      out.emplace();
      st = out->open((std::filesystem::path(config.output_dir) / name).string(), inputs);
    }
  } else if (c.rank == 0) {
    out.emplace();
    st = out->open(config.output, inputs);
  } else {
    Result<SpilledStrings> lines = SpilledStrings::create(config.spill);
    if (lines.ok()) {
      spool.emplace(std::move(*lines));
    } else {
      st = lines.status();
    }
  }
  if (!all_ok(st.ok())) return finish_failed(st);

  constexpr uint32_t kBlock = 1u << 16;
  const uint64_t my_blocks = (uint64_t{s.n} + kBlock - 1) / kBlock;
  unsigned long long blocks = my_blocks, max_blocks = 0;
  MPI_Allreduce(&blocks, &max_blocks, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  std::vector<uint32_t> roots, reps, want;
  std::vector<double> sims;
  std::vector<uint8_t> failed;
  std::unordered_map<uint32_t, Info> remote_info;
  Fetched fetched;
  std::string id, line, rep_id, cluster_id;
  uint64_t clusters = 0;
  for (uint64_t blk = 0; blk < max_blocks; ++blk) {
    const uint32_t lo = static_cast<uint32_t>(std::min<uint64_t>(s.n, blk * kBlock));
    const uint32_t hi = static_cast<uint32_t>(std::min<uint64_t>(s.n, uint64_t{lo} + kBlock));
    const uint32_t m = hi - lo;
    roots.resize(m);
    reps.resize(m);
    want.clear();
    for (uint32_t j = 0; j < m; ++j) {
      const uint32_t doc = s.base + lo + j;
      roots[j] = root_of(doc);
      reps[j] = roots[j];
      if (longest && roots[j] != doc && !s.local(c, roots[j])) want.push_back(roots[j]);
    }
    if (longest) {
      const std::unordered_map<uint32_t, uint32_t> remote = fetch_best(c, s, best, want);
      for (uint32_t j = 0; j < m; ++j) {
        const uint32_t doc = s.base + lo + j;
        if (s.local(c, roots[j])) {
          reps[j] = best[s.at(roots[j])];
        } else if (roots[j] != doc) {
          reps[j] = remote.at(roots[j]);
        }
      }
    }
    // Ids (and canons) of the roots and representatives that live elsewhere.
    want.clear();
    for (uint32_t j = 0; j < m; ++j) {
      if (!s.local(c, roots[j])) want.push_back(roots[j]);
      if (!s.local(c, reps[j])) want.push_back(reps[j]);
    }
    if (Status e = fetch_info(c, s, want, remote_info); !e.ok() && st.ok()) st = e;
    const auto canon_of = [&](uint32_t doc) -> uint32_t {
      if (s.local(c, doc)) return s.canon[s.at(doc)];
      auto it = remote_info.find(doc);
      return it == remote_info.end() ? doc : it->second.canon;
    };
    // The similarity of each document with its representative, through their canons.
    sims.assign(m, 1.0);
    failed.assign(m, 0);
    if (s.near) {
      want.clear();
      for (uint32_t j = 0; j < m; ++j) {
        const uint32_t doc = s.base + lo + j;
        if (reps[j] == doc) continue;
        const uint32_t ca = canon_of(doc), cb = canon_of(reps[j]);
        if (ca == cb) continue;
        if (!s.local(c, ca)) want.push_back(ca);
        if (!s.local(c, cb)) want.push_back(cb);
      }
      if (Status e = fetch_data(c, s, want, fetched); !e.ok() && st.ok()) st = e;
      pool.parallel_for(m, [&](std::size_t j, unsigned) {
        const uint32_t doc = s.base + lo + static_cast<uint32_t>(j);
        if (reps[j] == doc) return;
        const uint32_t ca = canon_of(doc), cb = canon_of(reps[j]);
        if (ca == cb) return;
        thread_local std::string ba, bb;
        const char *pa = nullptr, *pb = nullptr;
        std::size_t na = 0, nb = 0;
        if (!data_of(c, s, fetched, ca, ba, pa, na) || !data_of(c, s, fetched, cb, bb, pb, nb)) {
          failed[j] = 1;
          return;
        }
        sims[j] = similarity(s, pa, na, pb, nb);
      });
    }
    const auto id_of = [&](uint32_t doc, std::string& to) -> Status {
      if (s.local(c, doc)) return s.ids->get(s.at(doc), to);
      auto it = remote_info.find(doc);
      if (it == remote_info.end()) return Status::internal("an id was not received");
      to = it->second.id;
      return Status();
    };
    for (uint32_t j = 0; j < m && st.ok(); ++j) {
      const uint32_t doc = s.base + lo + j;
      if (failed[j] != 0) {
        st = Status::io_error("the verification data of a document could not be read");
        break;
      }
      st = s.ids->get(lo + j, id);
      if (!st.ok()) break;
      if (roots[j] == doc) {
        ++clusters;
        cluster_id = id;
      } else {
        st = id_of(roots[j], cluster_id);
      }
      const bool dup = reps[j] != doc;
      if (st.ok() && dup) {
        if (reps[j] == roots[j]) {
          rep_id = cluster_id;
        } else {
          st = id_of(reps[j], rep_id);
        }
      }
      if (!st.ok()) break;
      append_record(line, id, cluster_id, dup ? &rep_id : nullptr, sims[j]);
      if (out) {
        out->write(line);
      } else {
        st = spool->append(line);
      }
    }
    if (!all_ok(st.ok())) {
      if (out) out->discard();
      return finish_failed(st);
    }
  }
  if (spool) st = spool->seal();
  if (!all_ok(st.ok())) {
    if (out) out->discard();
    return finish_failed(st);
  }
  const auto t_write = std::chrono::steady_clock::now();
  if (!per_rank) st = gather_output(c, spool ? &*spool : nullptr, c.rank == 0 ? &*out : nullptr);
  if (!all_ok(st.ok())) {
    if (out) out->discard();
    return finish_failed(st);
  }
  if (out) st = out->close();
  if (!all_ok(st.ok())) return finish_failed(st);
  const double assign_seconds = seconds_since(t_assign);
  const double write_seconds = seconds_since(t_write);

  // The summary: the counters of every rank, summed.
  const uint64_t all_clusters = sum(clusters), copies = sum(counters.copies),
                 candidates = sum(counters.candidates), verified = sum(counters.verified),
                 rejected = sum(counters.rejected), skipped = sum(counters.skipped);
  bytes_exchanged = sum(c.sent);
  // The reading figures of every shard (each rank recorded its own), summed; the largest
  // peak memory of any rank.
  for (const char* key :
       {"records", "skipped_malformed", "blank_lines", "null_text", "lenient_json", "files",
        "skipped_files", "documents_repaired", "invalid_utf8_sequences", "input_bytes"}) {
    const uint64_t all = sum(stats.count(key).value_or(0));
    if (c.rank == 0) stats.set(key, all);
  }
  unsigned long long rss = RunStats::peak_rss_bytes(), max_rss = 0;
  MPI_Allreduce(&rss, &max_rss, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  if (c.rank == 0) {
    const double seconds = seconds_since(t_start);
    const uint64_t input_bytes = stats.count("input_bytes").value_or(0);
    stats.set("documents", total);
    stats.set("seconds", seconds);
    stats.set("docs_per_second", seconds > 0 ? static_cast<double>(total) / seconds : 0.0);
    stats.set("mb_per_second",
              seconds > 0 ? static_cast<double>(input_bytes) / 1e6 / seconds : 0.0);
    stats.set("clusters", all_clusters);
    stats.set("duplicates", total - all_clusters);
    stats.set("exact_duplicates", copies);
    if (s.near) {
      stats.set("candidates", candidates);
      stats.set("verified", verified);
      stats.set("rejected", rejected);
      stats.set("skipped_linked", skipped);
    }
    stats.set("sketch_seconds", read_seconds);
    stats.set("exact_seconds", exact_seconds);
    stats.set("link_seconds", link_seconds);
    stats.set("assign_seconds", assign_seconds);
    stats.set("write_seconds", write_seconds);
    stats.set("max_rank_peak_rss_bytes", static_cast<uint64_t>(max_rss));
  }
  if (talk) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "MPI link: %llu documents, %llu clusters, %llu duplicates (%llu exact copies)",
                  static_cast<unsigned long long>(total),
                  static_cast<unsigned long long>(all_clusters),
                  static_cast<unsigned long long>(total - all_clusters),
                  static_cast<unsigned long long>(copies));
    std::string text = buf;
    if (s.near) {
      std::snprintf(
          buf, sizeof buf,
          "; %llu candidate pairs verified across ranks (%llu similar, %llu rejected), "
          "%llu skipped as already linked",
          static_cast<unsigned long long>(candidates), static_cast<unsigned long long>(verified),
          static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(skipped));
      text += buf;
    }
    std::snprintf(buf, sizeof buf,
                  "; sketch %.2f s, exact keys %.2f s, band keys %.2f s, records %.2f s",
                  read_seconds, exact_seconds, link_seconds, assign_seconds);
    text += buf;
    stats.set("summary", text);
    print_error(command, text);
  }
  return kExitOk;
}

}  // namespace neardup::cli

#endif  // NEARDUP_HAVE_MPI
