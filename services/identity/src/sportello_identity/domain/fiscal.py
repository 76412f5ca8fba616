"""Italian fiscal identities: a person's codice fiscale or an entity's partita IVA."""

from stdnum.it import codicefiscale, iva

from sportello_identity.domain.errors import InvalidFiscalCode


def is_valid_fiscal_code(code: str) -> bool:
    """True for a well-formed codice fiscale (16 characters) or partita IVA (11 digits)."""
    if len(code) == 16:
        return bool(codicefiscale.is_valid(code))
    return bool(iva.is_valid(code))


def check_fiscal_code(code: str) -> None:
    if not is_valid_fiscal_code(code):
        raise InvalidFiscalCode()
