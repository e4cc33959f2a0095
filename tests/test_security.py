"""Security as the spec says, per operation (golden ``security``): each scheme's credential where the
scheme sends it, alternatives and combinations, operations without security callable without
credentials, and OAuth2 client credentials fetched, kept and renewed."""

from __future__ import annotations

import asyncio
import base64
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

CLIENT = Path(__file__).parent / "golden" / "security" / "expected" / "client"


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(CLIENT))
    for name in [name for name in sys.modules if name.startswith("posthog_experiments")]:
        monkeypatch.delitem(sys.modules, name)
    for variable in ("SECURITY_SCHEMES_API_KEY", "SECURITY_SCHEMES_BASIC", "SECURITY_SCHEMES_QUERY_KEY"):
        monkeypatch.delenv(variable, raising=False)
    return importlib.import_module("posthog_experiments")


class Api:
    """Records each request; answers the token endpoint with numbered tokens, and 401 on demand."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.tokens = 0
        self.refuse: set[str] = set()  # tokens the API answers 401 to

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth/token":
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"t{self.tokens}", "expires_in": 3600})
        if request.headers.get("authorization", "").removeprefix("Bearer ") in self.refuse:
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(204)

    def client(self, package: ModuleType, **options: Any) -> Any:
        return package.Client(http_client=httpx.Client(transport=httpx.MockTransport(self)), max_retries=0, **options)


def _sent(api: Api, call: Callable[[], object]) -> httpx.Request:
    before = len(api.requests)
    call()
    (request,) = api.requests[before:]
    return request


def test_operations_without_security_need_no_credentials(package: ModuleType) -> None:
    api = Api()
    request = _sent(api, lambda: api.client(package).default.public(session="abc 1"))
    assert "authorization" not in request.headers
    assert request.headers["cookie"] == "session=abc%201"  # a cookie parameter is sent, encoded


def test_a_call_without_its_credentials_is_refused_before_sending(package: ModuleType) -> None:
    api = Api()
    client = api.client(package)
    with pytest.raises(package.MissingCredentialsError, match=r"bearer \(HTTP bearer\): pass api_key= \(or set"):
        client.default.uses_the_default()
    with pytest.raises(package.MissingCredentialsError, match=r"header_key \(header X-API-Key\) or query_key"):
        client.default.either()
    assert api.requests == []


def test_api_key_serves_every_token_scheme_where_it_sends_it(package: ModuleType) -> None:
    api = Api()
    client = api.client(package, api_key="k")
    assert _sent(api, client.default.uses_the_default).headers["authorization"] == "Bearer k"
    assert _sent(api, client.default.oidc).headers["authorization"] == "Bearer k"
    either = _sent(api, client.default.either)  # the first alternative that is met
    assert (either.headers["x-api-key"], either.url.params.get("api_key")) == ("k", None)
    both = _sent(api, client.default.both)
    assert (both.headers["x-api-key"], both.headers["cookie"]) == ("k", "sid=k")
    assert _sent(api, client.default.optional).headers["x-api-key"] == "k"


def test_an_optional_requirement_sends_nothing_without_credentials(package: ModuleType) -> None:
    api = Api()
    request = _sent(api, api.client(package).default.optional)
    assert "x-api-key" not in request.headers


def test_credentials_per_scheme_and_from_the_variable_named_after_it(
    package: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api()
    request = _sent(api, api.client(package, credentials={"query_key": "q"}).default.either)
    assert ("x-api-key" in request.headers, request.url.params["api_key"]) == (False, "q")
    basic = _sent(api, api.client(package, credentials={"basic": ("ann", "s3cr:t")}).default.basic)
    assert basic.headers["authorization"] == "Basic " + base64.b64encode(b"ann:s3cr:t").decode()
    monkeypatch.setenv("SECURITY_SCHEMES_BASIC", "bob:pw")
    from_environment = _sent(api, api.client(package).default.basic)
    assert from_environment.headers["authorization"] == "Basic " + base64.b64encode(b"bob:pw").decode()


def test_oauth2_client_credentials_are_exchanged_kept_and_renewed_on_401(package: ModuleType) -> None:
    api = Api()
    client = api.client(package, credentials={"oauth": package.ClientCredentials("app", "s&cret", ("read",))})
    client.default.oauth()
    token_request, first = api.requests
    assert (str(token_request.url), token_request.method) == ("https://api.example.com/oauth/token", "POST")
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"], "scope": ["read"]}
    assert token_request.headers["authorization"] == "Basic " + base64.b64encode(b"app:s%26cret").decode()
    assert first.headers["authorization"] == "Bearer t1"
    client.default.oauth()  # the token is kept
    assert [request.url.path for request in api.requests] == ["/oauth/token", "/v1/oauth", "/v1/oauth"]
    api.refuse.add("t1")  # revoked: fetched again, and the call made once more
    client.default.oauth()
    assert [request.url.path for request in api.requests[3:]] == ["/v1/oauth", "/oauth/token", "/v1/oauth"]
    assert api.requests[-1].headers["authorization"] == "Bearer t2"
    assert api.tokens == 2


def test_the_async_client_fetches_tokens_too(package: ModuleType) -> None:
    api = Api()

    async def call() -> None:
        transport = httpx.MockTransport(api)
        credentials = {"oauth": package.ClientCredentials("app", "secret")}
        async with package.AsyncClient(
            credentials=credentials, http_client=httpx.AsyncClient(transport=transport)
        ) as client:
            await client.default.oauth()
            await client.default.oauth()

    asyncio.run(call())
    assert [request.url.path for request in api.requests] == ["/oauth/token", "/v1/oauth", "/v1/oauth"]
    assert api.requests[2].headers["authorization"] == "Bearer t1"


SERVER = Path(__file__).parent / "golden" / "security" / "expected" / "server"


def test_the_server_reads_each_credential_where_the_client_sends_it(
    package: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client and server of one spec agree: the client's request, through the generated app, gives
    the authenticator the alternative it met and the credentials it carried."""
    monkeypatch.syspath_prepend(str(SERVER))
    server = importlib.import_module("posthog_experiments_server.app")
    security = importlib.import_module("posthog_experiments_server.security")
    responses = importlib.import_module("posthog_experiments_server.responses")
    seen: list[object] = []

    async def authenticator(request: Any, alternatives: Any) -> str:
        seen.append(security.first_presented(request, alternatives))
        return "caller"

    class Implementation:
        def __getattr__(self, name: str) -> Any:
            async def answer(request: Any, identity: str) -> Any:
                return getattr(responses, "".join(part.title() for part in name.split("_")) + "204")()

            return answer

    app = server.create_app(default=Implementation(), authenticator=authenticator)
    transport = httpx.ASGITransport(app=app)

    async def calls() -> None:
        def client(**options: Any) -> Any:
            http = httpx.AsyncClient(transport=transport)
            return package.AsyncClient(http_client=http, base_url="http://server", **options)

        await client(api_key="k").default.both()
        await client(credentials={"query_key": "q"}).default.either()
        await client(credentials={"basic": ("ann", "s3cr:t")}).default.basic()
        await client(api_key="k").default.oidc()
        await client().default.optional()

    asyncio.run(calls())
    assert seen == [
        ((("cookie_key", ()), ("header_key", ())), {"cookie_key": "k", "header_key": "k"}),
        ((("query_key", ()),), {"query_key": "q"}),
        ((("basic", ()),), {"basic": ("ann", "s3cr:t")}),
        ((("oidc", ()),), {"oidc": "k"}),
        ((), {}),
    ]
