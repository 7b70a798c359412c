from tripwire.cli.main import entry

# guarded: the dashboard's ingest workers start by importing this module (multiprocessing spawn)
if __name__ == "__main__":
    entry()
