from sportello_gateway.main import run

run()
