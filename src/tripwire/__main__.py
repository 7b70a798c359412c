from tripwire.cli.main import main

main()
