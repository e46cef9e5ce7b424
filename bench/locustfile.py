"""The API as clients use it, for Locust: run by bench/api_load.py (headless, bounded).

Each simulated user is a sales rep of one of the bench's orgs (keys in ``BENCH_API_KEYS``,
comma-separated): it creates a few contacts, then reads lists and details, edits, searches as
it types (one request per keystroke of a name), and now and then asks for a job. Requests are
named by route so the stats group per endpoint. (``random`` here shapes a load mix only.)
"""

from __future__ import annotations

import itertools
import os
import random

from locust import HttpUser, between, task

KEYS = [k for k in os.environ.get("BENCH_API_KEYS", "").split(",") if k]
_next_key = itertools.count()
NAMES = ["Ada", "Grace", "Linus", "Barbara", "Edsger", "Margaret", "Donald", "Frances"]
SURNAMES = ["Lovelace", "Hopper", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Knuth"]


class SalesRep(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        key = KEYS[next(_next_key) % len(KEYS)]
        self.client.headers.update({"Authorization": f"Bearer {key}"})
        self.contacts: list[int] = []
        for _ in range(3):
            self.create_contact()

    @task(1)
    def create_contact(self) -> None:
        body = {
            "first_name": random.choice(NAMES),
            "last_name": random.choice(SURNAMES),
            "email": f"rep{random.randrange(10**9)}@example.com",
        }
        r = self.client.post("/api/v1/contacts", json=body, name="POST /contacts")
        if r.status_code == 201:
            self.contacts.append(r.json()["id"])

    @task(6)
    def list_contacts(self) -> None:
        self.client.get("/api/v1/contacts?limit=25", name="GET /contacts")

    @task(6)
    def contact_detail(self) -> None:
        if self.contacts:
            cid = random.choice(self.contacts)
            self.client.get(f"/api/v1/contacts/{cid}", name="GET /contacts/<id>")

    @task(2)
    def edit_contact(self) -> None:
        if self.contacts:
            cid = random.choice(self.contacts)
            body = {"title": random.choice(["VP Sales", "CTO", "Buyer"])}
            self.client.patch(f"/api/v1/contacts/{cid}", json=body, name="PATCH /contacts/<id>")

    @task(4)
    def search_as_you_type(self) -> None:
        word = random.choice(SURNAMES)
        for end in range(2, len(word) + 1):
            self.client.get(f"/api/v1/search?q={word[:end]}", name="GET /search")

    @task(1)
    def request_job(self) -> None:
        self.client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, name="POST /jobs")
