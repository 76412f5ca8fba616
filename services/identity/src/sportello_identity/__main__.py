from sportello_identity.main import run

run()
