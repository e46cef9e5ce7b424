from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.charts import Charts
from ...models.error import Error
from ...models.get_api_v1_ops_charts_range import GetApiV1OpsChartsRange
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    range_: GetApiV1OpsChartsRange | Unset = GetApiV1OpsChartsRange.HOUR,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_range_: str | Unset = UNSET
    if not isinstance(range_, Unset):
        json_range_ = range_.value

    params["range"] = json_range_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/ops/charts",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Charts | Error | None:
    if response.status_code == 200:
        response_200 = Charts.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Charts | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    range_: GetApiV1OpsChartsRange | Unset = GetApiV1OpsChartsRange.HOUR,
) -> Response[Charts | Error]:
    """Throughput, latency and depth per queue (and per actor) for the last hour or 14 days.

    Args:
        range_ (GetApiV1OpsChartsRange | Unset):  Default: GetApiV1OpsChartsRange.HOUR.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Charts | Error]
    """

    kwargs = _get_kwargs(
        range_=range_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    range_: GetApiV1OpsChartsRange | Unset = GetApiV1OpsChartsRange.HOUR,
) -> Charts | Error | None:
    """Throughput, latency and depth per queue (and per actor) for the last hour or 14 days.

    Args:
        range_ (GetApiV1OpsChartsRange | Unset):  Default: GetApiV1OpsChartsRange.HOUR.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Charts | Error
    """

    return sync_detailed(
        client=client,
        range_=range_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    range_: GetApiV1OpsChartsRange | Unset = GetApiV1OpsChartsRange.HOUR,
) -> Response[Charts | Error]:
    """Throughput, latency and depth per queue (and per actor) for the last hour or 14 days.

    Args:
        range_ (GetApiV1OpsChartsRange | Unset):  Default: GetApiV1OpsChartsRange.HOUR.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Charts | Error]
    """

    kwargs = _get_kwargs(
        range_=range_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    range_: GetApiV1OpsChartsRange | Unset = GetApiV1OpsChartsRange.HOUR,
) -> Charts | Error | None:
    """Throughput, latency and depth per queue (and per actor) for the last hour or 14 days.

    Args:
        range_ (GetApiV1OpsChartsRange | Unset):  Default: GetApiV1OpsChartsRange.HOUR.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Charts | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            range_=range_,
        )
    ).parsed
