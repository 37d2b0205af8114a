"""Reading postings for scoring (search/scoring.py) in a segment with deleted documents.

Postings are read from the segment's own matcher, deleted documents included, and the deleted
ones are masked out after (as engine.py does with the live-document mask): the scores of the
documents left must still be Whoosh's own, in blocked and inlined postings alike.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import fields, index
from whoosh import query as wq

from marketplace.search.scoring import TermScorer

WORDS = ["road", "traffic", "school", "crime", "river", "flood", "rare"]
QUERIES = [
    wq.Term("title", "road"),
    wq.Or([wq.Term("title", "school"), wq.Term("description", "flood")]),
    wq.And([wq.Term("description", "road"), wq.Term("description", "crime")]),
    wq.Term("description", "rare"),  # a few documents: postings inlined in the term's entry
]


@pytest.fixture
def searcher(tmp_path):
    key = fields.ID(stored=True, unique=True)
    schema = fields.Schema(key=key, title=fields.TEXT, description=fields.TEXT)
    ix = index.create_in(str(tmp_path), schema)
    rng = random.Random(3)
    writer = ix.writer()
    for i in range(600):  # common words then hold several blocks of postings
        common = [w for w in WORDS if w != "rare"]
        writer.add_document(
            key=str(i),
            title=" ".join(rng.choices(common, k=3)),
            description=" ".join(rng.choices(common, k=20)) + (" rare" if i in (5, 7) else ""),
        )
    writer.commit()
    writer = ix.writer()
    for i in range(0, 600, 3):
        writer.delete_by_term("key", str(i))
    writer.delete_by_term("key", "5")
    writer.commit(merge=False)  # the deletions stay marked in the one segment
    with ix.searcher() as opened:
        yield opened


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_the_documents_left_in_a_segment_with_deletions_score_as_whoosh_scores_them(searcher, query):
    assert searcher.reader().has_deletions()
    live = np.zeros(searcher.doc_count_all(), dtype=bool)
    live[list(searcher.reader().all_doc_ids())] = True
    mask, scores = TermScorer(searcher).evaluate(query)
    expected = {docnum: score for score, docnum in searcher.search(query, limit=None, terms=False).top_n}
    assert expected
    assert set(np.flatnonzero(mask & live).tolist()) == set(expected)
    for docnum, score in expected.items():
        assert scores[docnum] == pytest.approx(score, rel=1e-9), docnum
