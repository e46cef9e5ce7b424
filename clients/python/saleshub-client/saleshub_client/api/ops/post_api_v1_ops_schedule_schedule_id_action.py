from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.post_api_v1_ops_schedule_schedule_id_action_action import PostApiV1OpsScheduleScheduleIdActionAction
from ...models.schedule_action import ScheduleAction
from ...types import Response


def _get_kwargs(
    schedule_id: str,
    action: PostApiV1OpsScheduleScheduleIdActionAction,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/ops/schedule/{schedule_id}/{action}".format(
            schedule_id=quote(str(schedule_id), safe=""),
            action=quote(str(action), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | ScheduleAction | None:
    if response.status_code == 200:
        response_200 = ScheduleAction.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

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
) -> Response[Error | ScheduleAction]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    schedule_id: str,
    action: PostApiV1OpsScheduleScheduleIdActionAction,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | ScheduleAction]:
    """act_on_schedule <POST>

    Args:
        schedule_id (str):
        action (PostApiV1OpsScheduleScheduleIdActionAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ScheduleAction]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        action=action,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    schedule_id: str,
    action: PostApiV1OpsScheduleScheduleIdActionAction,
    *,
    client: AuthenticatedClient | Client,
) -> Error | ScheduleAction | None:
    """act_on_schedule <POST>

    Args:
        schedule_id (str):
        action (PostApiV1OpsScheduleScheduleIdActionAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ScheduleAction
    """

    return sync_detailed(
        schedule_id=schedule_id,
        action=action,
        client=client,
    ).parsed


async def asyncio_detailed(
    schedule_id: str,
    action: PostApiV1OpsScheduleScheduleIdActionAction,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | ScheduleAction]:
    """act_on_schedule <POST>

    Args:
        schedule_id (str):
        action (PostApiV1OpsScheduleScheduleIdActionAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ScheduleAction]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        action=action,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    schedule_id: str,
    action: PostApiV1OpsScheduleScheduleIdActionAction,
    *,
    client: AuthenticatedClient | Client,
) -> Error | ScheduleAction | None:
    """act_on_schedule <POST>

    Args:
        schedule_id (str):
        action (PostApiV1OpsScheduleScheduleIdActionAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ScheduleAction
    """

    return (
        await asyncio_detailed(
            schedule_id=schedule_id,
            action=action,
            client=client,
        )
    ).parsed
