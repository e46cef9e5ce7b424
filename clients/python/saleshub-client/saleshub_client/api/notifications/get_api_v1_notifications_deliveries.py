from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.get_api_v1_notifications_deliveries_status_type_0 import GetApiV1NotificationsDeliveriesStatusType0
from ...models.notification_delivery_page import NotificationDeliveryPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: int | None | Unset = UNSET,
    status: GetApiV1NotificationsDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_user_id: int | None | Unset
    if isinstance(user_id, Unset):
        json_user_id = UNSET
    else:
        json_user_id = user_id
    params["user_id"] = json_user_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, GetApiV1NotificationsDeliveriesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/notifications/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | NotificationDeliveryPage | None:
    if response.status_code == 200:
        response_200 = NotificationDeliveryPage.from_dict(response.json())

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
) -> Response[Error | NotificationDeliveryPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: int | None | Unset = UNSET,
    status: GetApiV1NotificationsDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Error | NotificationDeliveryPage]:
    """Delivery statuses: your own; an admin sees the whole org's.

    Args:
        user_id (int | None | Unset):
        status (GetApiV1NotificationsDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | NotificationDeliveryPage]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        status=status,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    user_id: int | None | Unset = UNSET,
    status: GetApiV1NotificationsDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
) -> Error | NotificationDeliveryPage | None:
    """Delivery statuses: your own; an admin sees the whole org's.

    Args:
        user_id (int | None | Unset):
        status (GetApiV1NotificationsDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | NotificationDeliveryPage
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        status=status,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: int | None | Unset = UNSET,
    status: GetApiV1NotificationsDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Error | NotificationDeliveryPage]:
    """Delivery statuses: your own; an admin sees the whole org's.

    Args:
        user_id (int | None | Unset):
        status (GetApiV1NotificationsDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | NotificationDeliveryPage]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        status=status,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    user_id: int | None | Unset = UNSET,
    status: GetApiV1NotificationsDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
) -> Error | NotificationDeliveryPage | None:
    """Delivery statuses: your own; an admin sees the whole org's.

    Args:
        user_id (int | None | Unset):
        status (GetApiV1NotificationsDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | NotificationDeliveryPage
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            status=status,
            limit=limit,
        )
    ).parsed
