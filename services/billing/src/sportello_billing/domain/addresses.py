"""Italian postal addresses: checked before bills are posted to them, and compared as deliveries."""

import re
import unicodedata

from sportello_contracts.supplies import PostalAddress

# The siglas of Italy's 107 provinces, metropolitan cities, free municipal consortia (Sicily),
# ex-provinces of Friuli-Venezia Giulia and autonomous provinces (ISTAT, 2017-2025), by region.
CURRENT_PROVINCES = frozenset(
    {
        "AL", "AT", "BI", "CN", "NO", "TO", "VB", "VC",  # Piemonte
        "AO",  # Valle d'Aosta
        "BG", "BS", "CO", "CR", "LC", "LO", "MB", "MI", "MN", "PV", "SO", "VA",  # Lombardia
        "BZ", "TN",  # Trentino-Alto Adige
        "BL", "PD", "RO", "TV", "VE", "VI", "VR",  # Veneto
        "GO", "PN", "TS", "UD",  # Friuli-Venezia Giulia
        "GE", "IM", "SP", "SV",  # Liguria
        "BO", "FC", "FE", "MO", "PC", "PR", "RA", "RE", "RN",  # Emilia-Romagna
        "AR", "FI", "GR", "LI", "LU", "MS", "PI", "PO", "PT", "SI",  # Toscana
        "PG", "TR",  # Umbria
        "AN", "AP", "FM", "MC", "PU",  # Marche
        "FR", "LT", "RI", "RM", "VT",  # Lazio
        "AQ", "CH", "PE", "TE",  # Abruzzo
        "CB", "IS",  # Molise
        "AV", "BN", "CE", "NA", "SA",  # Campania
        "BA", "BR", "BT", "FG", "LE", "TA",  # Puglia
        "MT", "PZ",  # Basilicata
        "CS", "CZ", "KR", "RC", "VV",  # Calabria
        "AG", "CL", "CT", "EN", "ME", "PA", "RG", "SR", "TP",  # Sicilia
        "CA", "NU", "OR", "SS", "SU",  # Sardegna
    }
)  # fmt: skip
# Sardinia's reform (regional law 9/2023) brings back provinces whose old siglas addresses
# still carry: accepted so that no customer's address is refused while the lists settle.
SARDINIAN_REVIVED_PROVINCES = frozenset({"CI", "OG", "OT", "VS"})
PROVINCES = CURRENT_PROVINCES | SARDINIAN_REVIVED_PROVINCES

# The lowest and highest CAP in use (Poste Italiane): 00010 (Lazio) to 98168 (Messina).
LOWEST_POST_CODE, HIGHEST_POST_CODE = 10, 98168

# The usual abbreviations of a street's kind, as their full word (compared lower case).
_STREET_KINDS = {
    "v.": "via",
    "v.le": "viale",
    "p.za": "piazza",
    "p.zza": "piazza",
    "pza": "piazza",
    "c.so": "corso",
    "l.go": "largo",
    "p.le": "piazzale",
    "vic.": "vicolo",
    "str.": "strada",
}
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


class InvalidAddress(ValueError):
    """A field of a postal address is not one bills can be posted to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_postal_address(address: PostalAddress) -> PostalAddress:
    """`address` with its whitespace collapsed, once its province and CAP are Italian ones."""
    province = address.province.strip().upper()
    if province not in PROVINCES:
        raise InvalidAddress(
            "province", f"Provincia non valida: «{province}» non è la sigla di una provincia."
        )
    post_code = address.post_code.strip()
    if not (
        len(post_code) == 5
        and post_code.isdigit()
        and LOWEST_POST_CODE <= int(post_code) <= HIGHEST_POST_CODE
    ):
        raise InvalidAddress("post_code", f"CAP non valido: «{post_code}» non è un CAP italiano.")
    recipient = _collapse(address.recipient) if address.recipient is not None else None
    return PostalAddress(
        recipient=recipient or None,
        street=_collapse(address.street),
        number=_collapse(address.number),
        post_code=post_code,
        city=_collapse(address.city),
        province=province,
        country=address.country,
    )


def address_key(address: PostalAddress) -> str:
    """One delivery, however it was typed: case, accents, spaces, punctuation and the usual
    street abbreviations aside, `Via Roma 12` and `via  roma, 12` in the same city are one."""
    return "|".join(
        (
            _street_key(address.street),
            _words_key(address.number).replace(" ", ""),
            address.post_code.strip(),
            _words_key(address.city),
            address.province.strip().upper(),
            _words_key(address.recipient or ""),
        )
    )


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _street_key(street: str) -> str:
    words = _plain(street).split()
    if words and words[0] in _STREET_KINDS:
        words[0] = _STREET_KINDS[words[0]]
    return _words_key(" ".join(words))


def _words_key(text: str) -> str:
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", _plain(text)).split())


def _plain(text: str) -> str:
    """Lower case without accents: `Forlì` and `FORLI'` are one city."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
