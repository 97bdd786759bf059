"""The history micro-cache: the same GET within its lifetime is answered from memory; other
answers (live routes, errors, other queries, after the lifetime) go to the handler."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from skytrace.api.microcache import HistoryCache


def _app(clock: list[float]) -> tuple[FastAPI, dict[str, int]]:
    calls = {"history": 0, "live": 0, "missing": 0}
    app = FastAPI()

    @app.get("/h", tags=["history"])
    def history(q: str = "") -> dict[str, object]:
        calls["history"] += 1
        return {"q": q, "call": calls["history"]}

    @app.get("/missing", tags=["history"])
    def missing() -> None:
        calls["missing"] += 1
        raise HTTPException(404, "no such flight")

    @app.get("/live", tags=["live"])
    def live() -> dict[str, int]:
        calls["live"] += 1
        return {"call": calls["live"]}

    app.add_middleware(HistoryCache, routes=lambda: app.routes, ttl_s=1.0, clock=lambda: clock[0])
    return app, calls


def test_the_same_history_get_is_answered_once_per_lifetime() -> None:
    clock = [100.0]
    app, calls = _app(clock)
    with TestClient(app) as client:
        first = client.get("/h?q=KOR")
        again = client.get("/h?q=KOR")
        assert again.json() == first.json() == {"q": "KOR", "call": 1}
        assert again.headers["content-type"] == "application/json"
        assert client.get("/h?q=AFL").json() == {"q": "AFL", "call": 2}  # another query
        clock[0] += 1.5  # the lifetime is over: asked again
        assert client.get("/h?q=KOR").json() == {"q": "KOR", "call": 3}
        assert calls["history"] == 3


def test_live_routes_errors_and_other_methods_are_never_cached() -> None:
    clock = [0.0]
    app, calls = _app(clock)
    with TestClient(app) as client:
        assert [client.get("/live").json()["call"] for _ in range(3)] == [1, 2, 3]
        assert [client.get("/missing").status_code for _ in range(2)] == [404, 404]
        assert calls["missing"] == 2
        assert client.post("/h").status_code == 405 and calls["history"] == 0


def test_askers_of_a_question_being_answered_wait_for_that_answer() -> None:
    import asyncio

    import httpx

    calls = {"n": 0}
    app = FastAPI()

    @app.get("/slow", tags=["history"])
    async def slow() -> dict[str, int]:
        calls["n"] += 1
        await asyncio.sleep(0.05)  # a DuckDB query under load
        return {"call": calls["n"]}

    app.add_middleware(HistoryCache, routes=lambda: app.routes, ttl_s=60.0)

    async def ask_together() -> list[dict[str, int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = await asyncio.gather(*(client.get("/slow") for _ in range(20)))
        return [a.json() for a in answers]

    assert asyncio.run(ask_together()) == [{"call": 1}] * 20
    assert calls["n"] == 1
