from pingpost.cli.app import main

main()
