"""minhash, simhash, jaccard, evaluate, parse_time."""

import datetime

import numpy as np
import pytest

import neardup

A = "the quick brown fox jumps over the lazy dog and runs far away into the woods"
B = A.replace("lazy", "sleepy")


def test_minhash_shape_dtype_and_determinism():
    sig = neardup.minhash([A, B, A, ""], num_perm=64)
    assert sig.dtype == np.uint32 and sig.shape == (4, 64)
    assert sig.flags["C_CONTIGUOUS"] and sig.flags["OWNDATA"]  # written in place, not copied
    assert np.array_equal(sig[0], sig[2])
    assert (sig[3] == 0xFFFFFFFF).all()  # empty text: empty slots
    again = neardup.minhash([A, B, A, ""], num_perm=64, threads=1)
    assert np.array_equal(sig, again)
    assert not np.array_equal(sig, neardup.minhash([A, B, A, ""], num_perm=64, seed=2))


def test_minhash_estimates_jaccard():
    exact = neardup.jaccard(A, B)
    sig = neardup.minhash([A, B], num_perm=1024)
    est = neardup.jaccard(sig[0], sig[1])
    # standard deviation sqrt(J(1-J)/k) ~ 0.015 at k = 1024: 5 sigma
    assert abs(est - exact) < 0.08
    rows = neardup.jaccard(sig, sig[::-1])
    assert rows.shape == (2,) and rows[0] == pytest.approx(est)


def test_jaccard_of_texts():
    assert neardup.jaccard(A, A) == 1.0
    assert neardup.jaccard(A, A.upper()) == 1.0  # normalization folds case
    assert neardup.jaccard(A, A.upper(), no_case_fold=True) == 0.0
    assert neardup.jaccard(A, "") == 0.0
    assert 0 < neardup.jaccard(A, B) < 1
    assert neardup.jaccard(A, B, shingle="word:1") > neardup.jaccard(A, B)
    with pytest.raises(TypeError):
        neardup.jaccard(A, np.zeros(4, dtype=np.uint32))
    with pytest.raises(ValueError, match="shapes"):
        neardup.jaccard(np.zeros(4, np.uint32), np.zeros(5, np.uint32))
    with pytest.raises(ValueError, match="not used"):
        neardup.jaccard(np.zeros(4, np.uint32), np.zeros(4, np.uint32), shingle="word:3")


def test_simhash():
    fp = neardup.simhash([A, A + ".", "something else entirely different here"])
    assert fp.dtype == np.uint64 and fp.shape == (3,)
    assert fp[0] == fp[1]  # punctuation does not make a shingle
    wide = neardup.simhash([A, B], bits=128)
    assert wide.shape == (2, 2) and wide.dtype == np.uint64
    with pytest.raises(ValueError, match="64 or 128"):
        neardup.simhash([A], bits=100)


def test_minhash_bad_input():
    with pytest.raises(ValueError):
        neardup.minhash([A], num_perm=0)
    with pytest.raises(ValueError):
        neardup.minhash([A], num_perm=100000)
    with pytest.raises(TypeError):
        neardup.minhash([A, 1.5])
    sig = neardup.minhash([None, b"\xff", "\udcff"])
    assert sig.shape == (3, 128)


def test_evaluate():
    s = neardup.evaluate(["a", "a", "b", "b"], [1, 1, 2, 2])
    assert s["pairwise_f1"] == 1.0 and s["ari"] == 1.0 and s["bcubed_f1"] == 1.0
    assert s["gold_clusters"] == 2 and s["pred_clusters"] == 2
    s = neardup.evaluate(["a", "a", "b", "b"], [0, 1, 2, 3])
    assert s["pairwise_recall"] == 0.0 and s["bcubed_precision"] == 1.0
    with pytest.raises(ValueError, match="labels"):
        neardup.evaluate([1, 2], [1])
    with pytest.raises(TypeError):
        neardup.evaluate([[1], [2]], [1, 2])  # unhashable labels


def test_parse_time():
    assert neardup.parse_time("1970-01-02T00:00:00Z") == 86400
    assert neardup.parse_time(86400) == 86400
    assert neardup.parse_time(1394490290000) == 1394490290  # milliseconds above 1e11
    d = datetime.datetime(1970, 1, 2, tzinfo=datetime.timezone.utc)
    assert neardup.parse_time(d) == 86400
    assert neardup.parse_time("Tue, 10 Mar 2014 22:24:50 GMT") == 1394490290
    assert neardup.parse_time("not a date") is None
    assert neardup.parse_time(None) is None


def test_stub_and_docstrings_cover_the_api():
    import ast
    import pathlib

    stub = pathlib.Path(neardup.__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert names == set(neardup.__all__)
    for name in neardup.__all__:
        assert getattr(neardup, name).__doc__, name
