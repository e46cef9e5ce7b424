from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.get_api_v1_ops_imports_status_type_0 import GetApiV1OpsImportsStatusType0
from ...models.get_api_v1_ops_imports_type_type_0 import GetApiV1OpsImportsTypeType0
from ...models.ops_import_page import OpsImportPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    active: bool | Unset = False,
    status: GetApiV1OpsImportsStatusType0 | None | Unset = UNSET,
    type_: GetApiV1OpsImportsTypeType0 | None | Unset = UNSET,
    org_id: int | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["active"] = active

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, GetApiV1OpsImportsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, GetApiV1OpsImportsTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    params["type"] = json_type_

    json_org_id: int | None | Unset
    if isinstance(org_id, Unset):
        json_org_id = UNSET
    else:
        json_org_id = org_id
    params["org_id"] = json_org_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/ops/imports",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | OpsImportPage | None:
    if response.status_code == 200:
        response_200 = OpsImportPage.from_dict(response.json())

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
) -> Response[Error | OpsImportPage]:
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
    active: bool | Unset = False,
    status: GetApiV1OpsImportsStatusType0 | None | Unset = UNSET,
    type_: GetApiV1OpsImportsTypeType0 | None | Unset = UNSET,
    org_id: int | None | Unset = UNSET,
) -> Response[Error | OpsImportPage]:
    """Every org's imports, newest first: rows read, committed and rejected so far.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        active (bool | Unset): only imports not finished yet Default: False.
        status (GetApiV1OpsImportsStatusType0 | None | Unset):
        type_ (GetApiV1OpsImportsTypeType0 | None | Unset):
        org_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OpsImportPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        active=active,
        status=status,
        type_=type_,
        org_id=org_id,
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
    active: bool | Unset = False,
    status: GetApiV1OpsImportsStatusType0 | None | Unset = UNSET,
    type_: GetApiV1OpsImportsTypeType0 | None | Unset = UNSET,
    org_id: int | None | Unset = UNSET,
) -> Error | OpsImportPage | None:
    """Every org's imports, newest first: rows read, committed and rejected so far.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        active (bool | Unset): only imports not finished yet Default: False.
        status (GetApiV1OpsImportsStatusType0 | None | Unset):
        type_ (GetApiV1OpsImportsTypeType0 | None | Unset):
        org_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OpsImportPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        active=active,
        status=status,
        type_=type_,
        org_id=org_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    active: bool | Unset = False,
    status: GetApiV1OpsImportsStatusType0 | None | Unset = UNSET,
    type_: GetApiV1OpsImportsTypeType0 | None | Unset = UNSET,
    org_id: int | None | Unset = UNSET,
) -> Response[Error | OpsImportPage]:
    """Every org's imports, newest first: rows read, committed and rejected so far.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        active (bool | Unset): only imports not finished yet Default: False.
        status (GetApiV1OpsImportsStatusType0 | None | Unset):
        type_ (GetApiV1OpsImportsTypeType0 | None | Unset):
        org_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OpsImportPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        active=active,
        status=status,
        type_=type_,
        org_id=org_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    active: bool | Unset = False,
    status: GetApiV1OpsImportsStatusType0 | None | Unset = UNSET,
    type_: GetApiV1OpsImportsTypeType0 | None | Unset = UNSET,
    org_id: int | None | Unset = UNSET,
) -> Error | OpsImportPage | None:
    """Every org's imports, newest first: rows read, committed and rejected so far.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        active (bool | Unset): only imports not finished yet Default: False.
        status (GetApiV1OpsImportsStatusType0 | None | Unset):
        type_ (GetApiV1OpsImportsTypeType0 | None | Unset):
        org_id (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OpsImportPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            active=active,
            status=status,
            type_=type_,
            org_id=org_id,
        )
    ).parsed
