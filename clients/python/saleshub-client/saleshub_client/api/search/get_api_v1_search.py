from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.get_api_v1_search_stage_type_0 import GetApiV1SearchStageType0
from ...models.get_api_v1_search_status_type_0 import GetApiV1SearchStatusType0
from ...models.search_result import SearchResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str,
    types: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1SearchStageType0 | None | Unset = UNSET,
    status: GetApiV1SearchStatusType0 | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    json_types: None | str | Unset
    if isinstance(types, Unset):
        json_types = UNSET
    else:
        json_types = types
    params["types"] = json_types

    params["limit"] = limit

    json_owner_id: int | None | Unset
    if isinstance(owner_id, Unset):
        json_owner_id = UNSET
    else:
        json_owner_id = owner_id
    params["owner_id"] = json_owner_id

    json_stage: None | str | Unset
    if isinstance(stage, Unset):
        json_stage = UNSET
    elif isinstance(stage, GetApiV1SearchStageType0):
        json_stage = stage.value
    else:
        json_stage = stage
    params["stage"] = json_stage

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, GetApiV1SearchStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/search",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | SearchResult | None:
    if response.status_code == 200:
        response_200 = SearchResult.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SearchResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    q: str,
    types: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1SearchStageType0 | None | Unset = UNSET,
    status: GetApiV1SearchStatusType0 | None | Unset = UNSET,
) -> Response[Error | SearchResult]:
    """search_view <GET>

    Args:
        q (str):
        types (None | str | Unset):
        limit (int | Unset):  Default: 20.
        owner_id (int | None | Unset):
        stage (GetApiV1SearchStageType0 | None | Unset):
        status (GetApiV1SearchStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SearchResult]
    """

    kwargs = _get_kwargs(
        q=q,
        types=types,
        limit=limit,
        owner_id=owner_id,
        stage=stage,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    q: str,
    types: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1SearchStageType0 | None | Unset = UNSET,
    status: GetApiV1SearchStatusType0 | None | Unset = UNSET,
) -> Error | SearchResult | None:
    """search_view <GET>

    Args:
        q (str):
        types (None | str | Unset):
        limit (int | Unset):  Default: 20.
        owner_id (int | None | Unset):
        stage (GetApiV1SearchStageType0 | None | Unset):
        status (GetApiV1SearchStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SearchResult
    """

    return sync_detailed(
        client=client,
        q=q,
        types=types,
        limit=limit,
        owner_id=owner_id,
        stage=stage,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    q: str,
    types: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1SearchStageType0 | None | Unset = UNSET,
    status: GetApiV1SearchStatusType0 | None | Unset = UNSET,
) -> Response[Error | SearchResult]:
    """search_view <GET>

    Args:
        q (str):
        types (None | str | Unset):
        limit (int | Unset):  Default: 20.
        owner_id (int | None | Unset):
        stage (GetApiV1SearchStageType0 | None | Unset):
        status (GetApiV1SearchStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SearchResult]
    """

    kwargs = _get_kwargs(
        q=q,
        types=types,
        limit=limit,
        owner_id=owner_id,
        stage=stage,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    q: str,
    types: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1SearchStageType0 | None | Unset = UNSET,
    status: GetApiV1SearchStatusType0 | None | Unset = UNSET,
) -> Error | SearchResult | None:
    """search_view <GET>

    Args:
        q (str):
        types (None | str | Unset):
        limit (int | Unset):  Default: 20.
        owner_id (int | None | Unset):
        stage (GetApiV1SearchStageType0 | None | Unset):
        status (GetApiV1SearchStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SearchResult
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            types=types,
            limit=limit,
            owner_id=owner_id,
            stage=stage,
            status=status,
        )
    ).parsed
