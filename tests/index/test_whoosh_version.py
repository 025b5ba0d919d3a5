"""The whoosh the fast paths were written against (issue 18).

``index/fastwrite.py`` and ``index/engine.py`` (and a few lines of ``index/writer.py``) use
whoosh-reloaded's private names and its W3 codec's on-disk block layout; pyproject.toml pins
``>=2.7.5,<2.8``. Two checks keep that honest:

* the installed whoosh-reloaded is the newest 2.7.x the package index offers, so CI runs the
  differential tests (``test_whoosh_internals.py``, ``test_fastwrite.py``, ``test_engine.py``)
  against the release an office would install today. Skipped, saying why, when ``pip index
  versions`` cannot reach the index; it never waits more than ``PIP_TIMEOUT`` seconds.
* every private name the code uses still exists with the signature it is called with, and the
  codec's constants are the ones the code depends on: an upgrade that moves one fails here,
  naming it, before it fails obscurely in a search.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from importlib.metadata import version

import pytest

PACKAGE = "whoosh-reloaded"
SERIES = (2, 7)
PIP_TIMEOUT = 60  # seconds for the whole `pip index versions` call


def _release(text: str) -> tuple[int, ...] | None:
    """(2, 7, 5) for "2.7.5"; None for a pre-release or anything else."""
    return tuple(map(int, text.split("."))) if re.fullmatch(r"\d+(\.\d+)*", text) else None


def _offered_versions() -> list[str]:
    """The versions the configured package index offers; skips the test when it cannot be asked."""
    command = [sys.executable, "-m", "pip", "index", "versions", PACKAGE, "--disable-pip-version-check",
               "--retries", "0", "--timeout", "15"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"`pip index versions {PACKAGE}` did not answer within {PIP_TIMEOUT} s")
    except OSError as exc:
        pytest.skip(f"cannot run pip: {exc}")
    found = re.search(r"^Available versions:\s*(.+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        reason = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"the package index could not be asked for {PACKAGE}'s versions: {reason}")
    return [v.strip() for v in found.group(1).split(",") if v.strip()]


def test_installed_whoosh_is_the_newest_2_7():
    installed = version(PACKAGE)
    assert _release(installed) is not None and _release(installed)[:2] == SERIES, \
        f"{PACKAGE} {installed} is installed; the fast paths are written for {SERIES[0]}.{SERIES[1]}.x"
    offered = [v for v in _offered_versions() if (_release(v) or ())[:2] == SERIES]
    assert offered, f"the package index offers no {PACKAGE} {SERIES[0]}.{SERIES[1]}.x"
    newest = max(offered, key=_release)
    assert _release(installed) >= _release(newest), (
        f"{PACKAGE} {newest} is out and {installed} is installed: run "
        f"`.venv/bin/python -m pip install -U '{PACKAGE}<2.8'` and then tests/index, whose differential tests "
        f"check the private whoosh names index/fastwrite.py and index/engine.py use")


# (module, dotted name, the signature the code relies on or None, who uses it)
NAMES = [
    # index/fastwrite.py: the segment writer
    ("whoosh.writing", "SegmentWriter._check_state", "(self)", "FastSegmentWriter.add_document"),
    ("whoosh.writing", "SegmentWriter._doc_boost", "(self, fields, default=1.0)", "FastSegmentWriter.add_document"),
    ("whoosh.writing", "SegmentWriter._field_boost", "(self, fields, fieldname, default=1.0)",
     "FastSegmentWriter.add_document"),
    ("whoosh.writing", "SegmentWriter._check_fields", "(self, schema, fieldnames)", "FastSegmentWriter.add_document"),
    ("whoosh.writing", "SegmentWriter._flush_segment", "(self)", "fastwrite._FastPostings overrides it"),
    ("whoosh.writing", "SegmentWriter.per_document_reader", "(self)", "fastwrite._FastPostings._flush_segment"),
    ("whoosh.writing", "SegmentWriter._segment_and_docnum", "(self, docnum)", "index.writer._Lookup"),
    ("whoosh.writing", "PostingPool.cleanup", "(self)", "fastwrite._FastPostings._use_term_pool"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter.__init__",
     "(self, postfile, blocklimit, byteids=False, compression=3, inlinelimit=1)", "fastwrite._BlockWriter.replacing"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter._write_block", "(self, last=False)",
     "fastwrite._BlockWriter overrides it; write_terms calls it"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter._new_block", "(self)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter._mini_ids", "(self)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter._mini_weights", "(self)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter._mini_values", "(self)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.codec.whoosh3", "W3PostingsWriter.start_postings", "(self, format_, terminfo)",
     "fastwrite.write_terms (through start_term)"),
    ("whoosh.codec.whoosh3", "W3TermInfo.add_block", "(self, block)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.codec.whoosh3", "W3FieldWriter.start_field", "(self, fieldname, fieldobj)", "fastwrite.write_terms"),
    ("whoosh.codec.whoosh3", "W3FieldWriter.start_term", "(self, btext)", "fastwrite.write_terms"),
    ("whoosh.codec.whoosh3", "W3FieldWriter.finish_term", "(self)", "fastwrite.write_terms"),
    ("whoosh.codec.whoosh3", "W3FieldWriter.finish_field", "(self)", "fastwrite.write_terms"),
    ("whoosh.codec.whoosh3", "WHOOSH3_HEADER_MAGIC", None, "fastwrite._BlockWriter._write_block"),
    ("whoosh.util.numeric", "length_to_byte", "(length)", "fastwrite._BlockWriter._write_block"),
    ("whoosh.multiproc", "SegmentWriter", None, "fastwrite._FastSubWriterTask.run replaces it in the child"),
    ("whoosh.multiproc", "SubWriterTask.__init__",
     "(self, storage, indexname, jobqueue, resultqueue, kwargs, multisegment)", "fastwrite.FastMpWriter._new_task"),
    ("whoosh.multiproc", "SubWriterTask.run", "(self)", "fastwrite._FastSubWriterTask.run"),
    ("whoosh.multiproc", "MpWriter._new_task", "(self)", "fastwrite.FastMpWriter overrides it"),
    ("whoosh.multiproc", "MpWriter.__init__", "(self, ix, procs=None, batchsize=100, subargs=None, "
     "multisegment=False, **kwargs)", "index.writer.open_writer"),
    # index/engine.py: reading posting blocks and length columns
    ("whoosh.codec.whoosh3", "W3LeafMatcher._next_block", "(self)", "engine._read_blocks"),
    ("whoosh.codec.whoosh3", "W3LeafMatcher._goto", "(self, position)", "engine._read_blocks (via _next_block)"),
    ("whoosh.codec.whoosh3", "W3TermsReader.matcher", "(self, fieldname, tbytes, format_, scorer=None)",
     "engine.read_postings (leaf._terms.matcher)"),
    ("whoosh.codec.whoosh3", "W3PerDocReader._cached_reader", "(self, fieldname, column)",
     "engine.SegmentView.lengths"),
    ("whoosh.codec.whoosh3", "LENGTHS_COLUMN", None, "engine.SegmentView.lengths"),
    ("whoosh.util.numeric", "byte_to_length", None, "engine._length_table"),  # a C lookup: no signature
    ("whoosh.util.times", "datetime_to_long", "(dt)", "engine.Evaluator._DateRange"),
    ("whoosh.reading", "TermNotFound", None, "engine.read_postings"),
    ("whoosh.reading", "SegmentReader.deleted_docs_set", None, "engine.SegmentView"),
    ("whoosh.reading", "SegmentReader.expand_prefix", "(self, fieldname, prefix)", "engine.Evaluator._Prefix"),
    # index/writer.py
    ("whoosh.index", "_DEF_INDEX_NAME", None, "index.writer.create_empty and open_path"),
    ("whoosh.filedb.filestore", "FileStorage._fpath", "(self, fname)", "index.writer.PrivateStorage"),
    ("whoosh.filedb.filestore", "FileStorage.temp_storage", "(self, name=None)", "index.writer.PrivateStorage"),
    ("whoosh.util", "random_name", "(size=28)", "index.writer.PrivateStorage.temp_storage"),
]


def _lookup(module: str, dotted: str):  # noqa: ANN202
    obj = importlib.import_module(module)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("module", "name", "signature", "user"), NAMES, ids=[f"{m}.{n}" for m, n, _, _ in NAMES])
def test_private_name_is_still_there(module, name, signature, user):
    try:
        obj = _lookup(module, name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{module}.{name} is gone ({exc}); {user} uses it")
    if signature is not None:
        assert str(inspect.signature(obj)) == signature, \
            f"{module}.{name} is now {inspect.signature(obj)}, was {signature}; {user} uses it"


def test_codec_constants_the_code_depends_on():
    """The block layout engine._read_blocks decodes and fastwrite writes: 128 postings a block
    (the differential tests make terms of several blocks), the header tag, a length column of one
    byte per document, and whoosh's length encoding."""
    from whoosh import columns
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec
    from whoosh.util.numeric import byte_to_length, length_to_byte

    defaults = {name: p.default for name, p in inspect.signature(W3Codec.__init__).parameters.items()}
    assert defaults["blocklimit"] == 128, "W3Codec's posting block size changed: see test_whoosh_internals.BLOCK"
    assert defaults["inlinelimit"] == 1, "W3Codec now inlines short posting lists; engine.read_postings reads them"
    assert WHOOSH3_HEADER_MAGIC == b"W3Bl"
    assert isinstance(LENGTHS_COLUMN, columns.NumericColumn) and LENGTHS_COLUMN._typecode == "B", \
        "field lengths are no longer one byte per document: engine.SegmentView.lengths reads them so"
    assert all(byte_to_length(length_to_byte(n)) == n for n in range(10)), "whoosh's field length encoding changed"


