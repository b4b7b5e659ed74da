"""cluster() and dedup(): the four modes, options, results identical to the CLI."""

import numpy as np
import pytest

import neardup
from conftest import SAMPLE

BASE = (
    "Kestrel Motors opened its first battery cell factory on Tuesday in Lindholm, a former "
    "mining town in the north of the country, in a bet that it can cut the cost of its cars."
)
NEAR = BASE.replace("Tuesday", "Wednesday")
OTHER = "The central bank left interest rates unchanged on Thursday and said inflation eased."


def test_near_groups_copies_and_keeps_the_first():
    c = neardup.cluster([BASE, OTHER, NEAR, BASE.upper()], threshold=0.7)
    assert c.labels.tolist() == [0, 1, 0, 0]
    assert c.keep.tolist() == [True, True, False, False]
    assert c.duplicate_of.tolist() == [-1, -1, 0, 0]
    assert c.similarity[3] == 1.0  # an exact copy after case folding
    assert 0.7 <= c.similarity[2] < 1.0
    assert c.n_clusters == 2 and len(c) == 4
    assert c.stats["exact_duplicates"] == 1 and c.stats["documents"] == 4
    assert c.clusters() == {0: [0, 2, 3], 1: [1]}


def test_set_store_disk_and_memory_agree(tmp_path):
    # The shingle sets wait on disk by default (as the CLI): same clusters and similarities as
    # in RAM, with many near copies so that verification reads sets back from the file.
    texts = [BASE + f" Part {i % 7}." + " More words here." * (i % 3) for i in range(300)]
    texts += [OTHER + f" {i}" for i in range(50)]
    disk = neardup.cluster(texts, threshold=0.7, threads=2, tmp_dir=str(tmp_path))
    memory = neardup.cluster(texts, threshold=0.7, threads=2, set_store="memory")
    assert disk.labels.tolist() == memory.labels.tolist()
    assert disk.similarity.tolist() == memory.similarity.tolist()
    assert disk.n_clusters < len(texts) // 2
    assert list(tmp_path.iterdir()) == []  # the file is unlinked at once
    with pytest.raises(ValueError, match="set_store"):
        neardup.cluster(texts, set_store="ram")
    with pytest.raises(OSError, match="nonexistent"):
        neardup.cluster(texts, tmp_dir="/nonexistent/dir")
    # simhash: TF-IDF weights and verification keep sets too, with the same choice.
    for extra in ({}, {"verify": "shingles", "threshold": 0.7}):
        disk = neardup.cluster(texts, mode="simhash", threads=2, tmp_dir=str(tmp_path), **extra)
        memory = neardup.cluster(texts, mode="simhash", threads=2, set_store="memory", **extra)
        assert disk.labels.tolist() == memory.labels.tolist()
        assert disk.similarity.tolist() == memory.similarity.tolist()
        assert disk.n_clusters < len(texts) // 2
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="set_store"):
        neardup.cluster(texts, mode="simhash", set_store="ram")
    with pytest.raises(OSError, match="nonexistent"):
        neardup.cluster(texts, mode="simhash", tmp_dir="/nonexistent/dir")


def test_threshold_decides():
    strict = neardup.cluster([BASE, NEAR], threshold=0.95)
    assert strict.labels.tolist() == [0, 1]


def test_representative_longest_and_scores():
    texts = [BASE, BASE + " It said more.", OTHER]
    c = neardup.cluster(texts, threshold=0.7, representative="longest")
    assert c.labels.tolist() == [0, 0, 2]  # labels never depend on the policy
    assert c.representative.tolist() == [1, 1, 2]
    c = neardup.cluster(texts, threshold=0.7, representative=[0.0, -1.0, 5.0])
    assert c.representative.tolist() == [0, 0, 2]
    with pytest.raises(ValueError, match="scores"):
        neardup.cluster(texts, representative=[1.0])
    with pytest.raises(ValueError, match="representative"):
        neardup.cluster(texts, representative="best")


def test_exact_mode():
    c = neardup.cluster(["a  b", "A B", "a c", ""], mode="exact")
    assert c.labels.tolist() == [0, 0, 2, 3]
    assert c.stats["empty"] == 1
    c = neardup.cluster(["a  b", "A B"], mode="exact", no_case_fold=True)
    assert c.labels.tolist() == [0, 1]
    with pytest.raises(ValueError, match="first"):
        neardup.cluster(["a"], mode="exact", representative="longest")


def test_simhash_mode():
    c = neardup.cluster([BASE, BASE + ".", OTHER], mode="simhash")
    assert c.labels.tolist() == [0, 0, 2]
    assert c.similarity[1] >= 1 - 3 / 64
    c = neardup.cluster([BASE, NEAR, OTHER], mode="simhash", verify="shingles", threshold=0.99)
    assert c.labels.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="threshold"):
        neardup.cluster([BASE], mode="simhash", threshold=0.5)  # only with verify="shingles"
    with pytest.raises(ValueError, match="64 or 128"):
        neardup.cluster([BASE], mode="simhash", bits=32)


