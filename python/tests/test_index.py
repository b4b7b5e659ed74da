"""Deduplicator (incl. threads, save/load, files shared with `neardup index`) and StoryStream."""

import threading

import pytest

import neardup
from conftest import SAMPLE

PAGE = (
    "Kestrel Motors opened its first battery cell factory on Tuesday in Lindholm, a former "
    "mining town in the north of the country, in a bet that it can cut the cost of its cars. "
    "The plant will employ 2,400 people when it runs at full capacity in two years, and its "
    "coating and drying lines run on electricity from a wind farm on the nearby coast."
)
EDITED = PAGE.replace("Tuesday", "Wednesday")
OTHER = "The central bank left interest rates unchanged on Thursday and said inflation eased."


@pytest.mark.parametrize("backend", ["minhash", "simhash"])
def test_add_query_remove_len_in(backend):
    d = neardup.Deduplicator(backend=backend) if backend == "simhash" else neardup.Deduplicator(
        threshold=0.7
    )
    assert len(d) == 0 and "a" not in d
    d.add("a", PAGE)
    d.insert("b", OTHER)  # datasketch's name
    assert len(d) == 2 and "a" in d and "b" in d and "c" not in d and 3 not in d
    hits = d.query(PAGE)
    assert hits[0] == neardup.Match("a", 1.0)
    assert d.query("nothing like it at all, just some other words here") == []
    v = d.add_if_new("c", PAGE + " ")
    assert not v and v.match.id == "a" and "c" not in d
    v = d.add_if_new("d", "a completely different page about the weather in the mountains")
    assert v.added and v.match is None and "d" in d
    assert d.remove("a") == 1 and d.remove("a") == 0
    assert "a" not in d and len(d) == 2
    assert d.query(PAGE) == []
    assert d.stats["backend"] == backend and d.stats["documents"] == 2
    d.reserve(1000)  # a hint: nothing changes but the capacity
    assert len(d) == 2 and d.query(OTHER)[0].id == "b"
    assert d.stats["memory_bytes"] > 0 and repr(d).startswith("<neardup.Deduplicator")


def test_near_copy_found_by_minhash():
    d = neardup.Deduplicator(threshold=0.7)
    d.add("a", PAGE)
    (m,) = d.query(EDITED)
    assert m.id == "a" and 0.7 <= m.similarity < 1


def test_options_and_errors(tmp_path):
    with pytest.raises(ValueError):
        neardup.Deduplicator(threshold=0)
    with pytest.raises(ValueError):
        neardup.Deduplicator(num_perm=0)
    with pytest.raises(ValueError, match="backend"):
        neardup.Deduplicator(backend="bloom")
    with pytest.raises(ValueError, match="not used by backend 'simhash'"):
        neardup.Deduplicator(backend="simhash", threshold=0.5)
    with pytest.raises(TypeError):
        neardup.Deduplicator(treshold=0.5)
    with pytest.raises(OSError):
        neardup.Deduplicator.load(tmp_path / "missing.ndx")
    bad = tmp_path / "bad.ndx"
    bad.write_bytes(b"not an index at all" * 10)
    with pytest.raises(OSError, match="bad.ndx"):
        neardup.Deduplicator.load(bad)
    d = neardup.Deduplicator()
    with pytest.raises(OSError):
        d.save(tmp_path / "no" / "such" / "dir" / "x.ndx")
    with pytest.raises(TypeError):
        d.add(None, PAGE)
    with pytest.raises(TypeError):
        d.add("x", 5)
    d.add("n", None)  # an empty page
    d.add(b"\xff", "lone \ud800")  # bytes id, surrogate text
    assert b"\xff" in d and len(d) == 2
    assert d.options["threshold"] == 0.8 and d.options["shingle"] == "word:5"


def test_save_load_round_trip(tmp_path):
    d = neardup.Deduplicator(threshold=0.6, shingle="char:5", num_perm=64)
    d.add_many(["a", "b"], [PAGE, OTHER])
    path = tmp_path / "x.ndx"
    d.save(path)
    e = neardup.Deduplicator.load(str(path))
    assert len(e) == 2 and e.options == d.options
    assert e.query(EDITED) == d.query(EDITED)


def test_batch_calls():
    d = neardup.Deduplicator(threshold=0.7)
    added = d.add_if_new_many(["a", "b", "c"], [PAGE, EDITED, OTHER])
    assert added.tolist() == [True, False, True]
    res = d.query_many([EDITED, OTHER, "zz"], threads=2)
    assert [[m.id for m in r] for r in res] == [["a"], ["c"], []]
    with pytest.raises(ValueError, match="ids"):
        d.add_many(["x"], [PAGE, OTHER])


def test_threads_share_one_index():
    d = neardup.Deduplicator(threshold=0.9)
    texts = [f"page {i} says {i * 7919 % 1000} things about {i % 13} topics today" for i in range(400)]
    added = [0] * 4

    def worker(w):
        for i, t in enumerate(texts):  # every thread offers every page
            if d.add_if_new(f"{w}-{i}", t).added:
                added[w] += 1
            d.query(t)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(added) == len(d)  # add_if_new is atomic: each page added by one thread only
    assert len(d) <= len(texts)


# --- files shared with the CLI (`neardup index`) ---------------------------------------------