def test_instances_have_the_attributes_the_code_sets_and_reads(tmp_path):
    """Attributes made in whoosh's __init__ methods, which no signature shows."""
    from whoosh import fields
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3TermInfo
    from whoosh.filedb.filestore import FileStorage

    schema = fields.Schema(text=fields.TEXT(phrase=True), n=fields.NUMERIC(sortable=True))
    ix = FileStorage(str(tmp_path)).create().create_index(schema)
    writer = ix.writer()
    wanted = {"pool", "perdocwriter", "fieldwriter", "docnum", "codec", "schema", "_added"}
    missing = sorted(name for name in wanted if not hasattr(writer, name))
    assert not missing, f"whoosh's SegmentWriter has no {missing}: index/fastwrite.py uses them"
    assert hasattr(writer.codec, "length_stats"), "codec.length_stats: fastwrite._FastPostings._flush_segment"
    writer.fieldwriter.start_field("text", schema["text"])
    postwriter = writer.fieldwriter._postwriter
    wanted = {"_postfile", "_blocklimit", "_byteids", "_compression", "_inlinelimit", "_blockcount", "_terminfo"}
    missing = sorted(name for name in wanted if not hasattr(postwriter, name))
    assert not missing, f"whoosh's W3PostingsWriter has no {missing}: fastwrite._BlockWriter uses them"
    assert postwriter._blocklimit == 128
    postwriter.start_postings(schema["text"].format, W3TermInfo())
    wanted = {"_ids", "_weights", "_values", "_minlength", "_maxlength", "_maxweight"}
    missing = sorted(name for name in wanted if not hasattr(postwriter, name))
    assert not missing, f"whoosh's posting block buffer has no {missing}: fastwrite._fill_block sets them"
    writer.cancel()

    writer = ix.writer()
    for n in range(300):  # 300 postings of "common": three blocks
        writer.add_document(text="common word" if n % 2 else "common", n=n)
    writer.commit()
    with ix.reader() as leaf:  # one segment: the reader is a SegmentReader
        assert hasattr(leaf, "_terms") and hasattr(leaf, "_perdoc"), "SegmentReader._terms/_perdoc: index/engine.py"
        matcher = leaf._terms.matcher("text", b"common", schema["text"].format)
        assert isinstance(matcher, W3LeafMatcher)
        wanted = {"_postfile", "_maxid", "_dataoffset", "_nextoffset", "_compression", "_blocklength"}
        missing = sorted(name for name in wanted if not hasattr(matcher, name))
        assert not missing, f"whoosh's W3LeafMatcher has no {missing}: engine._read_blocks reads them"
        lengths = leaf._perdoc._cached_reader("_text_len", LENGTHS_COLUMN)
        missing = sorted(name for name in ("_count", "_dbfile", "_basepos") if not hasattr(lengths, name))
        assert not missing, f"whoosh's length column reader has no {missing}: engine.SegmentView.lengths reads them"
        assert lengths._count == 300