def test_story_mode_groups_rewrites(sample, gold):
    texts = [r["text"] for r in sample]
    c = neardup.cluster(
        texts,
        mode="story",
        times=[r["time"] for r in sample],
        titles=[r["title"] for r in sample],
    )
    scores = neardup.evaluate([g["story"] for g in gold], c.labels)
    assert scores["documents"] == 65
    assert scores["bcubed_f1"] > 0.8  # the sample's stories are well separated
    assert c.stats["with_title"] == 65


def test_options_are_checked():
    with pytest.raises(ValueError, match="not used by mode 'exact'"):
        neardup.cluster([BASE], mode="exact", threshold=0.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        neardup.cluster([BASE], thresold=0.5)
    with pytest.raises(ValueError, match="unknown mode"):
        neardup.cluster([BASE], mode="fuzzy")
    with pytest.raises(ValueError):
        neardup.cluster([BASE], threshold=1.5)
    with pytest.raises(ValueError):
        neardup.cluster([BASE], shingle="word:0")
    with pytest.raises(ValueError, match="shingle"):
        neardup.cluster([BASE], shingle="bytes:3")
    with pytest.raises(ValueError, match="minhash"):
        neardup.cluster([BASE], minhash="fast")
    with pytest.raises(ValueError, match="out of range"):
        neardup.cluster([BASE], num_perm=-1)
    with pytest.raises(TypeError):
        neardup.cluster([BASE], num_perm="128")
    with pytest.raises(ValueError, match="threads"):
        neardup.cluster([BASE], threads=-2)
    with pytest.raises(ValueError, match="window"):
        neardup.cluster([BASE], mode="story", window="3d")  # needs times
    with pytest.raises(ValueError, match="unit"):
        neardup.cluster([BASE], mode="story", times=[0], window="3")
    with pytest.raises(OSError):
        neardup.cluster([BASE], mode="story", idf_model="/nonexistent/model.idf")


def test_bad_texts_never_crash():
    texts = [None, b"\xff\xfe bytes", "lone \ud800 surrogate", float("nan"), "", BASE, BASE]
    for mode in ("exact", "near", "simhash", "story"):
        c = neardup.cluster(texts, mode=mode)
        assert len(c) == len(texts)
        assert c.stats["null_texts"] == 2
    c = neardup.cluster(texts)
    assert c.labels[6] == 5  # the two copies still meet
    assert c.stats["invalid_utf8_repaired"] == 2  # the bytes and the surrogate
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        neardup.cluster(["a", 3])
    with pytest.raises(TypeError, match="single str"):
        neardup.cluster("one text")
    with pytest.raises(TypeError):
        neardup.cluster(None)
    with pytest.raises(TypeError):
        neardup.cluster(12)
    assert len(neardup.cluster([])) == 0
    assert len(neardup.cluster(iter([BASE, NEAR]))) == 2  # any iterable


def test_results_do_not_depend_on_threads():
    texts = [f"{BASE} number {i % 50} of {i % 7}" for i in range(5000)]
    one = neardup.cluster(texts, threads=1, threshold=0.6)
    two = neardup.cluster(texts, threads=2, threshold=0.6)
    assert np.array_equal(one.labels, two.labels)
    assert np.array_equal(one.similarity, two.similarity)


def test_dedup_records():
    rows = [
        {"id": 1, "text": BASE, "score": 1},
        {"id": 2, "text": OTHER, "score": 1},
        {"id": 3, "text": NEAR, "score": 9},
        {"id": 4},  # no text: an empty document, kept
    ]
    assert [r["id"] for r in neardup.dedup(rows, threshold=0.7)] == [1, 2, 4]
    kept = neardup.dedup(rows, threshold=0.7, representative="field:score")
    assert [r["id"] for r in kept] == [2, 3, 4]
    with pytest.raises(ValueError, match="no record has the field"):
        list(neardup.dedup(rows, representative="field:missing"))
    assert list(neardup.dedup([BASE, NEAR, OTHER], threshold=0.7)) == [BASE, OTHER]


# --- identical to the CLI on the bundled sample ----------------------------------------------


def cli_records(cli, *args):
    return cli("cluster", "--quiet", *args, SAMPLE)


def py_records(sample, **options):
    c = neardup.cluster([r["text"] for r in sample], ids=[r["id"] for r in sample], **options)
    return c.records()


@pytest.mark.parametrize(
    "flags,options",
    [
        (["--mode", "exact"], {"mode": "exact"}),
        (["--mode", "near"], {"mode": "near"}),
        (["--mode", "near", "--threshold", "0.5"], {"mode": "near", "threshold": 0.5}),
        (
            ["--mode", "near", "--threshold", "0.6", "--shingle", "char:7", "--verify", "signature",
             "--representative", "longest", "--num-perm", "64", "--minhash", "perm"],
            {"mode": "near", "threshold": 0.6, "shingle": "char:7", "verify": "signature",
             "representative": "longest", "num_perm": 64, "minhash": "perm"},
        ),
        (
            ["--mode", "near", "--threshold", "0.5", "--linkage", "representative", "--seed", "7"],
            {"mode": "near", "threshold": 0.5, "linkage": "representative", "seed": 7},
        ),
        (["--mode", "simhash"], {"mode": "simhash"}),
        (
            ["--mode", "simhash", "--max-distance", "8", "--bits", "128", "--simhash-weights",
             "tfidf"],
            {"mode": "simhash", "max_distance": 8, "bits": 128, "simhash_weights": "tfidf"},
        ),
        (
            ["--mode", "simhash", "--bits", "64", "--shingle", "word:5", "--simhash-weights",
             "logtf", "--no-decode-html"],
            {"mode": "simhash", "bits": 64, "shingle": "word:5", "simhash_weights": "logtf",
             "no_decode_html": True},
        ),
        (["--mode", "near", "--threshold", "0.5", "--no-decode-html"],
         {"mode": "near", "threshold": 0.5, "no_decode_html": True}),
    ],
)
def test_identical_to_cli(cli, sample, flags, options):
    assert py_records(sample, **options) == cli_records(cli, *flags)


@pytest.mark.parametrize("extra_flags,extra", [([], {}), (["--single-pass"], {"single_pass": True}),
                                               (["--stream"], {"stream": True})])
def test_story_identical_to_cli(cli, sample, extra_flags, extra):
    want = cli_records(cli, "--mode", "story", "--time-field", "time", *extra_flags)
    got = py_records(
        sample,
        mode="story",
        times=[r["time"] for r in sample],
        titles=[r["title"] for r in sample],
        **extra,
    )
    assert got == want


def test_dedup_identical_to_cli(cli, sample):
    want = cli("dedup", "--quiet", "--mode", "near", "--threshold", "0.6", SAMPLE)
    got = list(neardup.dedup(sample, threshold=0.6))
    assert got == want


def test_non_ascii_texts_across_batches_equal_their_utf8_bytes():
    # Texts that are not ASCII are encoded batch by batch (2048 texts a batch); the results must
    # be those of the same texts given as UTF-8 bytes (read in place), across batch boundaries,
    # with a lone surrogate and ASCII texts mixed in.
    texts = [
        f"Größere Änderung {i % 300} für café № {i % 17} — naïve “quotes” {i // 3}"
        if i % 5 else f"plain ascii text number {i % 300} and {i % 17}"
        for i in range(5000)
    ]
    texts[2047] = "lone \ud800 surrogate at a batch edge"
    as_bytes = [t.encode("utf-8", "surrogatepass") for t in texts]
    for mode in ("near", "simhash", "exact"):
        a = neardup.cluster(texts, mode=mode)
        b = neardup.cluster(as_bytes, mode=mode)
        assert np.array_equal(a.labels, b.labels) and np.array_equal(a.similarity, b.similarity)
    lng = neardup.cluster(texts, representative="longest", threshold=0.5)
    assert np.array_equal(lng.representative,
                          neardup.cluster(as_bytes, representative="longest", threshold=0.5).representative)
    assert np.array_equal(neardup.minhash(texts), neardup.minhash(as_bytes))
    assert np.array_equal(neardup.simhash(texts), neardup.simhash(as_bytes))
    story = neardup.cluster(texts, mode="story", titles=texts)
    assert np.array_equal(story.labels, neardup.cluster(as_bytes, mode="story", titles=as_bytes).labels)
    d = neardup.Deduplicator(threshold=0.9)
    added = d.add_if_new_many(texts, texts)  # non-ASCII ids too
    e = neardup.Deduplicator(threshold=0.9)
    assert np.array_equal(added, e.add_if_new_many(as_bytes, as_bytes))
    assert d.query_many(texts[4990:]) == e.query_many(as_bytes[4990:])
    assert texts[4999] in d or not added[4999]


def test_html_entities_are_decoded_unless_no_decode_html():
    plain = "the council said \"we will rebuild the bridge\" before the winter storms arrive here"
    encoded = plain.replace('"', "&quot;")
    assert neardup.cluster([plain, encoded], mode="exact").n_clusters == 1
    assert neardup.cluster([plain, encoded], mode="exact", no_decode_html=True).n_clusters == 2
    with pytest.raises(ValueError):
        neardup.cluster([plain], mode="exact", decode_html=True, no_decode_html=True)
