from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.activity_page import ActivityPage
from ...models.error import Error
from ...models.get_api_v1_activities_kind_type_0 import GetApiV1ActivitiesKindType0
from ...models.get_api_v1_activities_sort import GetApiV1ActivitiesSort
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1ActivitiesSort | Unset = GetApiV1ActivitiesSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    kind: GetApiV1ActivitiesKindType0 | None | Unset = UNSET,
    done: bool | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    deal_id: int | None | Unset = UNSET,
    lead_id: int | None | Unset = UNSET,
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

    json_kind: None | str | Unset
    if isinstance(kind, Unset):
        json_kind = UNSET
    elif isinstance(kind, GetApiV1ActivitiesKindType0):
        json_kind = kind.value
    else:
        json_kind = kind
    params["kind"] = json_kind

    json_done: bool | None | Unset
    if isinstance(done, Unset):
        json_done = UNSET
    else:
        json_done = done
    params["done"] = json_done

    json_contact_id: int | None | Unset
    if isinstance(contact_id, Unset):
        json_contact_id = UNSET
    else:
        json_contact_id = contact_id
    params["contact_id"] = json_contact_id

    json_company_id: int | None | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    json_deal_id: int | None | Unset
    if isinstance(deal_id, Unset):
        json_deal_id = UNSET
    else:
        json_deal_id = deal_id
    params["deal_id"] = json_deal_id

    json_lead_id: int | None | Unset
    if isinstance(lead_id, Unset):
        json_lead_id = UNSET
    else:
        json_lead_id = lead_id
    params["lead_id"] = json_lead_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/activities",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ActivityPage | Error | None:
    if response.status_code == 200:
        response_200 = ActivityPage.from_dict(response.json())

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
) -> Response[ActivityPage | Error]:
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
    sort: GetApiV1ActivitiesSort | Unset = GetApiV1ActivitiesSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    kind: GetApiV1ActivitiesKindType0 | None | Unset = UNSET,
    done: bool | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    deal_id: int | None | Unset = UNSET,
    lead_id: int | None | Unset = UNSET,
) -> Response[ActivityPage | Error]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1ActivitiesSort | Unset):  Default: GetApiV1ActivitiesSort.VALUE_1.
        owner_id (int | None | Unset):
        kind (GetApiV1ActivitiesKindType0 | None | Unset):
        done (bool | None | Unset):
        contact_id (int | None | Unset):
        company_id (int | None | Unset):
        deal_id (int | None | Unset):
        lead_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActivityPage | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        kind=kind,
        done=done,
        contact_id=contact_id,
        company_id=company_id,
        deal_id=deal_id,
        lead_id=lead_id,
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
    sort: GetApiV1ActivitiesSort | Unset = GetApiV1ActivitiesSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    kind: GetApiV1ActivitiesKindType0 | None | Unset = UNSET,
    done: bool | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    deal_id: int | None | Unset = UNSET,
    lead_id: int | None | Unset = UNSET,
) -> ActivityPage | Error | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1ActivitiesSort | Unset):  Default: GetApiV1ActivitiesSort.VALUE_1.
        owner_id (int | None | Unset):
        kind (GetApiV1ActivitiesKindType0 | None | Unset):
        done (bool | None | Unset):
        contact_id (int | None | Unset):
        company_id (int | None | Unset):
        deal_id (int | None | Unset):
        lead_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActivityPage | Error
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        kind=kind,
        done=done,
        contact_id=contact_id,
        company_id=company_id,
        deal_id=deal_id,
        lead_id=lead_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1ActivitiesSort | Unset = GetApiV1ActivitiesSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    kind: GetApiV1ActivitiesKindType0 | None | Unset = UNSET,
    done: bool | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    deal_id: int | None | Unset = UNSET,
    lead_id: int | None | Unset = UNSET,
) -> Response[ActivityPage | Error]:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1ActivitiesSort | Unset):  Default: GetApiV1ActivitiesSort.VALUE_1.
        owner_id (int | None | Unset):
        kind (GetApiV1ActivitiesKindType0 | None | Unset):
        done (bool | None | Unset):
        contact_id (int | None | Unset):
        company_id (int | None | Unset):
        deal_id (int | None | Unset):
        lead_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActivityPage | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        sort=sort,
        owner_id=owner_id,
        kind=kind,
        done=done,
        contact_id=contact_id,
        company_id=company_id,
        deal_id=deal_id,
        lead_id=lead_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    sort: GetApiV1ActivitiesSort | Unset = GetApiV1ActivitiesSort.VALUE_1,
    owner_id: int | None | Unset = UNSET,
    kind: GetApiV1ActivitiesKindType0 | None | Unset = UNSET,
    done: bool | None | Unset = UNSET,
    contact_id: int | None | Unset = UNSET,
    company_id: int | None | Unset = UNSET,
    deal_id: int | None | Unset = UNSET,
    lead_id: int | None | Unset = UNSET,
) -> ActivityPage | Error | None:
    """list_items <GET>

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        sort (GetApiV1ActivitiesSort | Unset):  Default: GetApiV1ActivitiesSort.VALUE_1.
        owner_id (int | None | Unset):
        kind (GetApiV1ActivitiesKindType0 | None | Unset):
        done (bool | None | Unset):
        contact_id (int | None | Unset):
        company_id (int | None | Unset):
        deal_id (int | None | Unset):
        lead_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActivityPage | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            sort=sort,
            owner_id=owner_id,
            kind=kind,
            done=done,
            contact_id=contact_id,
            company_id=company_id,
            deal_id=deal_id,
            lead_id=lead_id,
        )
    ).parsed
