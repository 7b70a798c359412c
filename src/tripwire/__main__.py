from tripwire.cli.main import main

# guarded: the dashboard's ingest workers start by importing this module (multiprocessing spawn)
if __name__ == "__main__":
    main()
