#!/bin/sh
# `mpirun -np N neardup cluster` (the link partitioned across the ranks: tools/mpi_link.h) writes
# byte for byte what one process writes: N = 1..4, near and exact modes, representatives first
# and longest, exact and signature verification, --output-dir parts, ranks with no documents,
# and a bucket of hundreds of near-copies (linked in several capped rounds); duplicate ids are
# found across ranks; a rank that fails or runs out of --memory makes the whole run fail
# without output; other commands refuse to run once per rank. Run by ctest when neardup is
# built with MPI.
#   mpi_cluster_test.sh NEARDUP NEARDUP_SYNTH WORKDIR [BUNDLED_SAMPLE]
set -eu
neardup=$1 synth=$2 work=$3 sample=${4:-}
rm -rf "$work" && mkdir -p "$work/corpus"
mpirun="mpirun --allow-run-as-root --oversubscribe"
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers without ptrace rights
export OMPI_MCA_plm_rsh_agent=false  # one machine: no ssh needed (mpirun asks for one otherwise)
"$synth" --docs 3000 --mean-words 60 --seed 11 -q -o "$work/all.jsonl"
split -l 400 -d --additional-suffix=.jsonl "$work/all.jsonl" "$work/corpus/part-"
gzip "$work/corpus/part-02.jsonl"
fail() { echo "FAIL: $*" >&2; exit 1; }
for mode in near exact; do
  "$neardup" cluster -q --mode "$mode" "$work/corpus" -o "$work/ref.jsonl"
  for np in 1 2 3 4; do
    $mpirun -np "$np" "$neardup" cluster -q --threads 1 --mode "$mode" --memory 1M \
      --tmp-dir "$work" "$work/corpus" -o "$work/out.jsonl" || fail "$mode, $np ranks: exit $?"
    cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "$mode, $np ranks: output differs"
    if [ "$np" -gt 1 ]; then
      $mpirun -np "$np" "$neardup" cluster -q --mode "$mode" --stats "$work/stats.json" \
        "$work/corpus" -o "$work/out.jsonl" || fail "$mode, $np ranks, --stats: exit $?"
      grep -q "\"mpi_ranks\":$np," "$work/stats.json" || fail "--stats lacks mpi_ranks"
      grep -q '"bytes_exchanged":[1-9]' "$work/stats.json" || fail "--stats lacks bytes_exchanged"
    fi
    echo "ok: $mode, $np ranks, identical output"
  done
done
# Other settings, and --output-dir: part files whose concatenation is the one-process output.
for opts in "--representative longest" "--verify signature" "--threshold 0.5 --representative longest"; do
  "$neardup" cluster -q --mode near $opts "$work/corpus" -o "$work/ref.jsonl"
  for np in 2 3; do
    $mpirun -np "$np" "$neardup" cluster -q --mode near $opts "$work/corpus" -o "$work/out.jsonl" \
      || fail "$opts, $np ranks: exit $?"
    cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "$opts, $np ranks: output differs"
  done
  echo "ok: near $opts, identical output"
done
"$neardup" cluster -q --mode near "$work/corpus" -o "$work/ref.jsonl"
$mpirun -np 3 "$neardup" cluster -q --mode near "$work/corpus" --output-dir "$work/parts" \
  || fail "--output-dir: exit $?"
[ "$(ls "$work/parts" | tr '\n' ' ')" = "part-00000.jsonl part-00001.jsonl part-00002.jsonl " ] \
  || fail "--output-dir: not one part per rank"
cat "$work/parts"/part-*.jsonl | cmp - "$work/ref.jsonl" || fail "--output-dir: parts differ"
echo "ok: --output-dir parts"
# One file cut into byte ranges at record boundaries (records without an id get ids
# "FILE:LINE" with the whole file's line numbers: counted across the ranks).
sed 's/^{"id":"[^"]*",/{/' "$work/all.jsonl" | awk 'NR % 3 == 0 { print "" } { print }' > "$work/one.jsonl"
"$neardup" cluster -q --mode near "$work/one.jsonl" -o "$work/ref.jsonl"
grep -q '"one.jsonl:[0-9]*"\|jsonl:[0-9]' "$work/ref.jsonl" || fail "made-up ids expected"
for np in 2 3 4; do
  $mpirun -np "$np" "$neardup" cluster -q --mode near "$work/one.jsonl" -o "$work/out.jsonl" \
    || fail "one file, $np ranks: exit $?"
  cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "one file, $np ranks: output differs"
done
echo "ok: one file in byte ranges"
# The bundled sample (real news text in several languages), one file in byte ranges.
if [ -n "$sample" ]; then
  for opts in "--mode near --threshold 0.5" "--mode exact"; do
    "$neardup" cluster -q $opts "$sample" -o "$work/ref.jsonl"
    $mpirun -np 3 "$neardup" cluster -q $opts "$sample" -o "$work/out.jsonl" \
      || fail "bundled sample, $opts: exit $?"
    cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "bundled sample, $opts: output differs"
    case "$opts" in *near*)
      [ "$(grep -c duplicate_of "$work/ref.jsonl")" -gt 0 ] || fail "bundled sample: no duplicates";;
    esac
  done
  echo "ok: the bundled sample"
