from pingpost.cli.start import main

main()
