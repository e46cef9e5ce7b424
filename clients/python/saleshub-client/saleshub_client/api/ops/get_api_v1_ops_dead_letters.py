from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dead_letter_page import DeadLetterPage
from ...models.error import Error
from ...models.queue import Queue
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_queue: None | str | Unset
    if isinstance(queue, Unset):
        json_queue = UNSET
    elif isinstance(queue, Queue):
        json_queue = queue.value
    else:
        json_queue = queue
    params["queue"] = json_queue

    json_actor: None | str | Unset
    if isinstance(actor, Unset):
        json_actor = UNSET
    else:
        json_actor = actor
    params["actor"] = json_actor

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/ops/dead-letters",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DeadLetterPage | Error | None:
    if response.status_code == 200:
        response_200 = DeadLetterPage.from_dict(response.json())

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
) -> Response[DeadLetterPage | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[DeadLetterPage | Error]:
    """A page of dead letters, newest first across the queues; ``total`` without an actor or text filter (a
    text filter would have to read them all).

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeadLetterPage | Error]
    """

    kwargs = _get_kwargs(
        queue=queue,
        actor=actor,
        q=q,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> DeadLetterPage | Error | None:
    """A page of dead letters, newest first across the queues; ``total`` without an actor or text filter (a
    text filter would have to read them all).

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeadLetterPage | Error
    """

    return sync_detailed(
        client=client,
        queue=queue,
        actor=actor,
        q=q,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[DeadLetterPage | Error]:
    """A page of dead letters, newest first across the queues; ``total`` without an actor or text filter (a
    text filter would have to read them all).

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeadLetterPage | Error]
    """

    kwargs = _get_kwargs(
        queue=queue,
        actor=actor,
        q=q,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> DeadLetterPage | Error | None:
    """A page of dead letters, newest first across the queues; ``total`` without an actor or text filter (a
    text filter would have to read them all).

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeadLetterPage | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            queue=queue,
            actor=actor,
            q=q,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
