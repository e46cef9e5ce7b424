from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dead_letter_count import DeadLetterCount
from ...models.error import Error
from ...models.queue import Queue
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
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

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/ops/dead-letters/count",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeadLetterCount | Error | None:
    if response.status_code == 200:
        response_200 = DeadLetterCount.from_dict(response.json())

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
) -> Response[DeadLetterCount | Error]:
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
) -> Response[DeadLetterCount | Error]:
    """The dry run of a bulk action: how many dead letters the filter matches now.

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeadLetterCount | Error]
    """

    kwargs = _get_kwargs(
        queue=queue,
        actor=actor,
        q=q,
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
) -> DeadLetterCount | Error | None:
    """The dry run of a bulk action: how many dead letters the filter matches now.

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeadLetterCount | Error
    """

    return sync_detailed(
        client=client,
        queue=queue,
        actor=actor,
        q=q,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> Response[DeadLetterCount | Error]:
    """The dry run of a bulk action: how many dead letters the filter matches now.

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeadLetterCount | Error]
    """

    kwargs = _get_kwargs(
        queue=queue,
        actor=actor,
        q=q,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    queue: None | Queue | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> DeadLetterCount | Error | None:
    """The dry run of a bulk action: how many dead letters the filter matches now.

    Args:
        queue (None | Queue | Unset):
        actor (None | str | Unset):
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeadLetterCount | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            queue=queue,
            actor=actor,
            q=q,
        )
    ).parsed
