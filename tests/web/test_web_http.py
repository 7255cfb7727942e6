"""The dashboard over HTTP: every page and JSON endpoint, paging, filters, 404s, escaping, headers."""

from __future__ import annotations

import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from conftest import HOSTILE, Fleet, get


class Tags(HTMLParser):
    """Every (tag, attribute) of a page, and every src/href/action value."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, ""))
        for name, value in attrs:
            self.seen.append((tag, name))
            if name in ("src", "href", "action") and value is not None:
                self.urls.append(value)


PAGES = ["/", "/servers", "/servers/W003", "/search?q=part%3DGPU-0", "/rechecks", "/rechecks/1"]
ENDPOINTS = ["/api", "/api/overview", "/api/servers", "/api/servers/W001",
             "/api/search?q=part%3DGPU-0", "/api/rechecks", "/api/rechecks/latest",
             "/api/rechecks/1"]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_with_a_strict_policy(base_url: str, path: str) -> None:
    r = get(base_url + path)
    assert r.status == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    # nothing loaded from elsewhere, no inline event handler, no link off this server
    tags = Tags()
    tags.feed(r.text)
    assert not {"link", "img", "iframe", "object", "embed"} & {t for t, _ in tags.seen}
    assert [a for _, a in tags.seen if a.startswith("on")] == []
    assert [v for v in tags.urls if "//" in v] == []


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_answers_json(base_url: str, path: str) -> None:
    r = get(base_url + path)
    assert r.status == 200, r.text[:500]
    assert r.headers["content-type"] == "application/json"
    assert isinstance(r.json(), dict)


def test_api_index_lists_every_endpoint(base_url: str) -> None:
    listed = set(get(base_url + "/api").json()["endpoints"])
    assert {"/api/overview", "/api/servers", "/api/search", "/api/rechecks"} <= listed


def test_overview_figures_match_the_fleet_summary(base_url: str, fleet: Fleet) -> None:
    from sovbom.fleet.store import open_store
    from sovbom.fleet.summary import fleet_summary
    from sovbom.policy import load_policy

    store = open_store(fleet.db)
    try:
        expected = fleet_summary(store, load_policy(fleet.strict), as_of=None).to_dict()
    finally:
        store.close()
    o = get(base_url + "/api/overview").json()
    assert o["servers"] == expected["servers"] == 26
    assert o["components"] == expected["components"]
    assert o["by_class"] == expected["by_class"] and o["by_site"] == expected["by_site"]
    assert o["denied_components"] == expected["by_country"]["CN"]["total"] > 0
    assert o["failing_servers"] is not None and o["failing_servers"] > 0
    html = get(base_url + "/").text
    assert 'id="chart-class"' in html and 'id="chart-site"' in html
    assert f'<b id="n-servers">{o["servers"]}</b>' in html


def test_overview_trend_between_dates(base_url: str) -> None:
    o = get(base_url + "/api/overview?as_of=2026-04-30&since=2026-01-31").json()
    assert o["since"] == "2026-01-31" and o["as_of"] == "2026-04-30"
    assert o["trend"] is not None and "by_class" in o["trend"]
    early = get(base_url + "/api/overview?as_of=2026-01-31").json()
    assert early["servers"] < o["servers"]
    assert "Trend since 2026-01-31" in get(base_url + "/?as_of=2026-04-30&since=2026-01-31").text


def test_servers_are_paged_without_gaps_or_repeats(base_url: str) -> None:
    first = get(base_url + "/api/servers?limit=10").json()
    assert first["total"] == 26 and len(first["items"]) == 10 and first["more"]
    keys = []
    offset = 0
    while True:
        page = get(base_url + f"/api/servers?limit=10&offset={offset}").json()
        keys += [s["key"] for s in page["items"]]
        if not page["more"]:
            break
        offset += 10
    assert len(keys) == 26 and len(set(keys)) == 26 and keys == sorted(keys)
    last = get(base_url + "/api/servers?limit=10&offset=20").json()
    assert len(last["items"]) == 6 and not last["more"]
    html = get(base_url + "/servers?limit=10&offset=10").text
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "11&ndash;20 of 26" in html


def test_page_size_is_capped(base_url: str) -> None:
    page = get(base_url + "/api/servers?limit=100000").json()
    assert page["limit"] == 500


def test_servers_are_filtered_in_the_query(base_url: str) -> None:
    site = get(base_url + "/api/servers?site=Plant%20A&limit=500").json()
    assert site["total"] == 12 and {s["site"] for s in site["items"]} == {"Plant A"}
    text = get(base_url + "/api/servers?q=w00").json()
    assert text["total"] == 10 and all(s["key"].startswith("W00") for s in text["items"])
    failing = get(base_url + "/api/servers?verdict=fail&limit=500").json()
    assert failing["total"] > 0 and {s["verdict"] for s in failing["items"]} == {"fail"}
    # a LIKE wildcard in the filter is a literal character
    assert get(base_url + "/api/servers?q=%25").json()["total"] == 0


def test_server_page_versions_signatures_findings_graph(base_url: str) -> None:
    s = get(base_url + "/api/servers/W001").json()
    assert [v["number"] for v in s["versions"]] == [2, 1]
    assert s["versions"][0]["produced_at"] > s["versions"][1]["produced_at"]
    assert {v["recheck"] for v in s["verdicts"]} == {1, 2}
    check = s["check"]
    assert check["bom_sha256"] == s["versions"][0]["sha256"]
    assert check["verdict"] in ("pass", "fail")
    html = get(base_url + "/servers/W000").text
    assert 'class="provenance-graph"' in html and 'id="f-findings"' in html
    w000 = get(base_url + "/api/servers/W000").json()
    findings = w000["check"]["findings"]
    assert w000["check"]["verdict"] == "fail" and findings["total"] > 0
    # every finding carries its path from the server root
    assert all(f["path_labels"] and f["path_labels"][0][0] == "Server W000"
               for f in findings["items"] if f.get("ref"))  # fmt: skip


def test_server_findings_are_paged(base_url: str) -> None:
    total = get(base_url + "/api/servers/W000").json()["check"]["findings"]["total"]
    assert total >= 2
    one = get(base_url + "/api/servers/W000?limit=1").json()["check"]["findings"]
    two = get(base_url + "/api/servers/W000?limit=1&offset=1").json()["check"]["findings"]
    assert len(one["items"]) == len(two["items"]) == 1 and one["more"]
    assert one["items"][0] != two["items"][0]


def test_unknown_server_is_404(base_url: str) -> None:
    page = get(base_url + "/servers/NO-SUCH-SERVER")
    assert page.status == 404 and "no server" in page.text
    api = get(base_url + "/api/servers/NO-SUCH-SERVER")
    assert api.status == 404 and "NO-SUCH-SERVER" in api.json()["error"]
    assert get(base_url + "/rechecks/999").status == 404
    assert get(base_url + "/api/rechecks/999").status == 404
    assert get(base_url + "/no/such/page").status == 404
    assert get(base_url + "/api/nothing").json() == {"error": "not found"}


def test_bad_parameters_are_400(base_url: str) -> None:
    assert get(base_url + "/servers?offset=abc").status == 400
    assert get(base_url + "/api/overview?as_of=yesterday").status == 400
    assert get(base_url + "/api/search").status == 400
    bad = get(base_url + "/search?q=" + urllib.parse.quote("country=XX"))
    assert bad.status == 400 and 'id="search-error"' in bad.text


def test_only_get_is_served(base_url: str) -> None:
    request = urllib.request.Request(base_url + "/servers", data=b"x", method="POST")
    try:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    assert status == 405


def test_markup_in_a_component_name_is_shown_escaped(base_url: str) -> None:
    for path in ("/servers/W003", "/search?q=part%3DODD-1"):
        text = get(base_url + path).text
        assert HOSTILE not in text
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    api = get(base_url + "/api/search?q=part%3DODD-1").json()
    assert api["items"][0]["name"] == HOSTILE  # JSON carries the name as it is


def test_search_finds_where_a_part_is_used(base_url: str, fleet: Fleet) -> None:
    from sovbom.fleet.query import where_used
    from sovbom.fleet.store import open_store
    from sovbom.trace import parse_query

    store = open_store(fleet.db)
    try:
        expected = where_used(store, parse_query("part=GPU-0")).servers
    finally:
        store.close()
    r = get(base_url + "/api/search?q=part%3DGPU-0").json()
    assert sorted({m["server"] for m in r["items"]}) == expected and expected
    assert all(m["path"][-1]["ref"] == "hw:gpu" for m in r["items"])
    html = get(base_url + "/search?q=part%3DGPU-0").text
    for key in expected:
        assert f'href="/servers/{key}"' in html
    # the sample fleet's BMC chip, by the README's query
    sample = get(base_url + "/api/search?q=part%3DAST2600A3-GP").json()
    assert {m["server"] for m in sample["items"]} >= {"SAMPLE-SRV-HGX-0001"}


def test_search_is_paged(base_url: str) -> None:
    every = get(base_url + "/api/search?q=part%3DNIC-1&limit=500").json()["items"]
    assert len(every) == 23  # every generated server but W001, whose newest BOM has no NIC
    first = get(base_url + "/api/search?q=part%3DNIC-1&limit=10").json()
    second = get(base_url + "/api/search?q=part%3DNIC-1&limit=10&offset=10").json()
    assert first["more"] and len(first["items"]) == len(second["items"]) == 10
    assert first["items"] + second["items"] == every[:20]
    assert first["total"] == second["total"] == 23 and first["servers_matched"] == 23
    assert "23 match(es) for" in get(base_url + "/search?q=part%3DNIC-1&limit=10").text


def test_recheck_page_lists_the_servers_a_policy_change_flipped(base_url: str) -> None:
    r = get(base_url + "/api/rechecks/latest").json()
    assert r["recheck"]["id"] == 2 and r["previous_recheck"] == 1
    flipped = {s["server"] for s in r["servers"]["items"]}
    # the generated servers with a Chinese GPU fail once China is denied
    assert {f"W{i:03d}" for i in range(0, 24, 4)} <= flipped
    assert all(s["previous"] == "pass" and s["verdict"] == "fail" for s in r["servers"]["items"])
    every = get(base_url + "/api/rechecks/latest?all=1&limit=500").json()
    assert every["servers"]["total"] == 26
    first = get(base_url + "/api/rechecks/1").json()
    assert first["previous_recheck"] is None and first["servers"]["total"] == 0
    listing = get(base_url + "/api/rechecks").json()
    assert [x["id"] for x in listing["items"]] == [2, 1]
    assert listing["items"][0]["changed"] == len(flipped)
    html = get(base_url + "/rechecks").text
    assert all(f'href="/servers/{k}"' in html for k in flipped)


def test_reports_and_pages_share_one_frame(base_url: str) -> None:
    from sovbom.report.html.page import page

    def style(text: str) -> str:
        return text.split("<style>", 1)[1].split("</style>", 1)[0]

    report = page("t <b>", "<p>body</p>")
    dashboard = get(base_url + "/").text
    assert style(report) == style(dashboard) and len(style(report)) > 1000
    assert "<title>t &lt;b&gt;</title>" in report and "<p>body</p>" in report
    # the report forbids forms; the dashboard allows them only to itself
    assert "form-action 'none'" in report and "form-action 'self'" in dashboard


def test_templates_drop_control_characters_as_reports_do() -> None:
    from sovbom.report.html.page import environment, esc

    rendered = environment().from_string("{{ v }}").render(v="a\x07<b>\x1bc")
    assert rendered == esc("a\x07<b>\x1bc") == "a&lt;b&gt;c"


def test_a_broad_search_pages_without_counting_every_match(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sovbom.fleet.paged

    every = get(base_url + "/api/search?q=part%3DNIC-1&limit=500").json()["items"]
    monkeypatch.setattr(sovbom.fleet.paged, "COUNT_CAP", 5)
    first = get(base_url + "/api/search?q=part%3DNIC-1&limit=10").json()
    second = get(base_url + "/api/search?q=part%3DNIC-1&limit=10&offset=10").json()
    assert first["total"] is None and first["more_than"] == 5 and first["more"]
    assert first["items"] + second["items"] == every[:20]
    html = get(base_url + "/search?q=part%3DNIC-1&limit=10").text
    assert "More than 5 match(es) for" in html and 'rel="next"' in html
