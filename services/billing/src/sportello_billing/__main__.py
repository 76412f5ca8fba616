from sportello_billing.main import run

run()