fi
# More ranks than files: ranks without documents take part in every exchange.
mkdir -p "$work/two"
cp "$work/corpus/part-00.jsonl" "$work/corpus/part-01.jsonl" "$work/two/"
"$neardup" cluster -q --mode near "$work/two" -o "$work/ref.jsonl"
$mpirun -np 4 "$neardup" cluster -q --mode near "$work/two" -o "$work/out.jsonl" \
  || fail "empty ranks: exit $?"
cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "empty ranks: output differs"
echo "ok: ranks without documents"
# One bucket of 800 near-copies spread over the ranks: more candidate pairs than one round
# takes (2^18), so the pairs are verified in rounds that see the earlier rounds' unions.
mkdir -p "$work/big"
awk 'BEGIN { for (i = 0; i < 800; i++) printf "{\"id\":\"t%d\",\"text\":\"the quarterly report of the regional water board lists the reservoir levels the rainfall totals and the repairs planned for the coming months across the valley item %d\"}\n", i, i }' \
  > "$work/big/a.jsonl"
split -l 200 -d --additional-suffix=.jsonl "$work/big/a.jsonl" "$work/big/p-" && rm "$work/big/a.jsonl"
"$neardup" cluster -q --mode near --threshold 0.6 "$work/big" -o "$work/ref.jsonl"
$mpirun -np 3 "$neardup" cluster --mode near --threshold 0.6 "$work/big" -o "$work/out.jsonl" \
  2> "$work/err" || fail "big bucket: exit $?"
cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "big bucket: output differs"
[ "$(grep -c duplicate_of "$work/ref.jsonl")" -gt 700 ] || fail "big bucket: too few duplicates"
candidates=$(sed -n 's/.*; \([0-9]*\) candidate pairs verified.*/\1/p' "$work/err")
[ "${candidates:-0}" -gt 262144 ] || fail "big bucket: $candidates pairs, not several rounds"
echo "ok: a bucket of 800 near-copies"
# Duplicate ids across ranks: warned (output unchanged), or an error without output.
cp "$work/corpus/part-00.jsonl" "$work/corpus/part-07.jsonl"
$mpirun -np 3 "$neardup" cluster --mode exact "$work/corpus" -o "$work/out.jsonl" 2> "$work/err" \
  || fail "duplicate ids, warn: exit $?"
grep -q "warning: 400 duplicate ids, the first" "$work/err" || fail "no duplicate-id warning"
printf 'previous\n' > "$work/out.jsonl"
if $mpirun -np 3 "$neardup" cluster -q --mode exact --on-duplicate-id error "$work/corpus" \
    -o "$work/out.jsonl" 2> "$work/err"; then
  fail "duplicate ids with --on-duplicate-id error did not fail"
fi
grep -q "400 duplicate ids, the first" "$work/err" || fail "the error does not name the duplicates"
[ "$(cat "$work/out.jsonl")" = previous ] || fail "duplicate ids: the previous output was not kept"
echo "ok: duplicate ids across ranks"
rm "$work/corpus/part-07.jsonl"
# A memory limit too small for a rank's share: a clear error, no output.
if $mpirun -np 2 "$neardup" cluster -q --mode near --memory 64K "$work/corpus" \
    -o "$work/out.jsonl" 2> "$work/err"; then
  fail "a rank over --memory did not fail"
fi
grep -q "run more ranks or raise --memory" "$work/err" || fail "no clear --memory error"
[ "$(cat "$work/out.jsonl")" = previous ] || fail "--memory: the previous output was not kept"
echo "ok: a rank over --memory fails clearly"
# A damaged shard on one rank: every rank stops, exit 1, the previous output stays.
printf 'previous\n' > "$work/out.jsonl"
head -c 2000 "$work/corpus/part-02.jsonl.gz" > "$work/corpus/part-02.jsonl.gz.tmp"
mv "$work/corpus/part-02.jsonl.gz.tmp" "$work/corpus/part-02.jsonl.gz"
if $mpirun -np 3 "$neardup" cluster -q --mode near "$work/corpus" -o "$work/out.jsonl" \
    2> "$work/err"; then
  fail "a damaged shard did not fail the run"
fi
grep -q "part-02.jsonl.gz" "$work/err" || fail "the error does not name the damaged shard"
[ "$(cat "$work/out.jsonl")" = previous ] || fail "the previous output was not kept"
ls "$work" | grep -q 'neardup-mpi-' && fail "temporary sketches left behind"
echo "ok: a failing rank fails the run"
# Commands other than cluster refuse to run once per rank.
if $mpirun -np 2 "$neardup" dedup "$work/all.jsonl" > /dev/null 2> "$work/err"; then
  fail "dedup ran under mpirun"
fi
grep -q "only .neardup cluster. runs across MPI ranks" "$work/err" || fail "no clear refusal"
echo "ok: dedup refuses"
