"""neardup: duplicate, near-duplicate and same-story detection for text, from Python.

The package wraps neardup's C++ engine (the same clusterers the ``neardup`` command line runs):
batch calls release the GIL and use the library's threads, so a call on a list of texts costs
about what the command line costs on the same texts.

    >>> import neardup
    >>> texts = ["the cat sat on the mat today", "The cat sat on the mat today!", "a dog"]
    >>> c = neardup.cluster(texts, mode="near", threshold=0.8)
    >>> c.labels.tolist(), c.keep.tolist()
    ([0, 0, 2], [True, False, True])

Functions and classes:

- :func:`cluster` -- cluster labels (plus duplicate-of and similarity) for any iterable of texts,
  in one of four modes (exact, near, simhash, story), with the CLI's options and defaults.
- :func:`dedup` -- the kept records of an iterable of dicts (or strings), lazily.
- :class:`Deduplicator` -- a persistent, thread-safe index: add, query, add_if_new, remove,
  save, load, ``len``, ``in`` (datasketch's ``MinHashLSH.insert``/``query`` also work).
- :func:`minhash`, :func:`simhash`, :func:`jaccard` -- the building blocks, as numpy arrays.
- :class:`StoryStream` -- story clustering of a feed, one article at a time.
- :func:`evaluate` -- pairwise, B-cubed, ARI and NMI scores of a clustering against gold labels.

Errors: bad options raise ValueError (TypeError for an unknown keyword or a wrong type), files
that cannot be read or written (or are not neardup files) raise OSError, all with the library's
message. None (or NaN) in place of a text is an empty text, counted in ``stats["null_texts"]``;
bytes are read as UTF-8 and invalid sequences (also lone surrogates in a str) are replaced by
U+FFFD, as the command line does.
"""

from __future__ import annotations

from typing import NamedTuple as _NamedTuple

import numpy as _np

from . import _neardup

__version__ = _neardup.__version__

__all__ = [
    "Clustering",
    "ContainmentMatch",
    "Deduplicator",
    "Match",
    "StoryMatch",
    "StoryStream",
    "Verdict",
    "cluster",
    "dedup",
    "evaluate",
    "jaccard",
    "minhash",
    "parse_time",
    "simhash",
]


class Clustering:
    """The result of :func:`cluster`: one entry per input text, in input order.

    Attributes (numpy arrays of length n):
        labels: the cluster of each text, as the index of the cluster's first text.
        representative: the index of the text that represents the cluster (the first text,
            unless ``representative=`` chose another).
        similarity: similarity to the representative (1.0 for the representative itself):
            Jaccard (near), 1 - distance/bits (simhash), 1 (exact), cosine (story).
        duplicate_of: the representative's index, or -1 for a representative.
        keep: True for the texts to keep when deduplicating (the representatives).
    Other attributes:
        ids: the ids given to :func:`cluster` (or None).
        n_clusters: the number of clusters.
        stats: counts of the run (clusters, duplicates, candidate pairs, null texts, ...).
    """

    __slots__ = ("labels", "representative", "similarity", "ids", "stats", "mode")

    def __init__(self, labels, representative, similarity, ids, stats, mode):
        self.labels = labels
        self.representative = representative
        self.similarity = similarity
        self.ids = ids
        self.stats = stats
        self.mode = mode

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return (
            f"<neardup.Clustering mode={self.mode!r} documents={len(self)} "
            f"clusters={self.n_clusters}>"
        )

    @property
    def keep(self):
        return self.representative == _np.arange(len(self.labels))

    @property
    def duplicate_of(self):
        return _np.where(self.keep, -1, self.representative)

    @property
    def n_clusters(self) -> int:
        return int(_np.count_nonzero(self.labels == _np.arange(len(self.labels))))

    def clusters(self) -> dict:
        """{label: [member indices in input order]} for every cluster (singletons included)."""
        out: dict = {}
        for i, c in enumerate(self.labels.tolist()):
            out.setdefault(c, []).append(i)
        return out

    def records(self) -> list:
        """The command line's output records, one dict per text, with the ids (or the indices
        when no ids were given): ``{"id", "cluster"}`` plus ``"duplicate_of"`` and
        ``"similarity"`` (rounded as the CLI prints it, 4 significant digits) for a text that is
        not its cluster's representative (in story mode: not its story's first report)."""
        names = list(self.ids) if self.ids is not None else list(range(len(self)))
        out = []
        labels = self.labels.tolist()
        reps = self.representative.tolist()
        sims = self.similarity.tolist()
        for i, name in enumerate(names):
            r = {"id": name, "cluster": names[labels[i]]}
            if reps[i] != i:
                r["duplicate_of"] = names[reps[i]]
                r["similarity"] = float(f"{sims[i]:.4g}")
            out.append(r)
        return out


