from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.get_api_v1_leads_sort import GetApiV1LeadsSort
from ...models.get_api_v1_leads_status_type_0 import GetApiV1LeadsStatusType0
from ...models.lead_page import LeadPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1LeadsSort | Unset = GetApiV1LeadsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    status: GetApiV1LeadsStatusType0 | None | Unset = UNSET,
    source: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    json_owner_id: int | None | Unset
    if isinstance(owner_id, Unset):
        json_owner_id = UNSET
    else:
        json_owner_id = owner_id
    params["owner_id"] = json_owner_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, GetApiV1LeadsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_source: None | str | Unset
    if isinstance(source, Unset):
        json_source = UNSET
    else:
        json_source = source
    params["source"] = json_source

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/leads",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | LeadPage | None:
    if response.status_code == 200:
        response_200 = LeadPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | LeadPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1LeadsSort | Unset = GetApiV1LeadsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    status: GetApiV1LeadsStatusType0 | None | Unset = UNSET,
    source: None | str | Unset = UNSET,
) -> Response[Error | LeadPage]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1LeadsSort | Unset):  Default: GetApiV1LeadsSort.VALUE_1.
        owner_id (int | None | Unset):
        status (GetApiV1LeadsStatusType0 | None | Unset):
        source (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LeadPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        status=status,
        source=source,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1LeadsSort | Unset = GetApiV1LeadsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    status: GetApiV1LeadsStatusType0 | None | Unset = UNSET,
    source: None | str | Unset = UNSET,
) -> Error | LeadPage | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1LeadsSort | Unset):  Default: GetApiV1LeadsSort.VALUE_1.
        owner_id (int | None | Unset):
        status (GetApiV1LeadsStatusType0 | None | Unset):
        source (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LeadPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        status=status,
        source=source,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1LeadsSort | Unset = GetApiV1LeadsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    status: GetApiV1LeadsStatusType0 | None | Unset = UNSET,
    source: None | str | Unset = UNSET,
) -> Response[Error | LeadPage]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1LeadsSort | Unset):  Default: GetApiV1LeadsSort.VALUE_1.
        owner_id (int | None | Unset):
        status (GetApiV1LeadsStatusType0 | None | Unset):
        source (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LeadPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        status=status,
        source=source,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1LeadsSort | Unset = GetApiV1LeadsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    status: GetApiV1LeadsStatusType0 | None | Unset = UNSET,
    source: None | str | Unset = UNSET,
) -> Error | LeadPage | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1LeadsSort | Unset):  Default: GetApiV1LeadsSort.VALUE_1.
        owner_id (int | None | Unset):
        status (GetApiV1LeadsStatusType0 | None | Unset):
        source (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LeadPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            sort=sort,
            owner_id=owner_id,
            status=status,
            source=source,
        )
    ).parsed
