"""Chinese full-text search of the archive: derived from the registry, rebuildable at any time.

Public API::

    from index import IndexDoc, search, index_documents, delete_documents, reindex, check, fix

Where things are:

==================  ===========================================================================
``analysis.py``     normalisation (NFKC, OCR spaces), rjieba words with token positions, bigrams
``numbers.py``      one spelling for 发文字号/收文号/档号 whatever brackets were typed
``schema.py``       the whoosh fields, and the fast indexing path of the Chinese text fields
``fastwrite.py``    a segment writer in whoosh's own codec that builds postings with numpy
``documents.py``    ``IndexDoc``: what the index takes from a registry record
``writer.py``       where the index lives (generations + ``CURRENT``), writing, deleting, locking
``understand.py``   clerk wording → filters: 教务处的函, 去年12月的请示, 今天登记的, 31号文, 超期未办
``syntax.py``       the query syntax: quotes, ``字段:值``, minus, date values
``query.py``        the plan: whoosh queries for text, filters and exclusions; ``understood_as``
``engine.py``       evaluates the plan with numpy (whoosh's own search is the fallback/reference)
``snippets.py``     HTML-escaped ``<mark>`` snippets from the stored text
``search.py``       ``search()``: cached searchers, paging, hits
``maintenance.py``  ``reindex`` (resumable, atomic switch), ``check``, ``fix``
==================  ===========================================================================
"""

from index.documents import IndexDoc
from index.errors import IndexBusy, IndexUnavailable, QueryError
from index.maintenance import Drift, ReindexReport, check, fix, reindex
from index.search import Hit, SearchResult, search
from index.writer import create_or_open, delete_documents, index_documents, open_index

__all__ = ["IndexDoc", "QueryError", "IndexBusy", "IndexUnavailable", "Hit", "SearchResult", "search",
           "create_or_open", "open_index", "index_documents", "delete_documents",
           "Drift", "ReindexReport", "check", "fix", "reindex"]
