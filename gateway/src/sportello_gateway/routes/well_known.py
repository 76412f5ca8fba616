"""Identity's public keys, for whoever verifies its access tokens besides the gateway."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sportello_gateway.problems_doc import responses

router = APIRouter(tags=["auth"])


@router.get(
    "/.well-known/jwks.json",
    responses=responses(),
    summary="The keys access tokens are signed with (JWKS, RFC 7517)",
)
async def jwks(request: Request) -> Response:
    """Every key whose tokens may still be alive, and the next one before it signs."""
    state = request.app.state
    keys = await state.public_keys.jwks(state.bus)
    return JSONResponse(
        keys,
        media_type="application/jwk-set+json",
        headers={"Cache-Control": f"public, max-age={int(state.settings.jwks_ttl)}"},
    )
