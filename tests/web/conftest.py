"""Web fixtures: apps built from the test settings (or changed ones), disposed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from core.settings import Settings
from web import create_app


def build_app(settings: Settings) -> Flask:
    """An app in testing mode."""
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


def dispose(application: Flask) -> None:
    """Close what ``application`` holds, so tests do not pile up connections."""
    hub = application.extensions.get("saleshub.hub")
    if hub is not None:
        hub.stop()
    res = application.extensions["saleshub"]
    res.engine.dispose()
    res.broker.close()
    res.cache.close()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    application = build_app(settings)
    yield application
    dispose(application)


@pytest.fixture
def make_app(settings: Settings, engine: Engine) -> Iterator[Callable[..., Flask]]:
    """Apps from the test settings with groups changed.

    For example ``make_app(web={"max_body_bytes": 1})``.
    """
    built: list[Flask] = []

    def make(**changes: Any) -> Flask:
        application = build_app(settings.replace(**changes))
        built.append(application)
        return application

    yield make
    for application in built:
        dispose(application)


@pytest.fixture
def ops_app(job_settings: Settings, engine: Engine) -> Iterator[Flask]:
    """An app on each job broker in turn (``job_settings``: Redis, then RabbitMQ)."""
    application = build_app(job_settings)
    yield application
    dispose(application)
