"""`sportello-identity-operator create`: the bootstrap operator, straight into identity's database.

Why the database and not the bus: creating an operator with every permission is the one thing no
request may do unless an operator asked for it, so no operation answers it anonymously; whoever
runs this holds identity's database settings (`MONGO_URL`, `IDENTITY_DATABASE`), which is power
over every account already. The account and the first entry of its trail commit together, and
the trail's event leaves through identity's outbox (the running service's relay sends it).

The operator has every permission and must enrol TOTP at its first log-in: until then it may
only do that (`POST /v1/me/totp`). The password comes from the environment variable named by
`--password-env` (default `SPORTELLO_OPERATOR_PASSWORD`), else from a prompt: never from the
command line, where other users of the machine could read it.
"""

import argparse
import asyncio
import getpass
import os
import sys

from sportello_identity.adapters.hashing import Argon2Hasher
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.bootstrap import bootstrap
from sportello_identity.domain.errors import EmailTaken, UsernameTaken, WeakPassword
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases import operators

# Who created a bootstrap operator, in its trail.
BOOTSTRAP_ACTOR = "bootstrap"
EXISTS = 3  # the exit status when the username is taken (with --if-absent: 0)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="sportello-identity-operator", description=__doc__)
    commands = cli.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an operator with every permission")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--full-name", required=True)
    create.add_argument(
        "--password-env",
        default="SPORTELLO_OPERATOR_PASSWORD",
        help="the environment variable holding the password (else it is asked for)",
    )
    create.add_argument(
        "--if-absent",
        action="store_true",
        help="succeed without change when the username exists already (re-runs, the demo)",
    )
    return cli


async def create(args: argparse.Namespace, password: str) -> int:
    settings = IdentitySettings()
    service, deps, _ = bootstrap(settings)
    store, hasher = deps.store, deps.hasher
    assert isinstance(store, IdentityStore)
    assert isinstance(hasher, Argon2Hasher)
    try:
        await store.create_indexes()  # the service may never have started yet
        if args.if_absent and await deps.store.account_by_username(args.username.lower()):
            print(f"operator {args.username} exists already")
            return 0
        operator = await deps.transactions.transaction(
            lambda tx: operators.new_operator(
                deps,
                tx,
                username=args.username.lower(),
                email=args.email,
                full_name=args.full_name,
                password=password,
                actor_id=BOOTSTRAP_ACTOR,
            )
        )
    except WeakPassword as weak:
        print("the password is refused: " + "; ".join(weak.problems), file=sys.stderr)
        return 2
    except (UsernameTaken, EmailTaken) as taken:
        print(f"cannot create the operator: {type(taken).__name__}", file=sys.stderr)
        return 0 if args.if_absent else EXISTS
    finally:
        hasher.pool.close()
        await service.database.client.close()
    print(f"operator {operator.username} created ({operator.account_id}): log in and enrol TOTP")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    password = os.environ.get(args.password_env) or getpass.getpass("password: ")
    sys.exit(asyncio.run(create(args, password)))


if __name__ == "__main__":
    main()