def cluster(texts, mode: str = "near", ids=None, **options) -> Clustering:
    """Clusters texts; returns a :class:`Clustering` (labels, duplicate-of, similarity, keep).

    Args:
        texts: any iterable of str (or bytes; None / NaN is an empty text): a list, a pandas
            Series, a generator.
        mode: "near" (MinHash + LSH, verified Jaccard), "simhash" (Hamming distance of SimHash
            fingerprints), "exact" (identical after normalization) or "story" (reports of one
            news story). Note: the command line's default mode is "exact".
        ids: optional ids, one per text, used by :meth:`Clustering.records`.
        **options: the command line's flags of that mode, with ``-`` spelled ``_`` and the same
            defaults. An option the mode does not read raises ValueError.

            - every mode: ``threads=0`` (all cores; results never depend on it).
            - normalization (exact, near, simhash): ``no_nfkc``, ``no_case_fold``,
              ``keep_invisible``, ``no_unify_punctuation``, ``no_decode_html`` (HTML
              entities are decoded unless it is given; ``decode_html`` is accepted),
              ``strip_punctuation``, ``no_fold_whitespace`` (all False).
            - near: ``threshold=0.8``, ``shingle="word:5"`` (or ``"char:K"``),
              ``num_perm=128``, ``minhash="oph"`` (or ``"perm"``), ``bands=0``, ``rows=0``
              (0 = derived), ``verify="shingles"`` (or ``"signature"``),
              ``linkage="components"`` (or ``"representative"``), ``seed=1``,
              ``set_store="disk"`` (the shingle sets wait for verification in an unlinked
              temporary file in ``tmp_dir``, default $TMPDIR or /tmp; ``"memory"`` keeps
              them in RAM; the same clusters either way),
              ``representative="first"`` (``"longest"``, or one score per text: the highest
              represents its cluster).
            - simhash: ``bits=128``, ``max_distance=13`` (6 with ``bits=64``),
              ``shingle="word:1"``, ``simhash_weights="tfidf"`` (or ``"tf"``, ``"logtf"``),
              ``verify="none"`` (or ``"shingles"`` with ``threshold``),
              ``set_store="disk"`` and ``tmp_dir`` as in near (the shingle sets and counts that
              TF-IDF weights or verification need), ``seed``, ``representative``.
            - exact: normalization only.
            - story: ``times`` (one per text: unix seconds, ISO 8601 / RFC 2822 str, datetime,
              or None), ``titles`` (one per text), ``threshold="auto"``, ``window`` (e.g.
              ``"3d"``, or seconds; default 3 days with times), ``language="auto"``,
              ``stem=False``, ``single_pass=False``, ``stream=False``, ``idf_model`` (a path),
              ``seed=1``.

    Raises:
        ValueError: a bad option value, or an option the mode does not read.
        TypeError: an unknown keyword, or a text that is not str / bytes / None.
        OSError: ``idf_model`` cannot be read.
    """
    if ids is not None:
        ids = list(ids)
    labels, rep, sim, stats = _neardup.cluster(texts, mode, options)
    if ids is not None and len(ids) != len(labels):
        raise ValueError(f"{len(ids)} ids for {len(labels)} texts")
    return Clustering(labels, rep, sim, ids, stats, mode)


def dedup(records, text_field: str = "text", mode: str = "near", **options):
    """Yields the records to keep, in input order: one per cluster (its representative).

    Args:
        records: an iterable of dicts (e.g. a Hugging Face-style list of rows) or of str. It is
            read in full before the first record is yielded (clustering needs every text).
        text_field: the key holding the text; a record without it counts as an empty text.
        mode, **options: as :func:`cluster`. ``representative`` may also be ``"field:NAME"``:
            the record with the highest value of that key represents its cluster (numbers
            compare as numbers, other values in byte order; records without it rank last), as
            the command line's ``--representative field:NAME``.
    """
    items = list(records)
    texts = [r.get(text_field) if isinstance(r, dict) else r for r in items]
    rep = options.get("representative")
    if isinstance(rep, str) and rep.startswith("field:"):
        name = rep[len("field:"):]
        values = [r.get(name) if isinstance(r, dict) else None for r in items]
        if items and all(v is None for v in values):
            raise ValueError(f"no record has the field '{name}' (representative='field:{name}')")
        options["representative"] = _neardup.field_priority(values)
    keep = cluster(texts, mode=mode, **options).keep
    return (r for r, k in zip(items, keep.tolist()) if k)


