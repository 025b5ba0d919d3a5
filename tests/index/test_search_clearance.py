"""涉密 clearance in search: a record above the user's clearance is in no hit and no total, for
every kind of query, both evaluators, any page and either sort; and an issuer only such records
name is not offered back as what the query meant."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from core.settings import Settings
from core.vocab import visible_to
from index import engine, search
from index.search import UNRESTRICTED, clearance_mask

from .conftest import BACKENDS, backend_settings, put_records

# 密级 as the register may hold them, with who may see each (hard-coded, checked against visible_to).
SECRECIES = [None, "无", "NONE", "秘密", "机密", " 机密", "绝密", "内部", "ＮＯＮＥ"]
SEES = {
    None: {None, "无", "NONE"},
    "秘密": {None, "无", "NONE", "秘密"},
    "机密": {None, "无", "NONE", "秘密", "机密", " 机密"},
    "绝密": set(SECRECIES),
    "内部": {None, "无", "NONE"},
}
TODAY = date(2026, 4, 1)
HIDDEN_ISSUER = "国家保密局机要处"  # only on the 绝密 record
EVALUATORS = ("numpy", "whoosh")


def _record(n: int, secrecy: str | None) -> dict:
    return {
        "reg_no": f"收〔2026〕{n}号", "direction": "收文", "registered_at": datetime(2026, 3, n, 9),
        "doc_type": "通知", "doc_number": f"东大发〔2026〕{n}号",
        "issuer": HIDDEN_ISSUER if secrecy == "绝密" else "东湖大学教务处",
        "title": f"关于开展年度检查工作的通知（第{n}批）", "date": date(2026, 3, n), "secrecy": secrecy,
        "route": "阅件" if n == 1 else "办件", "text": f"请各单位做好校园安全巡查。第{n}批。", "version": 1,
    }


RECORDS = [_record(n, secrecy) for n, secrecy in enumerate(SECRECIES, start=1)]
SECRECY_OF = {r["reg_no"]: r["secrecy"] for r in RECORDS}


@pytest.fixture(scope="module", params=BACKENDS)
def clearance_settings(request, tmp_path_factory) -> Settings:
    settings = backend_settings(request, tmp_path_factory.mktemp("clearance") / "data", request.param)
    put_records(settings, RECORDS)
    return settings


def _seen(clearance, kept=lambda record: True) -> set[str]:
    sees = set(SECRECIES) if clearance is UNRESTRICTED else SEES[clearance]
    return {r["reg_no"] for r in RECORDS if r["secrecy"] in sees and kept(r)}


def _not_secret(record: dict) -> bool:
    return record["secrecy"] in (None, "无", "NONE")


# query -> which of the records it finds when nothing is hidden
QUERIES = {
    '"年度检查"': lambda r: True,                              # a phrase (in the title)
    "年度 检查 工作": lambda r: True,                         # words
    "文种:通知": lambda r: True,                               # filters only: sorted by date
    "涉密": lambda r: not _not_secret(r),                       # the secret field
    '"校园安全巡查"': _not_secret,                               # body text: 涉密 bodies are not indexed
    "年度检查 -阅办:阅件": lambda r: r["route"] != "阅件",        # an exclusion joins the clearance's mask
    "发文机关:教务处": lambda r: r["issuer"] != HIDDEN_ISSUER,
    "东大发〔2026〕7号": lambda r: r["reg_no"] == "收〔2026〕7号",  # a number finds its record only if visible
}


def test_the_table_is_visible_to():
    for clearance, seen in SEES.items():
        assert {s for s in SECRECIES if visible_to(s, clearance)} == seen, clearance


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("clearance", [*SEES, UNRESTRICTED], ids=[*map(str, SEES), "unrestricted"])
def test_hits_and_totals_leave_out_what_the_clearance_does_not_reach(clearance_settings, clearance, evaluator):
    fallbacks = engine.FALLBACKS
    for query, finds in QUERIES.items():
        expected = _seen(clearance, finds)
        for sort in ("relevance", "date"):
            result = search(clearance_settings, query, limit=100, sort=sort, today=TODAY, evaluator=evaluator,
                            clearance=clearance)
            assert result.total == len(expected), (query, sort)
            assert {hit.reg_no for hit in result.hits} == expected, (query, sort)
            if sort == "date" or query == "文种:通知":
                dates = [hit.date for hit in result.hits]
                assert dates == sorted(dates, reverse=True), query
            # page by page: the same records, the same total on every page
            paged = []
            for page in range(1, len(RECORDS) + 1):
                part = search(clearance_settings, query, limit=2, page=page, sort=sort, today=TODAY,
                              evaluator=evaluator, clearance=clearance)
                assert part.total == len(expected)
                paged.extend(hit.reg_no for hit in part.hits)
            assert paged == [hit.reg_no for hit in result.hits], (query, sort)
    assert engine.FALLBACKS == fallbacks


def test_the_default_is_no_restriction(clearance_settings):
    for evaluator in EVALUATORS:
        result = search(clearance_settings, '"年度检查"', limit=100, today=TODAY, evaluator=evaluator)
        assert result.total == len(RECORDS)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_an_issuer_only_hidden_records_name_is_not_offered(clearance_settings, evaluator):
    def understood(clearance):
        result = search(clearance_settings, "发文机关:机要处", today=TODAY, evaluator=evaluator, clearance=clearance)
        return result, json.dumps(result.to_json(), ensure_ascii=False)

    for clearance in (None, "秘密", "机密"):
        result, shown = understood(clearance)
        assert result.total == 0 and HIDDEN_ISSUER not in shown
        assert result.understood_as["issuer"] == "机要处"  # what was typed, matched as text
        # the full name typed as words is text, as for an issuer no record names
        words = search(clearance_settings, f"{HIDDEN_ISSUER}的通知", today=TODAY, evaluator=evaluator,
                       clearance=clearance)
        assert "issuer" not in words.understood_as and words.total == 0
    for clearance in ("绝密", UNRESTRICTED):
        result, _ = understood(clearance)
        assert result.understood_as["issuer"] == HIDDEN_ISSUER and result.total == 1
        words = search(clearance_settings, f"{HIDDEN_ISSUER}的通知", today=TODAY, evaluator=evaluator,
                       clearance=clearance)
        assert words.understood_as["issuer"] == HIDDEN_ISSUER and words.total == 1
    # an issuer visible records also name stays known
    assert search(clearance_settings, "发文机关:教务处", today=TODAY, clearance=None).understood_as["issuer"] == \
        "东湖大学教务处"


def test_the_mask_is_written_on_the_registered_secret_mark():
    assert clearance_mask(UNRESTRICTED) is None and clearance_mask("绝密") is None
    assert repr(clearance_mask(None)) == repr(clearance_mask("内部"))


def test_the_pipeline_passes_the_clearance_through(clearance_settings):
    from pipeline.searching import search as pipeline_search
    assert pipeline_search(clearance_settings, '"年度检查"', limit=100, today=TODAY, clearance=None).total == \
        len(_seen(None))
    assert pipeline_search(clearance_settings, '"年度检查"', limit=100, today=TODAY).total == len(RECORDS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_record_whose_secrecy_is_corrected_is_shown_or_hidden_at_once(request, tmp_path, backend):
    settings = backend_settings(request, tmp_path / "data", backend)
    put_records(settings, RECORDS)
    top_secret = next(r for r in RECORDS if r["secrecy"] == "绝密")

    def found(clearance):
        result = search(settings, "发文机关:机要处", today=TODAY, clearance=clearance)
        return result.total, result.understood_as["issuer"]

    assert found(None) == (0, "机要处")
    put_records(settings, [{**top_secret, "secrecy": None, "version": 2}])  # corrected: not 涉密
    assert found(None) == (1, HIDDEN_ISSUER)
    put_records(settings, [{**top_secret, "secrecy": "机密", "version": 3}])
    assert found("秘密") == (0, "机要处") and found("机密") == (1, HIDDEN_ISSUER)
    for evaluator in EVALUATORS:
        assert search(settings, '"年度检查"', limit=100, today=TODAY, evaluator=evaluator, clearance="秘密").total \
            == len(_seen("秘密"))
