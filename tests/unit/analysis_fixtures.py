"""Hand-built raw graphs for the analysis unit tests (no database)."""

from __future__ import annotations

from graph.analysis.graphs import RawGraph, partner_mask

POL = partner_mask(["POL"])
GEM = partner_mask(["GEM"])
BD = partner_mask(["BD"])


def cannabis_ring(raw: RawGraph, prefix: str, regions: list[str], size: int = 8) -> list[str]:
    """A cannabis network: phone/associate ring over regions, grow sites, energy theft."""
    ids = [f"PRS-{prefix}{i:02d}" for i in range(size)]
    for i, pid in enumerate(ids):
        raw.add_node(pid, "person", regions[i % len(regions)])
    for i in range(size):
        for j in range(i + 1, size):
            if (j - i) in (1, 2, 3) or (i == 0 and j == size - 1):
                raw.links.append((ids[i], ids[j], "associate", POL))
    for k in range(0, size, 2):
        inc = f"INC-{prefix}{k}"
        raw.shares.append((inc, "incident", ids[k], POL))
        raw.shares.append((inc, "incident", ids[(k + 1) % size], POL))
        raw.signals.append((ids[k], "cannabis_grow_site", POL))
        raw.signals.append((ids[(k + 1) % size], "energy_theft", POL))
    for pid in ids:
        raw.shares.append((f"ONDZ-{prefix}", "investigation", pid, POL))
    raw.shares.append((f"TEL-{prefix}", "phone", ids[0], BD))
    raw.shares.append((f"TEL-{prefix}", "phone", ids[size - 1], BD))
    return ids


def family(raw: RawGraph, prefix: str, regions: list[str], size: int = 8) -> list[str]:
    """A large family spread over regions: households, no crime signals but one theft."""
    ids = [f"PRS-{prefix}{i:02d}" for i in range(size)]
    for i, pid in enumerate(ids):
        raw.add_node(pid, "person", regions[(i // 2) % len(regions)])
    for i in range(0, size, 2):
        raw.shares.append((f"ADR-{prefix}{i}", "address", ids[i], GEM))
        raw.shares.append((f"ADR-{prefix}{i}", "address", ids[i + 1], GEM))
        if i + 2 < size:
            raw.links.append((ids[i], ids[i + 2], "sponsor", GEM))
    return ids


def national_graph() -> tuple[RawGraph, list[str], list[str]]:
    """Two cannabis rings, a family decoy and a registered-office hub gluing them."""
    raw = RawGraph()
    ring = cannabis_ring(raw, "A", ["Limburg", "Oost-Brabant"], 10)
    ring2 = cannabis_ring(raw, "B", ["Rotterdam"], 8)
    fam = family(raw, "F", ["Noord", "Den Haag", "Limburg"], 8)
    # registered-office hub: 40 companies, one of which is directed by a ring member
    for i in range(40):
        kvk = f"{10000000 + i}"
        raw.add_node(kvk, "company", "Amsterdam-Amstelland")
        raw.shares.append(("1011AB-1", "address", kvk, partner_mask(["KVK"])))
    raw.links.append((ring[0], "10000000", "directorship", partner_mask(["KVK"])))
    raw.links.append((fam[0], "10000001", "directorship", partner_mask(["KVK"])))
    return raw, ring, ring2
