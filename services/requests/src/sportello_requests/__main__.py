from sportello_requests.main import run

run()
