from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_outcome import BulkOutcome
from ...models.dead_letter_bulk import DeadLetterBulk
from ...models.error import Error
from ...models.post_api_v1_ops_dead_letters_action_action import PostApiV1OpsDeadLettersActionAction
from ...types import Response


def _get_kwargs(
    action: PostApiV1OpsDeadLettersActionAction,
    *,
    body: DeadLetterBulk,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/ops/dead-letters/{action}".format(
            action=quote(str(action), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> BulkOutcome | Error | None:
    if response.status_code == 200:
        response_200 = BulkOutcome.from_dict(response.json())

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

    if response.status_code == 405:
        response_405 = Error.from_dict(response.json())

        return response_405

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[BulkOutcome | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    action: PostApiV1OpsDeadLettersActionAction,
    *,
    client: AuthenticatedClient | Client,
    body: DeadLetterBulk,
) -> Response[BulkOutcome | Error]:
    """bulk_dead_letters <POST>

    Args:
        action (PostApiV1OpsDeadLettersActionAction):
        body (DeadLetterBulk):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkOutcome | Error]
    """

    kwargs = _get_kwargs(
        action=action,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    action: PostApiV1OpsDeadLettersActionAction,
    *,
    client: AuthenticatedClient | Client,
    body: DeadLetterBulk,
) -> BulkOutcome | Error | None:
    """bulk_dead_letters <POST>

    Args:
        action (PostApiV1OpsDeadLettersActionAction):
        body (DeadLetterBulk):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkOutcome | Error
    """

    return sync_detailed(
        action=action,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    action: PostApiV1OpsDeadLettersActionAction,
    *,
    client: AuthenticatedClient | Client,
    body: DeadLetterBulk,
) -> Response[BulkOutcome | Error]:
    """bulk_dead_letters <POST>

    Args:
        action (PostApiV1OpsDeadLettersActionAction):
        body (DeadLetterBulk):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkOutcome | Error]
    """

    kwargs = _get_kwargs(
        action=action,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    action: PostApiV1OpsDeadLettersActionAction,
    *,
    client: AuthenticatedClient | Client,
    body: DeadLetterBulk,
) -> BulkOutcome | Error | None:
    """bulk_dead_letters <POST>

    Args:
        action (PostApiV1OpsDeadLettersActionAction):
        body (DeadLetterBulk):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkOutcome | Error
    """

    return (
        await asyncio_detailed(
            action=action,
            client=client,
            body=body,
        )
    ).parsed
