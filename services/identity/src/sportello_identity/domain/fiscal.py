"""Italian fiscal identities: a person's codice fiscale or an entity's partita IVA."""

from stdnum.it import codicefiscale, iva


def is_valid_fiscal_code(code: str) -> bool:
    """True for a well-formed codice fiscale (16 characters) or partita IVA (11 digits)."""
    if len(code) == 16:
        return bool(codicefiscale.is_valid(code))
    return bool(iva.is_valid(code))
