"""The events requests consumes: the back-office's steps, and billing's world it admits
requests against."""

from sportello_contracts.bills import BillIssued
from sportello_contracts.envelope import Event
from sportello_contracts.payments import BillPaymentRegistered, InstalmentPlanApproved
from sportello_contracts.readings import MeterInstalled
from sportello_contracts.requests import RequestProgressed
from sportello_contracts.supplies import SupplyCeased
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction
from sportello_requests.bootstrap import Dependencies
from sportello_requests.usecases import facts
from sportello_requests.usecases.requests import request_progressed


def subscribe(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.on(RequestProgressed)
    async def progressed(event: Event[RequestProgressed], tx: Transaction) -> None:
        """The back-office took a request in hand, completed or rejected it: the customer is
        told; a contradicting step is dead-lettered with the reason."""
        await request_progressed(needs, tx, event.payload, str(event.event_id))

    @service.on(MeterInstalled)
    async def meter_installed(event: Event[MeterInstalled], tx: Transaction) -> None:
        """A supply requests can be filed on: whose, gas or electricity, its point."""
        await facts.meter_installed(needs, tx, event.payload)

    @service.on(SupplyCeased)
    async def supply_ceased(event: Event[SupplyCeased], tx: Transaction) -> None:
        """A ceased supply: taken over (subentro), no longer changed."""
        await facts.supply_ceased(needs, tx, event.payload)

    @service.on(BillIssued)
    async def bill_issued(event: Event[BillIssued], tx: Transaction) -> None:
        """A bill requests can be about (a correction, a complaint, instalments)."""
        await facts.bill_issued(needs, tx, event.payload)

    @service.on(BillPaymentRegistered)
    async def bill_paid(event: Event[BillPaymentRegistered], tx: Transaction) -> None:
        """What is left to pay of a bill: a paid bill takes no instalment plan."""
        await facts.bill_payment_registered(needs, tx, event.payload)

    @service.on(InstalmentPlanApproved)
    async def plan_approved(event: Event[InstalmentPlanApproved], tx: Transaction) -> None:
        """A bill in a plan takes no second one."""
        await facts.plan_approved(needs, tx, event.payload)
