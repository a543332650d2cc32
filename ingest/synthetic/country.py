"""The synthetic country of wave 1: background population, decoys and planted networks.

The world holds the *state* (who lives where, who directs which company, who calls whom);
dated events (incidents, cases, permits) are drawn per quarter from that state by
:func:`ingest.synthetic.quarters.quarter_events`; :func:`ingest.synthetic.waves.evolve`
advances it.
"""

from __future__ import annotations

from datetime import timedelta

from graph.geography import Geography
from ingest.synthetic.economy import add_care_operators, add_companies
from ingest.synthetic.model import FIRST_EXTRACT
from ingest.synthetic.networks import plant_all
from ingest.synthetic.payroll import add_payroll_history, add_second_jobs
from ingest.synthetic.population import (
    add_background_relations,
    add_business_account_holders,
    add_childhood_registrations,
    add_foreigners,
    add_household,
    add_institution_registrations,
    add_joint_accounts,
    add_past_registrations,
)
from ingest.synthetic.presets import Preset
from ingest.synthetic.world import Places, World

__all__ = ["build_world"]


def _background(world: World) -> None:
    rng = world.rng("households")
    preset = world.preset
    family_homes: list[int] = []
    sizes = (1, 2, 3, 4, 5, 6)
    weights = (38, 33, 12, 12, 4, 1)
    while len(world.persons) < preset.persons:
        size = rng.choices(sizes, weights=weights)[0]
        addr = world.new_address(rng)
        since = FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 3_000)) + 1)
        add_household(world, rng, addr, size, since, family_homes)

    rng = world.rng("institutions")
    for _ in range(preset.care_homes):
        addr = world.new_address(rng)
        world.care_homes.append(addr)
        for _ in range(rng.randint(*preset.care_home_size)):
            since = FIRST_EXTRACT - timedelta(days=rng.randint(30, 2_500))
            world.new_person(rng, addr, (72, 99), since, "care")
    for _ in range(preset.student_flats):
        addr = world.new_address(rng)
        world.student_flats.append(addr)
        for _ in range(rng.randint(*preset.student_flat_size)):
            since = FIRST_EXTRACT - timedelta(days=rng.randint(30, 1_500))
            s = world.new_person(rng, addr, (18, 25), since, "student")
            if family_homes and rng.random() < 0.7:
                p = world.persons[s]
                p.history = [(rng.choice(family_homes), p.birth + timedelta(days=365), since)]
            if rng.random() < 0.8:
                world.add_account([s])

    add_past_registrations(world)
    add_childhood_registrations(world)
    add_institution_registrations(world)
    add_companies(world)
    add_care_operators(world)
    add_second_jobs(world)
    add_payroll_history(world)
    add_business_account_holders(world)
    add_joint_accounts(world)
    add_foreigners(world)
    add_background_relations(world)


def build_world(preset: Preset, seed: int, key: bytes, geo: Geography) -> World:
    """The wave-1 country: background, decoys and planted networks."""
    world = World(seed=seed, key=key, preset=preset, places=Places(geo))
    _background(world)
    plant_all(world)
    return world
