"""The identity service: `sportello-identity` (or `faststream run sportello_identity.main:app`);
`sportello-identity rotate-keys` makes the next signing key at once."""

import sys

from sportello_identity.bootstrap import bootstrap
from sportello_identity.entrypoints.commands import run_command
from sportello_identity.entrypoints.events import subscribe
from sportello_identity.entrypoints.rpc import register_operations

service, dependencies, event_dependencies = bootstrap()
register_operations(service, dependencies)
subscribe(service, event_dependencies)
app = service.app


def run() -> None:
    if not run_command(sys.argv[1:]):
        service.run()
