"""The words the synthetic country is made of: names, company activities (SBI) and forms,
club names, plate letters.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CLUB_NAMES",
    "FIRST_NAMES",
    "FLEX_SBI",
    "FORMS",
    "LAST_NAMES",
    "LETTERS",
    "SBI",
    "WORDS",
]


#: Activities with many short jobs (side jobs, student and temp work): staffing agencies,
#: restaurants and cafes, supermarkets and other retail.
FLEX_SBI: Final = frozenset({"7810", "5610", "5630", "4711", "4719"})

LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
FIRST_NAMES: Final = (
    "Jan",
    "Piet",
    "Kees",
    "Mohamed",
    "Ahmed",
    "Daan",
    "Sem",
    "Lucas",
    "Noah",
    "Bram",
    "Sanne",
    "Emma",
    "Julia",
    "Fatima",
    "Anouk",
    "Lisa",
    "Eva",
    "Sara",
    "Yara",
    "Nina",
    "Ali",
    "Mehmet",
    "Joost",
    "Henk",
    "Ingrid",
    "Marieke",
    "Dewi",
    "Rajesh",
    "Olga",
    "Piotr",
    "Ana",
)
LAST_NAMES: Final = (
    "de Vries",
    "Jansen",
    "de Jong",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Yilmaz",
    "El Amrani",
    "Kowalski",
    "Peeters",
    "Hendriks",
    "van Dijk",
    "Vermeulen",
    "Dekker",
    "Brouwer",
    "de Graaf",
    "Kaya",
    "Novak",
    "Santos",
)
WORDS: Final = (
    "Noord",
    "Zuid",
    "Delta",
    "Polder",
    "Kade",
    "Molen",
    "Tulp",
    "Haven",
    "Dijk",
    "Brug",
    "Linde",
    "Eik",
    "Maas",
    "Rijn",
    "Waal",
    "Duin",
    "Horizon",
    "Zon",
    "Ster",
    "Kompas",
    "Anker",
    "Baken",
    "Vlinder",
    "Zwaan",
    "Valk",
    "Reiger",
    "Klaver",
)

#: (SBI code, cash-intensive, trading, weight) of ordinary companies.
SBI: Final = (
    ("5610", True, False, 8),  # restaurants, snack bars
    ("5630", True, False, 6),  # cafes, bars
    ("9602", True, False, 5),  # hairdressers, nail studios
    ("4520", True, False, 4),  # car repair, car wash
    ("4711", False, False, 3),  # supermarkets
    ("4719", True, False, 3),  # other retail (phone shops, convenience)
    ("4690", False, True, 5),  # wholesale
    ("4941", False, True, 4),  # road transport
    ("4120", False, False, 8),  # construction
    ("4321", False, False, 4),  # electricians
    ("6201", False, False, 8),  # software
    ("6920", False, False, 4),  # accountancy
    ("7022", False, False, 10),  # consultancy
    ("8121", False, False, 3),  # cleaning
    ("6810", False, False, 4),  # real estate trade
    ("8690", False, False, 3),  # other health care
    ("0113", False, True, 2),  # horticulture
    ("4778", True, False, 2),  # other retail (grow shops, shisha)
    ("7810", False, False, 3),  # employment agencies
    ("9313", True, False, 2),  # gyms
)
FORMS: Final = (
    ("eenmanszaak", 45),
    ("bv", 35),
    ("vof", 10),
    ("stichting", 5),
    ("vereniging", 4),
    ("nv", 1),
)
CLUB_NAMES: Final = (
    "Iron Reapers MC",
    "Black Vipers MC",
    "Steel Wolves MC",
    "Red Ravens MC",
    "Night Hounds MC",
    "Storm Riders MC",
    "Grey Falcons MC",
    "Bone Crows MC",
    "Dust Devils MC",
    "Stone Bears MC",
    "Cold Sparks MC",
    "Ash Kings MC",
)
