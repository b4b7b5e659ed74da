# Type stubs of the neardup package (docstrings: neardup/__init__.py).
from os import PathLike
from typing import Any, Iterable, Iterator, NamedTuple, Sequence, TypeVar, overload

import numpy as np
import numpy.typing as npt

__version__: str

_Text = str | bytes | None
_Path = str | bytes | PathLike[str] | PathLike[bytes]
_R = TypeVar("_R")

class Clustering:
    labels: npt.NDArray[np.int64]
    representative: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    ids: list[Any] | None
    stats: dict[str, Any]
    mode: str
    def __len__(self) -> int: ...
    @property
    def keep(self) -> npt.NDArray[np.bool_]: ...
    @property
    def duplicate_of(self) -> npt.NDArray[np.int64]: ...
    @property
    def n_clusters(self) -> int: ...
    def clusters(self) -> dict[int, list[int]]: ...
    def records(self) -> list[dict[str, Any]]: ...

def cluster(
    texts: Iterable[_Text],
    mode: str = "near",
    ids: Iterable[Any] | None = None,
    *,
    threads: int = 0,
    seed: int = 1,
    representative: str | Sequence[float] = "first",
    threshold: float | str = ...,
    shingle: str = "word:5",
    num_perm: int = 128,
    minhash: str = "oph",
    bands: int = 0,
    rows: int = 0,
    verify: str = ...,
    linkage: str = "components",
    bits: int = 128,
    max_distance: int = 13,
    simhash_weights: str = "tfidf",
    times: Iterable[Any] | None = None,
    titles: Iterable[_Text] | None = None,
    window: str | float | None = None,
    language: str = "auto",
    stem: bool = False,
    single_pass: bool = False,
    stream: bool = False,
    idf_model: str | None = None,
    no_nfkc: bool = False,
    no_case_fold: bool = False,
    keep_invisible: bool = False,
    no_unify_punctuation: bool = False,
    decode_html: bool = False,
    no_decode_html: bool = False,
    strip_punctuation: bool = False,
    no_fold_whitespace: bool = False,
) -> Clustering: ...
def dedup(
    records: Iterable[_R], text_field: str = "text", mode: str = "near", **options: Any
) -> Iterator[_R]: ...

class Match(NamedTuple):
    id: str
    similarity: float

class ContainmentMatch(NamedTuple):
    id: str
    similarity: float
    query_in_match: float
    match_in_query: float

class Verdict(NamedTuple):
    added: bool
    match: Match | ContainmentMatch | None
    def __bool__(self) -> bool: ...

class Deduplicator:
    def __init__(
        self,
        *,
        backend: str = "minhash",
        threshold: float = 0.8,
        shingle: str = "word:5",
        num_perm: int = 128,
        bands: int = 0,
        rows: int = 0,
        seed: int = 1,
        max_distance: int = 3,
        bits: int = 64,
        direction: str = "query-in-indexed",
    ) -> None: ...
    @classmethod
    def load(cls, path: _Path) -> Deduplicator: ...
    def add(self, id: str | bytes, text: _Text) -> None: ...
    def insert(self, id: str | bytes, text: _Text) -> None: ...
    def query(self, text: _Text, max_results: int = 10) -> list[Match | ContainmentMatch]: ...
    def add_if_new(self, id: str | bytes, text: _Text) -> Verdict: ...
    def query_many(
        self, texts: Iterable[_Text], max_results: int = 10, threads: int = 0
    ) -> list[list[Match | ContainmentMatch]]: ...
    def add_many(self, ids: Iterable[str | bytes], texts: Iterable[_Text]) -> None: ...
    def add_if_new_many(
        self, ids: Iterable[str | bytes], texts: Iterable[_Text]
    ) -> npt.NDArray[np.bool_]: ...
    def remove(self, id: str | bytes) -> int: ...
    def save(self, path: _Path) -> None: ...
    def reserve(self, documents: int) -> None: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    @property
    def options(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def __contains__(self, id: object) -> bool: ...

class StoryMatch(NamedTuple):
    cluster_id: str
    document: int
    cluster: int
    founder: bool
    similarity: float

class StoryStream:
    def __init__(
        self,
        *,
        timed: bool = True,
        window: str | float | None = None,
        threshold: float | str = "auto",
        language: str = "auto",
        stem: bool = False,
        seed: int = 1,
        idf_model: _Path | None = None,
    ) -> None: ...
    def add(
        self, id: str | bytes, text: _Text, time: Any = None, title: _Text = None
    ) -> StoryMatch: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    def save_idf(self, path: _Path) -> None: ...

def minhash(
    texts: Iterable[_Text], num_perm: int = 128, **options: Any
) -> npt.NDArray[np.uint32]: ...
def simhash(texts: Iterable[_Text], bits: int = 64, **options: Any) -> npt.NDArray[np.uint64]: ...
@overload
def jaccard(a: str | bytes, b: str | bytes, **options: Any) -> float: ...
@overload
def jaccard(a: npt.ArrayLike, b: npt.ArrayLike) -> float | npt.NDArray[np.float64]: ...
def evaluate(gold: Sequence[Any], pred: Sequence[Any]) -> dict[str, float | int]: ...
def parse_time(value: Any) -> float | None: ...
