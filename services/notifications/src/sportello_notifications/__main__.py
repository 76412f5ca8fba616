from sportello_notifications.main import run

run()