def test_python_save_cli_query(cli, sample, tmp_path):
    d = neardup.Deduplicator(threshold=0.6)
    d.add_many([r["id"] for r in sample[:40]], [r["text"] for r in sample[:40]])
    path = tmp_path / "py.ndx"
    d.save(path)
    out = cli("index", "query", "--quiet", "--index", path, SAMPLE)
    assert len(out) == len(sample)
    for rec, row in zip(out, sample):
        hits = d.query(row["text"], 1)
        assert rec["match"] == (hits[0].id if hits else None), rec
        if hits:
            assert rec["similarity"] == float(f"{hits[0].similarity:.4g}")


@pytest.mark.parametrize("flags", [[], ["--mode", "simhash", "--max-distance", "4"]])
def test_cli_build_python_load(cli, sample, tmp_path, flags):
    path = tmp_path / "cli.ndx"
    cli("index", "build", "--quiet", "--index", path, *flags, SAMPLE)
    d = neardup.Deduplicator.load(path)
    assert len(d) == len(sample)
    assert all(r["id"] in d for r in sample)
    for r in sample:
        assert d.query(r["text"])[0].similarity == 1.0
    d.add("extra", "a page only Python added to the file the CLI built")
    d.save(path)
    out = cli("index", "query", "--quiet", "--index", path, "-",
              stdin='{"id":"q","text":"a page only Python added to the file the CLI built"}\n')
    assert out == [{"id": "q", "match": "extra", "similarity": 1}]


# --- StoryStream -------------------------------------------------------------------------------


def test_story_stream_matches_cli_stream(cli, sample):
    want = cli("cluster", "--quiet", "--mode", "story", "--stream", "--time-field", "time", SAMPLE)
    feed = neardup.StoryStream()
    got = []
    for r in sample:
        m = feed.add(r["id"], r["text"], time=r["time"], title=r["title"])
        rec = {"id": r["id"], "cluster": m.cluster_id}
        if not m.founder:
            rec["duplicate_of"] = m.cluster_id
            rec["similarity"] = float(f"{m.similarity:.4g}")
        got.append(rec)
    assert got == want
    assert feed.stats["documents"] == len(sample)


def test_story_stream_options_and_model(sample, tmp_path):
    feed = neardup.StoryStream(window="12h", threshold=0.3)
    first = feed.add("a", "Kestrel Motors opens battery plant in Lindholm", time="2024-03-05")
    assert first.founder and first.cluster_id == "a" and first.document == 0
    feed.add("b", None, time=None)  # no text, no time: never a crash
    assert feed.stats["without_time"] == 1 and feed.stats["without_features"] == 1
    model = tmp_path / "news.idf"
    feed.save_idf(model)
    neardup.StoryStream(idf_model=model).add("c", "Kestrel battery plant")
    with pytest.raises(ValueError, match="other feature settings"):
        neardup.StoryStream(idf_model=model, language="german")
    with pytest.raises(OSError):
        neardup.StoryStream(idf_model=tmp_path / "missing.idf")
    with pytest.raises(ValueError):
        neardup.StoryStream(threshold=2.0)
    with pytest.raises(ValueError, match="unit"):
        neardup.StoryStream(window="12")
    with pytest.raises(TypeError):
        neardup.StoryStream().add("x", "text", time=[1])


ARTICLE = PAGE
PORTAL = OTHER + " Also today: " + PAGE + " Comments: " + EDITED.replace("Kestrel", "Falcon")


def test_containment_backend_both_directions(tmp_path):
    with pytest.raises(ValueError, match="direction"):
        neardup.Deduplicator(backend="containment", direction="sideways")
    with pytest.raises(ValueError, match="not used by backend 'containment'"):
        neardup.Deduplicator(backend="containment", bits=64)
    with pytest.raises(ValueError, match="backend 'containment' only"):
        neardup.Deduplicator(direction="either")
    d = neardup.Deduplicator(backend="containment", threshold=0.9)
    d.add("portal", PORTAL)
    (m,) = d.query(ARTICLE)
    assert isinstance(m, neardup.ContainmentMatch)
    assert m.id == "portal" and m.query_in_match == 1.0 and m.similarity == 1.0
    assert 0 < m.match_in_query < 0.8
    v = d.add_if_new("article", ARTICLE)
    assert not v and v.match.id == "portal"
    # The default direction does not report pages inside the query.
    d.add("article", ARTICLE)
    assert [x.id for x in d.query(PORTAL)] == ["portal"]
    e = neardup.Deduplicator(backend="containment", threshold=0.9, direction="indexed-in-query")
    e.add("article", ARTICLE)
    e.add("other", "a completely different page about the weather in the mountains today")
    (m,) = e.query(PORTAL)
    assert m.id == "article" and m.match_in_query == 1.0
    assert e.stats["backend"] == "containment" and e.stats["band_entries"] == 240
    assert e.options["direction"] == "indexed-in-query"
    path = tmp_path / "c.ndc"
    e.save(path)
    f = neardup.Deduplicator.load(path)
    assert f.query(PORTAL) == e.query(PORTAL)
    assert f.query_many([PORTAL, ARTICLE], threads=2) == [e.query(PORTAL), e.query(ARTICLE)]
    # Jaccard backends keep their two-field matches.
    g = neardup.Deduplicator(threshold=0.7)
    g.add("a", PAGE)
    assert type(g.query(PAGE)[0]) is neardup.Match
