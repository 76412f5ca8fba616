"""Identity's public keys, for whoever verifies its access tokens besides the gateway."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sportello_gateway.problems_doc import responses

router = APIRouter(tags=["auth"])


class JwkSetResponse(JSONResponse):
    media_type = "application/jwk-set+json"  # RFC 7517, 8.5


class PublicKeyPublic(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class KeySetPublic(BaseModel):
    keys: list[PublicKeyPublic]


@router.get(
    "/.well-known/jwks.json",
    response_class=JwkSetResponse,
    responses=responses(),
    summary="The keys access tokens are signed with (JWKS, RFC 7517)",
)
async def jwks(request: Request, response: Response) -> KeySetPublic:
    """Every key whose tokens may still be alive, and the next one before it signs. Cache it
    no longer than `Cache-Control` says; a token naming a key not in it: fetch it again."""
    state = request.app.state
    response.headers["Cache-Control"] = f"public, max-age={int(state.settings.jwks_ttl)}"
    return KeySetPublic.model_validate(await state.public_keys.jwks(state.bus))
