"""Running Sportello: the local runner, the back-office simulator, demo data, the servers."""
