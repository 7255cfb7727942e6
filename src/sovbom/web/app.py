"""The dashboard as an ASGI application (Starlette): HTML pages and JSON endpoints, read-only.

Every page is a Jinja2 template (``sovbom/templates/web``) in the frame the HTML reports use, with
autoescaping; the Content-Security-Policy (sent as a header and in the page) allows only the
page's own inline style and script by hash, forms submitted to this server, and nothing loaded
from elsewhere. Only GET (and HEAD) is served. Lists are paged (``offset``, ``limit``) and
filtered in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from sovbom.errors import InputError
from sovbom.report.html.page import SCRIPT_SRC, STYLE_SRC, environment, frame_context
from sovbom.web.queries import PAGE_SIZE, NotFound

if TYPE_CHECKING:
    from sovbom.web.views import Dashboard

#: The dashboard's policy: the page's own style and script, GET forms to itself, nothing else
#: (in the page; the header adds what only a header can say: no framing).
WEB_CSP = (
    f"default-src 'none'; img-src data:; style-src {STYLE_SRC}; script-src {SCRIPT_SRC}; "
    "base-uri 'none'; form-action 'self'"
)
_HEADERS = {
    "Content-Security-Policy": WEB_CSP + "; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class BadRequest(Exception):
    """A query parameter that does not parse (400)."""


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as e:
        raise BadRequest(f"{name} must be a whole number, not {value!r}") from e


def _date(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), not {value!r}") from e


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _paging(request: Request) -> dict[str, int]:
    return {"offset": _int(request, "offset", 0), "limit": _int(request, "limit", PAGE_SIZE)}


def pager(path: str, params: Mapping[str, Any], page: Mapping[str, Any]) -> dict[str, Any]:
    """Links to the previous and next page of a list (None where there is none)."""
    offset, limit = int(page["offset"]), int(page["limit"])
    keep = {k: v for k, v in params.items() if v not in (None, "") and k != "offset"}
    if limit != PAGE_SIZE:
        keep["limit"] = limit

    def href(at: int) -> str:
        return f"{path}?{urlencode({**keep, 'offset': at})}"

    shown = len(page["items"])
    return {
        "first": offset + 1 if shown else 0,
        "last": offset + shown,
        "total": page.get("total"),
        "prev": href(max(offset - limit, 0)) if offset > 0 else None,
        "next": href(offset + limit) if page["more"] else None,
    }


def _html(template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    frame = frame_context(WEB_CSP)
    text = environment().get_template(f"web/{template}").render(**frame, **context)
    return HTMLResponse(text, status_code=http_status, headers=_HEADERS)


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=_HEADERS)


Handler = Callable[[Request], Response]


def _guard(json: bool, handler: Handler) -> Handler:
    """Map bad parameters to 400 and unknown servers or rechecks to 404."""

    def endpoint(request: Request) -> Response:
        try:
            return handler(request)
        except BadRequest as e:
            status, message = 400, str(e)
        except NotFound as e:
            status, message = 404, e.message
        except InputError as e:
            status, message = 400, e.message
        if json:
            return _json({"error": message}, status)
        return _html("error.html.j2", status, title=f"sovbom: {status}", heading=status,
                     message=message)  # fmt: skip

    return endpoint


def _dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


# -- overview ------------------------------------------------------------------------------
def _overview_data(request: Request) -> dict[str, Any]:
    return _dashboard(request).overview(_date(request, "as_of"), _date(request, "since"))


def overview_page(request: Request) -> Response:
    data = _overview_data(request)
    charts = _dashboard(request).overview_charts(_date(request, "as_of"), _date(request, "since"))
    return _html("overview.html.j2", title="sovbom fleet", o=data, charts=charts, nav="overview")


def overview_json(request: Request) -> Response:
    return _json(_overview_data(request))


# -- servers -------------------------------------------------------------------------------
def _servers_params(request: Request) -> dict[str, Any]:
    return {"site": _text(request, "site"), "text": _text(request, "q"),
            "verdict": _text(request, "verdict")}  # fmt: skip


def servers_page(request: Request) -> Response:
    from sovbom.web.queries import sites

    d = _dashboard(request)
    params = _servers_params(request)
    page = d.servers(**params, **_paging(request)).to_dict()
    links = pager("/servers", {"site": params["site"], "q": params["text"],
                               "verdict": params["verdict"]}, page)  # fmt: skip
    return _html("servers.html.j2", title="sovbom fleet: servers", page=page, params=params,
                 sites=sites(d.store), nav="servers", pager=links)  # fmt: skip


def servers_json(request: Request) -> Response:
    page = _dashboard(request).servers(**_servers_params(request), **_paging(request))
    return _json(page.to_dict())


def server_page(request: Request) -> Response:
    d = _dashboard(request)
    key = request.path_params["key"]
    data = d.server(key, **_paging(request))
    checked = d.check(key, data["check"]["bom_sha256"])
    f = data["check"]["findings"]
    rows = checked.view.rows[f["offset"] : f["offset"] + f["limit"]]
    return _html("server.html.j2", title=f"sovbom fleet: {data['name'] or key}", s=data,
                 graph=Markup(checked.view.graph_svg),  # noqa: S704 - rendered by its template
                 findings=rows, sig=checked.signature,
                 pager=pager(f"/servers/{key}", {}, f), nav="servers")  # fmt: skip


def server_json(request: Request) -> Response:
    return _json(_dashboard(request).server(request.path_params["key"], **_paging(request)))


# -- search --------------------------------------------------------------------------------
def _search_data(request: Request) -> dict[str, Any] | None:
    query = _text(request, "q")
    if query is None:
        return None
    return _dashboard(request).search(query, as_of=_date(request, "as_of"), **_paging(request))


def search_page(request: Request) -> Response:
    query = _text(request, "q")
    error = None
    try:
        data = _search_data(request)
    except InputError as e:
        data, error = None, e.message
    as_of = request.query_params.get("as_of", "")
    links = pager("/search", {"q": query, "as_of": as_of}, data) if data else None
    return _html("search.html.j2", 200 if error is None else 400,
                 title="sovbom fleet: where used", query=query or "", as_of=as_of, r=data,
                 error=error, nav="search", pager=links)  # fmt: skip


def search_json(request: Request) -> Response:
    data = _search_data(request)
    if data is None:
        raise BadRequest("q (a query) is required")
    return _json(data)


# -- rechecks ------------------------------------------------------------------------------
def _recheck_id(request: Request) -> int | None:
    value = request.path_params.get("rid")
    return None if value is None else int(value)


def _recheck_data(request: Request) -> dict[str, Any]:
    d = _dashboard(request)
    changed = request.query_params.get("all") not in ("1", "true", "yes")
    page = d.recheck(_recheck_id(request), changed_only=changed, **_paging(request))
    out = page.to_dict()
    out["history"] = d.rechecks(limit=20).to_dict()
    return out


def recheck_page(request: Request) -> Response:
    try:
        data = _recheck_data(request)
    except NotFound as e:
        if _recheck_id(request) is not None:
            raise
        return _html("error.html.j2", title="sovbom fleet: recheck", heading="No recheck",
                     message=e.message, nav="rechecks")  # fmt: skip
    path = f"/rechecks/{data['recheck']['id']}"
    params = {} if data["changed_only"] else {"all": "1"}
    return _html("recheck.html.j2", title="sovbom fleet: recheck", r=data, path=path,
                 nav="rechecks", pager=pager(path, params, data["servers"]))  # fmt: skip


def recheck_json(request: Request) -> Response:
    return _json(_recheck_data(request))


def rechecks_json(request: Request) -> Response:
    return _json(_dashboard(request).rechecks(**_paging(request)).to_dict())


def api_index(request: Request) -> Response:
    paths = [str(r.path) for r in request.app.routes if str(r.path).startswith("/api/")]
    return _json({"endpoints": paths})


#: (path, endpoint, JSON answers errors) for every page and endpoint.
ROUTES: list[tuple[str, Handler, bool]] = [
    ("/", overview_page, False),
    ("/servers", servers_page, False),
    ("/servers/{key:path}", server_page, False),
    ("/search", search_page, False),
    ("/rechecks", recheck_page, False),
    ("/rechecks/{rid:int}", recheck_page, False),
    ("/api", api_index, True),
    ("/api/overview", overview_json, True),
    ("/api/servers", servers_json, True),
    ("/api/servers/{key:path}", server_json, True),
    ("/api/search", search_json, True),
    ("/api/rechecks", rechecks_json, True),
    ("/api/rechecks/latest", recheck_json, True),
    ("/api/rechecks/{rid:int}", recheck_json, True),
]


def create_app(dashboard: Dashboard) -> Starlette:
    """The dashboard application over an open store and policy."""

    def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api"):
            return _json({"error": "not found"}, 404)
        return _html("error.html.j2", 404, title="sovbom: 404", heading=404,
                     message="No such page.")  # fmt: skip

    app = Starlette(routes=[Route(path, _guard(json, handler)) for path, handler, json in ROUTES],
                    exception_handlers={404: not_found})  # fmt: skip
    app.state.dashboard = dashboard
    return app


__all__ = ["ROUTES", "WEB_CSP", "create_app", "pager"]