class Match(_NamedTuple):
    """An indexed page that matches: its id and the similarity with the query."""

    id: str
    similarity: float


class ContainmentMatch(_NamedTuple):
    """A match of the containment backend: its id, the similarity (the larger qualifying
    containment) and both exact containments, ``query_in_match`` = |Q & M| / |Q| (how much of
    the query lies in the match) and ``match_in_query`` = |Q & M| / |M|."""

    id: str
    similarity: float
    query_in_match: float
    match_in_query: float


def _match(m):
    return Match(*m) if len(m) == 2 else ContainmentMatch(*m)


class Verdict(_NamedTuple):
    """:meth:`Deduplicator.add_if_new`'s answer: whether the page was added, else why not."""

    added: bool
    match: "Match | None"

    def __bool__(self) -> bool:
        return self.added


class Deduplicator:
    """A persistent near-duplicate index, for crawlers and streams ("have I seen this before?").

    The MinHash backend (default) matches pages whose estimated Jaccard similarity of word
    shingles is at least ``threshold``; the SimHash backend matches fingerprints that differ in
    at most ``max_distance`` bits (smaller, stricter).

        >>> d = neardup.Deduplicator(threshold=0.8)
        >>> d.add_if_new("url1", text1).added          # True: new, now indexed
        >>> d.add_if_new("url2", text1_reprinted)       # Verdict(added=False, match=Match('url1', 0.93))
        >>> d.save("crawl.ndx"); d = neardup.Deduplicator.load("crawl.ndx")

    Thread-safe: every method may be called from several Python threads at once (the GIL is
    released while the library works); ``add_if_new`` is atomic. The file is the one
    ``neardup index`` reads and writes.

    The containment backend (``backend="containment"``) matches pages by exact containment of
    shingle sets (an article embedded in a larger page): ``direction="query-in-indexed"``
    (default: |Q & B| / |Q| >= threshold, the queried page lies inside an indexed one),
    ``"indexed-in-query"`` (an indexed page lies inside the query) or ``"either"``; its matches
    are :class:`ContainmentMatch` with both exact containments.

    Args (keywords): ``backend="minhash"`` (or ``"simhash"``, ``"containment"``),
    ``threshold=0.8``, ``shingle="word:5"`` (or ``"char:K"``), ``num_perm=128``, ``bands=0``,
    ``rows=0`` (0 = derived), ``seed=1``; SimHash: ``max_distance=3``, ``bits=64``;
    containment: ``direction="query-in-indexed"``.
    """

    __slots__ = ("_d",)

    def __init__(self, **options):
        self._d = _neardup.Deduplicator.create(options)

    @classmethod
    def load(cls, path) -> "Deduplicator":
        """An index saved by :meth:`save` (or by ``neardup index``). OSError if unreadable."""
        self = cls.__new__(cls)
        self._d = _neardup.Deduplicator.load(_path(path))
        return self

    def add(self, id, text) -> None:
        """Indexes ``text`` under ``id`` (ids are not checked for uniqueness)."""
        self._d.add(id, text)

    insert = add  # datasketch MinHashLSH.insert(key, ...)

    def query(self, text, max_results: int = 10) -> list:
        """Indexed pages matching ``text``, best first: a list of :class:`Match`."""
        return [_match(m) for m in self._d.query(text, max_results)]

    def add_if_new(self, id, text) -> Verdict:
        """Adds the page unless an indexed page matches; atomic. Returns a :class:`Verdict`
        (true when added; else ``match`` is the best match)."""
        added, match = self._d.add_if_new(id, text)
        return Verdict(added, None if match is None else _match(match))

    def query_many(self, texts, max_results: int = 10, threads: int = 0) -> list:
        """:meth:`query` for each text, on ``threads`` threads (0 = all): a list of lists."""
        return [[_match(m) for m in ms] for ms in self._d.query_many(texts, max_results, threads)]

    def add_many(self, ids, texts) -> None:
        """:meth:`add` for each (id, text), in order, with the GIL released once."""
        self._d.add_many(ids, texts)

    def add_if_new_many(self, ids, texts):
        """:meth:`add_if_new` for each (id, text), in order: a numpy bool array (added)."""
        return self._d.add_if_new_many(ids, texts)

    def remove(self, id) -> int:
        """Removes every page indexed under ``id``; returns how many."""
        return self._d.remove(id)

    def save(self, path) -> None:
        """Writes a snapshot atomically (queries may continue meanwhile). OSError on failure."""
        self._d.save(_path(path))

    def reserve(self, documents: int) -> None:
        """Pre-sizes the index for ``documents`` pages in total."""
        self._d.reserve(documents)

    @property
    def stats(self) -> dict:
        """Backend, documents, memory_bytes, bytes_per_document, threshold and the shape."""
        return self._d.stats()

    @property
    def options(self) -> dict:
        """The options in effect (for a loaded index: those it was saved with)."""
        return self._d.options()

    def __len__(self) -> int:
        return self._d.size()

    def __contains__(self, id) -> bool:
        return self._d.contains(id)

    def __repr__(self) -> str:
        s = self._d.stats()
        return f"<neardup.Deduplicator backend={s['backend']!r} documents={s['documents']}>"


