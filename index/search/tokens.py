"""BM25 over jieba tokens (词元检索): the tokenizer and the bm25s index of a version.

Token ids are kept per row in each version, so a refresh tokenizes only new
passages; the bm25s score matrix is then rebuilt from the ids (IDF depends on
every row). The vocabulary only grows: a token keeps its id across versions.
``SIGNATURE`` changes with the tokenizer (jieba, word lists, BM25 text), and
with it every version's fingerprint, so changed tokenizing rebuilds the index.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import Any

import jieba
import numpy as np

from index.model import Passage

DOMAIN_WORDS = [
    "一般公共预算", "政府性基金预算", "国有资本经营预算", "三公经费", "机关运行经费", "财政拨款",
    "基本支出", "项目支出", "人员经费", "公用经费", "结转结余", "政府采购", "社会保险补贴",
    "公益性岗位", "就业补助", "职业年金", "养老保险", "住房公积金", "绩效目标", "名词解释",
    "年初预算", "决算数", "预算数", "三支一扶", "国有资产", "公务用车", "公务接待",
]
STOPWORDS = set("的 了 是 在 和 与 及 为 有 等 吗 呢 么 啊 哪 请 问 多少 什么 哪些 如何 怎么 怎样 为什么 是否 情况 一下".split())
_TOKEN = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")
BM25_TEXT = "{department}\n{heading}\n{text}"
SIGNATURE = hashlib.sha256("\n".join([jieba.__version__, *DOMAIN_WORDS, *sorted(STOPWORDS), _TOKEN.pattern,
                                      BM25_TEXT]).encode("utf-8")).hexdigest()[:16]


# The loaded documents' own names (subjects, projects, departments) are words too: "catalog words", read
# from the database at each refresh and kept in the version's manifest, so a query is cut as its index was.
CATALOG_WORDS_SQL = """
SELECT DISTINCT name FROM (
    SELECT subject_name AS name FROM cells UNION ALL SELECT project_name FROM cells
    UNION ALL SELECT row_label FROM cells WHERE subject_code IS NOT NULL
    UNION ALL SELECT department FROM documents UNION ALL SELECT unnest(aliases) FROM documents
) WHERE name IS NOT NULL ORDER BY name
"""
_CATALOG_WORD = re.compile(r"^[\u4e00-\u9fff（）()]{3,20}$")


class Tokenizer:
    """jieba (search mode) with budget terms and the catalog's words added, on a private dictionary instance."""

    def __init__(self, words: tuple[str, ...] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading to stderr at DEBUG
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in (*DOMAIN_WORDS, *words):
            self._jieba.add_word(word)

    def __call__(self, text: str) -> list[str]:
        tokens = (t.strip().lower() for t in self._jieba.cut_for_search(text.replace("“", "").replace("”", "")))
        return [t for t in tokens if t and _TOKEN.search(t) and t not in STOPWORDS]


_shared: dict[tuple[str, ...], Tokenizer] = {}
_shared_lock = threading.Lock()


def shared_tokenizer(words: tuple[str, ...] = ()) -> Tokenizer:
    """One tokenizer per process and word list (loading jieba's dictionary takes about a second); read-only
    once made."""
    with _shared_lock:
        if words not in _shared:
            _shared.clear()  # a new version's words replace the old ones
            _shared[words] = Tokenizer(words)
        return _shared[words]


def catalog_words(con: Any) -> tuple[str, ...]:
    """The loaded documents' names worth one token each (科目, 项目 and department names), sorted."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"cells", "documents"} <= tables:
        return ()
    return tuple(name for (name,) in con.execute(CATALOG_WORDS_SQL).fetchall() if _CATALOG_WORD.match(name))


def bm25_text(passage: Passage) -> str:
    """What BM25 sees: the passage, its section heading and its department (dense sees the passage only)."""
    heading = passage.section_path[-1] if passage.section_path else ""
    return BM25_TEXT.format(department=passage.doc_id.split("-", 3)[-1], heading=heading, text=passage.text)


def token_ids(tokens: list[str], vocab: dict[str, int]) -> list[int]:
    """Ids of ``tokens``, new tokens added to ``vocab`` with the next free id."""
    return [vocab.setdefault(token, len(vocab)) for token in tokens]


def build_bm25(tokens: np.ndarray, offsets: np.ndarray, vocab: dict[str, int]) -> Any:
    """The bm25s index of rows of token ids (row i: ``tokens[offsets[i]:offsets[i + 1]]``); None for no rows.

    The score matrix is bm25s's own ("lucene" BM25, k1 1.5, b 0.75, one column per token id) computed
    with numpy over all rows at once: ``bm25s.BM25.index`` loops over rows in Python and takes seconds at
    50,000 rows (tests/test_retrieval.py checks that both agree). bm25s saves, loads and queries it.
    """
    if len(offsets) <= 1:
        return None
    vocab.setdefault("", len(vocab))  # bm25s's empty token, kept at a fixed id
    bm25 = _bm25s().BM25()
    n_rows, n_vocab = len(offsets) - 1, len(vocab)
    lengths = np.diff(offsets)
    pairs = tokens.astype(np.int64) * n_rows + np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    pairs, tf = np.unique(pairs, return_counts=True)  # column-major, as bm25s stores it: by token, then row
    ids, rows = pairs // n_rows, pairs % n_rows
    df = np.bincount(ids, minlength=n_vocab)
    idf = np.log(1 + (n_rows - df + 0.5) / (df + 0.5))
    norm = bm25.k1 * ((1 - bm25.b) + bm25.b * lengths[rows] / max(float(lengths.mean()), 1e-9))
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    bm25.scores = {"data": (idf[ids] * tf / (norm + tf)).astype(np.float32),
                   "indices": rows.astype(np.int32), "indptr": indptr, "num_docs": n_rows}
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(vocab.values())
    bm25.nonoccurrence_array = None
    return bm25


def load_bm25(path: Path | None) -> Any:
    """A version's bm25s index, memory-mapped (checked by ``open_version``); None for no rows.

    bm25s (and scipy) are imported here, in the thread that opens the index, not at start-up.
    """
    return _bm25s().BM25.load(str(path), mmap=True) if path is not None else None


def _bm25s() -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
    return bm25s
