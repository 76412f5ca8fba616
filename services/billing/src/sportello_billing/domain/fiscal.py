"""A direct debit's holder: a person's codice fiscale or a company's partita IVA, check
character included (python-stdnum)."""

from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale, iva


class InvalidFiscalCode(ValueError):
    pass


def check_fiscal_code(code: str) -> str:
    compact = code.strip().upper()
    module = iva if compact.isdigit() else codicefiscale
    try:
        return str(module.validate(compact))
    except ValidationError:
        raise InvalidFiscalCode(
            "Codice fiscale dell'intestatario del conto non valido: controlla di averlo "
            "scritto per intero."
        ) from None
