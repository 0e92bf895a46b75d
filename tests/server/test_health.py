from quart.typing import TestClientProtocol as Client


async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert (await response.get_json()) == {"status": "ok"}


async def test_readyz_reports_the_database(client: Client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert (await response.get_json())["database"] == "ok"
