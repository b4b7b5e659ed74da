#!/bin/sh
# `mpirun -np N neardup cluster` writes byte for byte what one process writes, for N = 1..4 and
# both modes that run under MPI; a rank that fails makes the whole run fail without output; other
# commands refuse to run once per rank. Run by ctest when neardup is built with MPI.
#   mpi_cluster_test.sh NEARDUP NEARDUP_SYNTH WORKDIR
set -eu
neardup=$1 synth=$2 work=$3
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
