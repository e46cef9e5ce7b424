"""A golden set for typo tolerance: names from several Faker locales, each misspelt.

Every name is mutated twice: once by one edit, once by two, each edit an insertion,
deletion, substitution or transposition of letters, kept within Meilisearch's typo budget
*of the word as typed* (one typo from 5 characters, two from 9): two edits go into one word
of 9+ letters or into two words of 5+. The optimal-string-alignment distance of each
mutated word to its original is checked to be exactly the number of edits it got.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from faker import Faker
from rapidfuzz.distance import OSA

from core.search.normalize import tokens, typo_budget

LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "nl_NL", "pt_BR", "sv_SE", "tr_TR")
LETTERS = string.ascii_lowercase
EDITS = ("insert", "delete", "substitute", "transpose")


@dataclass(frozen=True)
class Case:
    """One golden query: the name as stored, the query typed, and its edits."""

    name: str
    query: str
    edits: int
    kinds: tuple[str, ...]


def _edit(word: str, kind: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    if kind == "insert":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "substitute":
        return word[:i] + rng.choice([c for c in LETTERS if c != word[i]]) + word[i + 1 :]
    j = min(i, len(word) - 2)
    if word[j] == word[j + 1]:
        return word  # a no-op swap; the caller retries
    return word[:j] + word[j + 1] + word[j] + word[j + 2 :]


def mutate(word: str, edits: int, rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    """``word`` (normalized) with exactly ``edits`` edits within its typo budget, or None."""
    for _ in range(50):
        kinds = tuple(rng.choice(EDITS) for _ in range(edits))
        out = word
        for kind in kinds:
            out = _edit(out, kind, rng)
        if OSA.distance(word, out) == edits and typo_budget(out) >= edits:
            return out, kinds
    return None


def names(count: int, *, seed: int = 2024) -> list[str]:
    """``count`` distinct full names, drawn round-robin from the locales."""
    fakes = [Faker(loc) for loc in LOCALES]
    for i, fake in enumerate(fakes):
        fake.seed_instance(seed + i)
    seen: set[str] = set()
    out: list[str] = []
    i = 0
    while len(out) < count:
        fake = fakes[i % len(fakes)]
        i += 1
        name = f"{fake.first_name()} {fake.last_name()}"
        key = " ".join(tokens(name))
        if key in seen:
            continue
        seen.add(key)
        out.append(name)
    return out


def cases(pool: list[str], *, want: int, seed: int = 7) -> list[Case]:
    """One 1-edit and one 2-edit query for each of the first ``want`` names of ``pool``
    that have room for them."""
    rng = random.Random(seed)
    out: list[Case] = []
    for name in pool:
        if len(out) >= 2 * want:
            break
        words = list(tokens(name))
        long5 = [k for k, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        long9 = [k for k, w in enumerate(words) if len(w) >= 10 and w.isalpha()]
        if not long5:
            continue
        one = _apply(words, {rng.choice(long5): 1}, rng)
        if long9 and (len(long5) < 2 or rng.random() < 0.5):
            plan = {rng.choice(long9): 2}
        elif len(long5) >= 2:
            plan = dict.fromkeys(rng.sample(long5, 2), 1)
        else:
            plan = {}
        two = _apply(words, plan, rng) if plan else None
        if one is None or two is None:
            continue
        out.append(Case(name, one[0], 1, one[1]))
        out.append(Case(name, two[0], 2, two[1]))
    return out


def _apply(
    words: list[str], plan: dict[int, int], rng: random.Random
) -> tuple[str, tuple[str, ...]] | None:
    typed = list(words)
    kinds: list[str] = []
    for k, edits in plan.items():
        done = mutate(words[k], edits, rng)
        if done is None:
            return None
        typed[k] = done[0]
        kinds.extend(done[1])
    return " ".join(typed), tuple(kinds)
