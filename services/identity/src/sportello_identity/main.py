"""The identity service: `sportello-identity` (or `faststream run sportello_identity.main:app`);
`sportello-identity rotate-keys` makes the next signing key at once."""

import sys

from sportello_identity.bootstrap import bootstrap, deletion_dependencies, passkey_dependencies
from sportello_identity.entrypoints.account_deletion import register_deletion_operations
from sportello_identity.entrypoints.commands import run_command
from sportello_identity.entrypoints.events import subscribe
from sportello_identity.entrypoints.passkeys import register_passkey_operations
from sportello_identity.entrypoints.rpc import register_operations
from sportello_identity.entrypoints.staff_rpc import register_staff_operations

service, dependencies, event_dependencies = bootstrap()
register_operations(service, dependencies)
register_staff_operations(service, dependencies)
subscribe(service, event_dependencies)
passkey_keys = passkey_dependencies(service)
register_passkey_operations(service, dependencies, passkey_keys)
register_deletion_operations(service, dependencies, deletion_dependencies(service, passkey_keys))
app = service.app


def run() -> None:
    if not run_command(sys.argv[1:]):
        service.run()