class StoryMatch(_NamedTuple):
    """:meth:`StoryStream.add`'s answer."""

    cluster_id: str  # id of the story's first report
    document: int  # this article's number (0, 1, 2, ... in add() order)
    cluster: int  # number of the story's first report
    founder: bool  # this article opened the story
    similarity: float  # 1 for a founder, else the cosine with the story it joined


class StoryStream:
    """Story clustering of a feed, one article at a time, in arrival order.

    Each article is assigned at once to an open story (or opens one), weighed with running
    document frequencies; stories with no report for ``window`` close, so memory is bounded by
    the window, not by the feed's length. Thread-safe (articles are taken one at a time).

        >>> feed = neardup.StoryStream()
        >>> m = feed.add("n1", text, time="2024-03-05T09:00:00Z", title="Kestrel opens plant")
        >>> m.cluster_id, m.founder

    Args (keywords): ``timed=True`` (articles carry times; one without a usable time takes
    the previous one's), ``window`` (default 3 days when timed; ``"12h"``, ``"2d"``, or
    seconds), ``threshold="auto"``, ``language="auto"``, ``stem=False``, ``seed=1``,
    ``idf_model`` (start the frequencies from a model saved by :meth:`save_idf` or
    ``neardup idf build``).
    """

    __slots__ = ("_s",)

    def __init__(self, **options):
        if "idf_model" in options and options["idf_model"] is not None:
            options["idf_model"] = _path(options["idf_model"])
        self._s = _neardup.StoryStream(options)

    def add(self, id, text, time=None, title=None) -> StoryMatch:
        """Assigns the next article; ``time`` as :func:`parse_time` reads it."""
        return StoryMatch(*self._s.add(id, text, time, title))

    @property
    def stats(self) -> dict:
        return self._s.stats()

    def save_idf(self, path) -> None:
        """Saves the running document frequencies as an IDF model (``idf_model=`` next time)."""
        self._s.save_idf(_path(path))


def minhash(texts, num_perm: int = 128, **options):
    """MinHash signatures: a numpy uint32 array of shape (n, num_perm), written in place.

    Options: ``shingle="word:5"``, ``minhash="oph"`` (or ``"perm"``), ``seed=1``,
    ``threads=0``, the normalization switches. The values are the high 32 bits of the
    library's slots (what near mode's signature verification compares); an empty text gives
    0xFFFFFFFF in every slot. Compare rows with :func:`jaccard`.
    """
    return _neardup.minhash(texts, dict(options, num_perm=num_perm))


def simhash(texts, bits: int = 64, **options):
    """SimHash fingerprints of the shingles (term-frequency weights): a numpy uint64 array of
    shape (n,) for 64 bits or (n, 2) for 128 (low word first). Options: ``shingle``,
    ``seed``, ``threads``, the normalization switches."""
    return _neardup.simhash(texts, dict(options, bits=bits))


def jaccard(a, b, **options):
    """Jaccard similarity.

    Two texts: the exact Jaccard of their shingle sets (options ``shingle``, ``seed`` and
    normalization; 0 when either has no shingle). Two signatures from :func:`minhash` (1-D), or
    two arrays of them (2-D, row by row): the MinHash estimate (a float, or an array).
    """
    return _neardup.jaccard(a, b, options)


def evaluate(gold, pred) -> dict:
    """Scores a clustering against gold labels (any hashable labels, one per document):
    pairwise precision/recall/F1, B-cubed precision/recall/F1, ARI, NMI (arithmetic and
    geometric normalization), and the cluster counts."""
    return _neardup.evaluate(gold, pred)


def parse_time(value):
    """A time in unix seconds from a number (milliseconds above 1e11), an ISO 8601 or RFC 2822
    string, or a datetime; None when it cannot be read."""
    return _neardup.parse_time(value)


def _path(p) -> str:
    import os

    return os.fsdecode(os.fspath(p))
