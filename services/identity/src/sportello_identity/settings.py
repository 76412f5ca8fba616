"""Identity's settings (env prefix `IDENTITY_`; the shared ones keep their plain names)."""

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY, TokenSettings


class IdentitySettings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    database: str = "sportello_identity"
    access_token_minutes: int = Field(15, ge=1, le=120)
    refresh_token_days: int = Field(30, ge=1, le=365)
    # A session (a line of refresh tokens) ends this long after its log-in, however often it
    # is refreshed: each refresh token expires at the sooner of its own lifetime and this.
    session_absolute_days: int = Field(30, ge=1, le=365)
    # A refresh token presented again this soon after it was traded (a double submit over a
    # flaky mobile network) gets a fresh pair; later, a reuse ends the whole session.
    refresh_grace_seconds: float = Field(10.0, ge=0, le=60)

    # Signing keys (Ed25519), kept in identity's database, the private halves encrypted with
    # this key-encryption key (AES-256-GCM under a key derived from it). 32+ characters.
    key_encryption_key: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=32, repr=False)
    # A new signing key every so many days (a command rotates at once: `sportello-identity
    # rotate-keys`).
    signing_key_rotation_days: float = Field(30.0, gt=0, le=365)
    # A new key is published this long before it signs: longer than the gateways keep the
    # keys they fetched (GATEWAY_JWKS_TTL, 300 s), so none meets a token of a key it lacks.
    signing_key_lead_seconds: float = Field(900.0, ge=0, le=86_400)
    # How long a replica trusts the keys it read from the database before reading them again.
    signing_key_reload_seconds: float = Field(30.0, gt=0, le=600)

    # Password and PIN hashing: argon2id. The defaults are RFC 9106's low-memory profile
    # (argon2-cffi's own): 3 passes over 64 MiB in 4 lanes. Changing them rehashes each
    # password at its next log-in. `bench/hashing.py` measures a hash at these values.
    hashing_time_cost: int = Field(3, ge=1, le=20)
    hashing_memory_kib: int = Field(65536, ge=64, le=4 * 1024 * 1024)
    hashing_parallelism: int = Field(4, ge=1, le=16)
    # Memory set aside for hashes running at once: `hashing_memory_mib * 1024 /
    # hashing_memory_kib` of them run together (256 MiB / 64 MiB = 4), the others wait. The
    # rest of the process takes ~100 MiB: keep this under the container's memory limit minus
    # that (512Mi in deploy/k8s: 256 leaves room to spare).
    hashing_memory_mib: int = Field(256, ge=1)
    # How long a log-in or registration waits for a hashing slot before it is refused with
    # 503 `busy` (and a Retry-After); under the gateway's call timeout (5 s).
    hashing_wait_seconds: float = Field(2.0, gt=0, le=30)
    # How long a registration PIN from the back-office waits for a slot before its event fails
    # and is retried later (BUS_RETRY_DELAYS). Longer: nobody waits on it, and a bulk onboarding
    # should queue for the pool rather than churn into the dead letters. The wait happens in
    # the event's transaction: keep it well under MongoDB's 60 s transaction lifetime.
    hashing_event_wait_seconds: float = Field(30.0, gt=0, le=45)

    # Guessing: every guess is counted (before it is checked) under each of its subjects. Below
    # a subject's free failures nothing happens; then each guess must wait after the last
    # failure (first delay, doubled each time, at most the max delay) or is refused with 429
    # and a Retry-After; at the lock's failures the subject is locked for its lock seconds,
    # which is also how long failures are remembered after the last one.
    guess_first_delay_seconds: float = Field(1.0, gt=0, le=60)
    guess_max_delay_seconds: float = Field(60.0, gt=0, le=3600)
    # Per username (known or not: an unknown one answers exactly like a known one). Locking
    # someone out takes many failures: with the delays, 50 take one attacker about 40 minutes
    # of steady guessing from at least three addresses (one address stops at 20), and the
    # owner can always end the lock with a password reset.
    login_free_failures: int = Field(5, ge=0)
    login_lock_failures: int = Field(50, ge=1)
    login_lock_seconds: float = Field(900.0, gt=0)
    # Per fiscal code (registration PINs: 10^8 of them, so 10 guesses per half hour is ample
    # for a user mistyping and hopeless for an attacker).
    pin_free_failures: int = Field(3, ge=0)
    pin_lock_failures: int = Field(10, ge=1)
    pin_lock_seconds: float = Field(1800.0, gt=0)
    # Per client address (an IPv6 client by its /64), passwords and PINs together: one address
    # is slowed after 10 failures and locked at 20, long before it could lock any username (50)
    # on its own. Addresses shared by many people (offices, mobile carriers) reach it sooner
    # than anyone alone: raise it if they complain.
    address_free_failures: int = Field(10, ge=0)
    address_lock_failures: int = Field(20, ge=1)
    address_lock_seconds: float = Field(900.0, gt=0)
    # Failed guesses of every kind in one minute above which an error is logged ("ALERT login
    # failures above ceiling"): a credential-stuffing or PIN-guessing campaign under way.
    failure_alert_per_minute: int = Field(200, ge=1)

    # Second factors: how long a log-in's challenge waits for its code (the password step's
    # proof), and the issuer authenticator apps show beside the account.
    login_challenge_seconds: int = Field(300, ge=30, le=1800)
    totp_issuer: str = Field("Sportello", min_length=1, max_length=60)
    # Condominium administrators: how long the code an operator issues for a firm lasts.
    administrator_code_days: int = Field(14, ge=1, le=90)
    # Lost password or username: how long a reset link works (a newer one voids it sooner).
    reset_link_minutes: int = Field(30, ge=1, le=24 * 60)
    # Reset mails one e-mail address may be sent, and codes one phone number (or one account)
    # may be texted: a few free, then the guesses' growing delays, then none until the lock
    # ends. For reset mails per client address the guesses' own limits apply too (counted
    # apart from wrong passwords), so one client cannot flood many inboxes either.
    recovery_free_requests: int = Field(3, ge=0)
    recovery_lock_requests: int = Field(10, ge=1)
    recovery_lock_seconds: float = Field(3600.0, gt=0)
    # How long the link that confirms a new e-mail address works.
    email_link_hours: int = Field(24, ge=1, le=7 * 24)
    # How long the code that confirms a new phone number works, and how many wrong ones are
    # checked before it is void.
    phone_code_minutes: int = Field(10, ge=1, le=60)
    phone_code_attempts: int = Field(5, ge=1, le=10)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.hashing_memory_kib < 8 * self.hashing_parallelism:
            raise ValueError("argon2 needs at least 8 KiB of memory per lane")
        for scope in ("login", "pin", "address"):
            free = getattr(self, f"{scope}_free_failures")
            if getattr(self, f"{scope}_lock_failures") <= free:
                raise ValueError(f"{scope}: the lock comes after the free failures")
        if self.recovery_lock_requests <= self.recovery_free_requests:
            raise ValueError("recovery: the lock comes after the free requests")
        if self.guess_max_delay_seconds < self.guess_first_delay_seconds:
            raise ValueError("the longest delay is at least the first one")
        # Passkeys made against `localhost` or a page served over plain HTTP work nowhere
        # else: a deployment that forgot to set the relying party must not start.
        if self.production and (
            self.passkey_rp_id == "localhost"
            or any(not origin.startswith("https://") for origin in self.passkey_origins)
        ):
            raise ValueError(
                "production needs IDENTITY_PASSKEY_RP_ID and https IDENTITY_PASSKEY_ORIGINS"
            )
        return self

    # Passkeys (WebAuthn). The relying party is the site users see: its ID is the domain a
    # passkey is bound to (the customer area's, or a parent of it), its name what authenticators
    # show, and the origins the pages that run the ceremonies are served from (scheme, host,
    # port: `https://area-clienti.example.it`). Set all three for a deployment.
    passkey_rp_id: str = "localhost"
    passkey_rp_name: str = "Area Clienti"
    passkey_origins: tuple[str, ...] = ("http://localhost:8000",)
    # How long a ceremony's challenge may be answered (it is good once).
    passkey_challenge_seconds: float = Field(300.0, gt=0, le=3600)
    # Passkey sign-ins one client address may begin per minute: each stores a challenge for
    # anyone who asks, so a flood is cut short (429) before it fills the database.
    passkey_sign_ins_per_minute: int = Field(60, ge=1)

    # Account deletion: how long after asking (with the password or a passkey again) the user
    # may confirm; and the services holding personal data whose confirmations complete it.
    deletion_confirm_seconds: float = Field(600.0, gt=0, le=86400)
    deletion_expected_services: tuple[str, ...] = ("billing", "notifications")
