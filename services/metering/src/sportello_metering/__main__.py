from sportello_metering.main import run

run()
