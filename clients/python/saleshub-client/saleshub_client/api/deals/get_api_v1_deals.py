from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.deal_page import DealPage
from ...models.error import Error
from ...models.get_api_v1_deals_sort import GetApiV1DealsSort
from ...models.get_api_v1_deals_stage_type_0 import GetApiV1DealsStageType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1DealsSort | Unset = GetApiV1DealsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1DealsStageType0 | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
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

    json_stage: None | str | Unset
    if isinstance(stage, Unset):
        json_stage = UNSET
    elif isinstance(stage, GetApiV1DealsStageType0):
        json_stage = stage.value
    else:
        json_stage = stage
    params["stage"] = json_stage

    json_company_id: int | None | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    json_contact_id: int | None | Unset
    if isinstance(contact_id, Unset):
        json_contact_id = UNSET
    else:
        json_contact_id = contact_id
    params["contact_id"] = json_contact_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/deals",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DealPage | Error | None:
    if response.status_code == 200:
        response_200 = DealPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[DealPage | Error]:
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
    sort: GetApiV1DealsSort | Unset = GetApiV1DealsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1DealsStageType0 | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
) -> Response[DealPage | Error]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1DealsSort | Unset):  Default: GetApiV1DealsSort.VALUE_1.
        owner_id (int | None | Unset):
        stage (GetApiV1DealsStageType0 | None | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DealPage | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        stage=stage,
        company_id=company_id,
        contact_id=contact_id,
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
    sort: GetApiV1DealsSort | Unset = GetApiV1DealsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1DealsStageType0 | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
) -> DealPage | Error | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1DealsSort | Unset):  Default: GetApiV1DealsSort.VALUE_1.
        owner_id (int | None | Unset):
        stage (GetApiV1DealsStageType0 | None | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DealPage | Error
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        stage=stage,
        company_id=company_id,
        contact_id=contact_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1DealsSort | Unset = GetApiV1DealsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1DealsStageType0 | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
) -> Response[DealPage | Error]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1DealsSort | Unset):  Default: GetApiV1DealsSort.VALUE_1.
        owner_id (int | None | Unset):
        stage (GetApiV1DealsStageType0 | None | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DealPage | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        stage=stage,
        company_id=company_id,
        contact_id=contact_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1DealsSort | Unset = GetApiV1DealsSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    stage: GetApiV1DealsStageType0 | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
) -> DealPage | Error | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1DealsSort | Unset):  Default: GetApiV1DealsSort.VALUE_1.
        owner_id (int | None | Unset):
        stage (GetApiV1DealsStageType0 | None | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DealPage | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            sort=sort,
            owner_id=owner_id,
            stage=stage,
            company_id=company_id,
            contact_id=contact_id,
        )
    ).parsed
