"""The checkout's pages, in Italian: plain HTML forms, no script, nothing fetched from elsewhere."""

import contextlib
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sportello_deploy.payment_sandbox.checkouts import Checkout, Status

METHODS = {"card": "Carta di pagamento", "pagopa": "pagoPA"}
ENDED = {
    "open": "è ancora aperto",
    "succeeded": "è già stato pagato",
    "failed": "è stato rifiutato",
    "expired": "è scaduto o è stato annullato",
}

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem;
       color: #1f2933; }
.sandbox { background: #fff4d6; border: 1px solid #e0b84c; padding: .5rem .75rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #52606d; } dd { margin: 0; }
form { display: inline; } button { font-size: 1rem; padding: .5rem 1rem; margin: .25rem 0; }
button.pay { background: #1f6feb; color: #fff; border: 0; }
"""


def euros(cents: int) -> str:
    """`123456` is "1.234,56 €", as Italians write it."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d} €"


def italian_time(moment: datetime) -> str:
    """`moment` on the clocks of Italy (as given where the system has no time-zone data)."""
    with contextlib.suppress(ZoneInfoNotFoundError):
        moment = moment.astimezone(ZoneInfo("Europe/Rome"))
    return moment.strftime("%d/%m/%Y alle %H:%M")


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head>
<body>
<p class="sandbox">Ambiente di prova: nessun addebito reale.</p>
{body}
</body>
</html>
"""


def checkout_page(checkout: Checkout) -> str:
    request = checkout.request
    notice = (
        f"<dt>Codice avviso</dt><dd>{escape(request.notice_number)}</dd>"
        if request.notice_number
        else ""
    )
    expires = italian_time(request.expires_at)
    action = f"/checkout/{escape(checkout.id)}"
    return _page(
        "Pagamento",
        f"""<h1>Pagamento</h1>
<dl>
<dt>Importo</dt><dd><strong>{escape(euros(request.amount_cents))}</strong></dd>
<dt>Causale</dt><dd>{escape(request.description)}</dd>
<dt>Metodo</dt><dd>{escape(METHODS[request.method])}</dd>
{notice}
<dt>Valido fino al</dt><dd>{escape(expires)}</dd>
</dl>
<form method="post" action="{action}/pay"><button class="pay" type="submit">Paga</button></form>
<form method="post" action="{action}/fail">
<button type="submit">Simula un pagamento rifiutato</button></form>
<form method="post" action="{action}/cancel"><button type="submit">Annulla</button></form>
""",
    )


def not_open_page(status: Status) -> str:
    return _page(
        "Pagamento non disponibile",
        f"<h1>Pagamento non disponibile</h1><p>Questo pagamento {escape(ENDED[status])}.</p>",
    )


def not_found_page() -> str:
    return _page(
        "Pagamento non trovato",
        "<h1>Pagamento non trovato</h1><p>Il collegamento non corrisponde a nessun pagamento.</p>",
    )
