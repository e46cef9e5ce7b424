from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.fairness import Fairness
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/ops/fairness",
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Fairness | None:
    if response.status_code == 200:
        response_200 = Fairness.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Fairness]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | Fairness]:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness), the
    webhook endpoints their circuit breaker has paused, and each webhook endpoint's calls in flight and
    deliveries waiting in its line (``WEBHOOK_MAX_IN_FLIGHT``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Fairness]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Error | Fairness | None:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness), the
    webhook endpoints their circuit breaker has paused, and each webhook endpoint's calls in flight and
    deliveries waiting in its line (``WEBHOOK_MAX_IN_FLIGHT``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Fairness
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | Fairness]:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness), the
    webhook endpoints their circuit breaker has paused, and each webhook endpoint's calls in flight and
    deliveries waiting in its line (``WEBHOOK_MAX_IN_FLIGHT``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Fairness]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Error | Fairness | None:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness), the
    webhook endpoints their circuit breaker has paused, and each webhook endpoint's calls in flight and
    deliveries waiting in its line (``WEBHOOK_MAX_IN_FLIGHT``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Fairness
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
